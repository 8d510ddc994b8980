package io.skein.cluster;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import akka.persistence.jdbc.testkit.javadsl.SchemaUtils;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.skein.common.AkkaFutures;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import io.skein.node.BrokerConfig;
import io.skein.node.SkeinNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Controller tells the brokers after each persisted change, seen through
 * AssignmentSubscribers: every listener gets the assignments when it appears and after every
 * change, and the topic's partition leaders get config and deletion updates.
 */
class ControllerAnnouncementsTest {

  /** The message a listener gets: every topic, by name. */
  record Announced(Map<String, Topic> topics) {}

  private static final ServiceKey<Announced> LISTENERS = ServiceKey.create(Announced.class, "test-listeners");
  private static final Duration WAIT = Duration.ofSeconds(15);

  /** Records the updates meant for partition leaders. */
  private static final class Subscribers implements AssignmentSubscribers<Announced> {
    final LinkedBlockingQueue<String> partitionUpdates = new LinkedBlockingQueue<>();

    @Override
    public ServiceKey<Announced> listeners() {
      return LISTENERS;
    }

    @Override
    public Announced assignmentsChanged(Map<String, Topic> topics) {
      return new Announced(topics);
    }

    @Override
    public void leaderElected(PartitionKey partition, String topicId, int previousLeader, ReplicaAssignment assignment) {
      partitionUpdates.add("leader of " + partition + ": " + assignment.leader());
    }

    @Override
    public void configsChanged(Topic topic) {
      partitionUpdates.add("configs of " + topic.name() + ": " + topic.configs());
    }

    @Override
    public void topicDeleted(Topic topic) {
      partitionUpdates.add("deleted " + topic.name());
    }
  }

  @TempDir
  Path dataDir;

  private ActorTestKit testKit;
  private final Subscribers subscribers = new Subscribers();
  private ActorRef<Controller.Command> controller;

  /** A single broker (id 1) that is up in its own cluster, with the broker's real (H2) journal. */
  @BeforeEach
  void start() throws Exception {
    Config config = SkeinNode.loadConfig(Optional.empty(), Map.of(
        "skein.data-dir", dataDir.toString(),
        "akka.remote.artery.canonical.hostname", "127.0.0.1",
        "akka.remote.artery.canonical.port", 0));
    Config withRoles = ConfigFactory.parseMap(
            Map.of("akka.cluster.roles", BrokerRoles.of(new BrokerAddress(1, "127.0.0.1", 9092, ""))))
        .withFallback(config);
    testKit = ActorTestKit.create("skein", withRoles);
    AkkaFutures.direct(SchemaUtils.createIfNotExists(testKit.system())).get(30, TimeUnit.SECONDS);
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    assertEventually("the broker is up", WAIT, () -> cluster.selfMember().status() == MemberStatus.up());
    controller = testKit.spawn(Controller.create(
        new ControllerSettings(BrokerConfig.from(withRoles).topicDefaults(), Long.MAX_VALUE), subscribers));
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aListenerLearnsTheAssignmentsWhenItAppearsAndAfterEveryChange() {
    TestProbe<Announced> listener = testKit.createTestProbe();
    testKit.system().receptionist().tell(Receptionist.register(LISTENERS, listener.ref()));
    assertEquals(Map.of(), listener.expectMessageClass(Announced.class, WAIT).topics());

    Topic created = topicReply(replyTo -> new Controller.CreateTopic("orders", 2, 1, Map.of(), false, replyTo));
    Topic announced = listener.expectMessageClass(Announced.class, WAIT).topics().get("orders");
    assertEquals(created, announced);
    assertEquals(List.of(1, 1), announced.partitions().stream().map(ReplicaAssignment::leader).toList());

    topicReply(replyTo -> new Controller.DeleteTopic("orders", replyTo));
    assertEquals(Map.of(), listener.expectMessageClass(Announced.class, WAIT).topics());
  }

  @Test
  void theTopicsPartitionLeadersLearnConfigChangesAndDeletion() throws Exception {
    topicReply(replyTo -> new Controller.CreateTopic("orders", 2, 1, Map.of(), false, replyTo));
    topicReply(replyTo -> new Controller.AlterTopicConfigs("orders", Map.of("retention.ms", "1000"), List.of(), replyTo));
    assertEquals("configs of orders: {retention.ms=1000}", subscribers.partitionUpdates.poll(15, TimeUnit.SECONDS));

    topicReply(replyTo -> new Controller.DeleteTopic("orders", replyTo));
    assertEquals("deleted orders", subscribers.partitionUpdates.poll(15, TimeUnit.SECONDS));
    assertTrue(subscribers.partitionUpdates.isEmpty(), "no leader was elected: " + subscribers.partitionUpdates);
  }

  private Topic topicReply(Function<ActorRef<Controller.TopicReply>, Controller.Command> request) {
    TestProbe<Controller.TopicReply> probe = testKit.createTestProbe();
    controller.tell(request.apply(probe.ref()));
    Controller.TopicReply reply = probe.expectMessageClass(Controller.TopicReply.class, WAIT);
    assertNull(reply.failure());
    return reply.topic();
  }
}
