package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.ActorSystem;
import akka.actor.Address;
import akka.discovery.ServiceDiscovery.ResolvedTarget;
import akka.http.scaladsl.model.Uri;
import akka.management.cluster.bootstrap.ClusterBootstrap;
import akka.management.cluster.bootstrap.JoinDecision;
import akka.management.cluster.bootstrap.JoinOtherSeedNodes;
import akka.management.cluster.bootstrap.JoinSelf$;
import akka.management.cluster.bootstrap.KeepProbing$;
import akka.management.cluster.bootstrap.SeedNodesInformation;
import akka.management.cluster.bootstrap.SeedNodesObservation;
import com.typesafe.config.ConfigFactory;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.concurrent.Await;
import scala.jdk.javaapi.CollectionConverters;

/** Issue 13: brokers started in any order form one cluster, and only with a majority. */
class MajorityJoinDeciderTest {

  private static final LocalDateTime START = LocalDateTime.of(2026, 12, 2, 12, 0);
  /** The three brokers' management endpoints, as config discovery lists them; this broker is the first. */
  private static final ResolvedTarget BROKER_1 = target("127.0.0.11");
  private static final ResolvedTarget BROKER_2 = target("127.0.0.12");
  private static final ResolvedTarget BROKER_3 = target("127.0.0.13");
  private static final Set<ResolvedTarget> CONFIGURED = Set.of(BROKER_1, BROKER_2, BROKER_3);

  private static ActorSystem system;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("skein", ConfigFactory.parseString("""
        akka.actor.provider = cluster
        akka.remote.artery.canonical.hostname = 127.0.0.11
        akka.remote.artery.canonical.port = 0
        akka.management.http.hostname = 127.0.0.11
        akka.management.http.port = 8558
        akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr = 2
        akka.management.cluster.bootstrap.contact-point-discovery.stable-margin = 5 s
        akka.management.cluster.bootstrap.contact-point.probing-failure-timeout = 3 s
        """).withFallback(ConfigFactory.load()));
    ClusterBootstrap.get(system).setSelfContactPoint(Uri.apply("http://127.0.0.11:8558"));
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  private final MajorityJoinDecider decider = new MajorityJoinDecider(system, ClusterBootstrap.get(system).settings());

  @Test
  void aBrokerAloneNeverFormsAClusterOfOne() throws Exception {
    for (int second = 0; second <= 60; second += 10) {
      assertEquals(KeepProbing$.MODULE$, decide(second, answers(second, BROKER_1)), "after " + second + " s");
    }
  }

  @Test
  void theLowestOfAStableMajorityFormsTheCluster() throws Exception {
    assertEquals(KeepProbing$.MODULE$, decide(0, answers(0, BROKER_1, BROKER_3)), "not stable yet");
    assertEquals(KeepProbing$.MODULE$, decide(3, answers(3, BROKER_1, BROKER_3)), "not stable yet");
    assertEquals(JoinSelf$.MODULE$, decide(6, answers(6, BROKER_1, BROKER_3)));
  }

  @Test
  void aBrokerThatIsNotTheLowestOfTheMajorityWaits() throws Exception {
    ResolvedTarget lower = target("127.0.0.10");
    decide(0, answers(0, lower, BROKER_1));
    assertEquals(KeepProbing$.MODULE$, decide(10, answers(10, lower, BROKER_1)), "the lower broker forms it");
  }

  @Test
  void aNewAnswerRestartsTheStableMargin() throws Exception {
    decide(0, answers(0, BROKER_1, BROKER_3));
    assertEquals(KeepProbing$.MODULE$, decide(4, answers(4, BROKER_1, BROKER_2, BROKER_3)),
        "broker 2 just appeared");
    assertEquals(KeepProbing$.MODULE$, decide(8, answers(8, BROKER_1, BROKER_2, BROKER_3)));
    assertEquals(JoinSelf$.MODULE$, decide(10, answers(10, BROKER_1, BROKER_2, BROKER_3)));
  }

  @Test
  void aBrokerThatStoppedAnsweringIsNoCandidate() throws Exception {
    ResolvedTarget lower = target("127.0.0.10");
    decide(20, withStale(answers(20, BROKER_1, BROKER_3), observed(0, lower)));
    assertEquals(JoinSelf$.MODULE$, decide(26, withStale(answers(26, BROKER_1, BROKER_3), observed(0, lower))),
        "the lower broker was last seen 26 s ago");
  }

  @Test
  void aReportedClusterIsJoinedAtOnce() throws Exception {
    Address member = new Address("akka", "skein", "127.0.0.12", 25520);
    SeedNodesObservation fromBroker2 = new SeedNodesObservation(START, BROKER_2, member,
        CollectionConverters.asScala(Set.of(member)).toSet());
    JoinDecision decision = decide(0, List.of(observed(0, BROKER_1), fromBroker2));
    assertInstanceOf(JoinOtherSeedNodes.class, decision);
    assertEquals(Set.of(member), CollectionConverters.asJava(((JoinOtherSeedNodes) decision).seedNodes()));
  }

  private JoinDecision decide(int second, List<SeedNodesObservation> observations) throws Exception {
    return Await.result(decider.decide(info(second, observations.toArray(SeedNodesObservation[]::new))),
        scala.concurrent.duration.Duration.create(5, "s"));
  }

  private static List<SeedNodesObservation> withStale(List<SeedNodesObservation> fresh, SeedNodesObservation stale) {
    List<SeedNodesObservation> all = new ArrayList<>(fresh);
    all.add(stale);
    return all;
  }

  private static List<SeedNodesObservation> answers(int second, ResolvedTarget... brokers) {
    List<SeedNodesObservation> observations = new ArrayList<>();
    for (ResolvedTarget broker : brokers) {
      observations.add(observed(second, broker));
    }
    return observations;
  }

  private static SeedNodesObservation observed(int second, ResolvedTarget broker) {
    return new SeedNodesObservation(START.plusSeconds(second), broker,
        new Address("akka", "skein", broker.host(), 25520), CollectionConverters.asScala(Set.<Address>of()).toSet());
  }

  private static SeedNodesInformation info(int second, SeedNodesObservation... observations) {
    Set<ResolvedTarget> contactPoints = new HashSet<>(CONFIGURED);
    for (SeedNodesObservation observation : observations) {
      contactPoints.add(observation.contactPoint());
    }
    return new SeedNodesInformation(START.plusSeconds(second), START.minusMinutes(1),
        CollectionConverters.asScala(contactPoints).toSet(),
        CollectionConverters.asScala(Set.of(observations)).toSet());
  }

  private static ResolvedTarget target(String host) {
    return new ResolvedTarget(host, Option.apply((Object) 8558), Option.empty());
  }
}
