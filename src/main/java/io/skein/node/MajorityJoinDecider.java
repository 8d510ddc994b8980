package io.skein.node;

import akka.actor.ActorSystem;
import akka.discovery.ServiceDiscovery.ResolvedTarget;
import akka.management.cluster.bootstrap.ClusterBootstrapSettings;
import akka.management.cluster.bootstrap.LowestAddressJoinDecider;
import akka.management.cluster.bootstrap.SeedNodesInformation;
import akka.management.cluster.bootstrap.SeedNodesObservation;
import scala.Option;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;

/**
 * Cluster Bootstrap's join decision for brokers started in any order: join a cluster that any
 * contact point reports; otherwise form a new one only once {@code required-contact-point-nr}
 * brokers (a majority of them) answer, and the same ones have answered for the stable margin,
 * and this broker has the lowest address among them.
 *
 * <p>Akka's own decider either waits for every configured contact point, so a cluster with one
 * broker down never forms again, or (not requiring all) counts the configured ones rather than
 * the ones that answer, so a broker alone forms a cluster of one beside the real cluster it
 * cannot reach (a broker that was downed and restarts while the others run on, or one cut off
 * by the network, would then run a second Controller on the same journal). Requiring a stable
 * majority that answers, a second cluster could only form if a broker stayed invisible to a
 * peer for the whole stable margin while a third broker saw both.
 */
public final class MajorityJoinDecider extends LowestAddressJoinDecider {

  private final int required;
  private final Duration stableMargin;
  private final Duration answerMaxAge;
  private Set<ResolvedTarget> answering = Set.of();
  private LocalDateTime answeringSince = LocalDateTime.MIN;

  public MajorityJoinDecider(ActorSystem system, ClusterBootstrapSettings settings) {
    super(system, settings);
    this.required = settings.contactPointDiscovery().requiredContactPointsNr();
    this.stableMargin = Duration.ofMillis(settings.contactPointDiscovery().stableMargin().toMillis());
    // A contact point is probed every probe-interval; one silent for the failure timeout is gone.
    this.answerMaxAge = Duration.ofMillis(settings.contactPoint().probingFailureTimeout().toMillis());
  }

  /** Enough brokers answer, not merely enough are configured. */
  @Override
  public synchronized boolean hasEnoughContactPoints(SeedNodesInformation info) {
    Set<ResolvedTarget> now = answering(info);
    if (!now.equals(answering)) {
      answering = now;
      answeringSince = info.currentTime();
    }
    return answering.size() >= required;
  }

  /** The brokers that answer have been the same for the stable margin. */
  @Override
  public synchronized boolean isPastStableMargin(SeedNodesInformation info) {
    return super.isPastStableMargin(info) && !answeringSince.plus(stableMargin).isAfter(info.currentTime());
  }

  /** A majority suffices: the brokers that are down need not answer. */
  @Override
  public boolean isConfirmedCommunicationWithAllContactPointsRequired(SeedNodesInformation info) {
    return false;
  }

  /** The lowest of the brokers that answer now; one that stopped answering is no candidate. */
  @Override
  public synchronized Option<ResolvedTarget> lowestAddressContactPoint(SeedNodesInformation info) {
    return answering(info).stream()
        .min(Comparator.comparing(ResolvedTarget::host).thenComparingInt(MajorityJoinDecider::port))
        .map(Option::apply)
        .orElse(Option.empty());
  }

  private static int port(ResolvedTarget target) {
    return target.getPort().map(port -> (Integer) port).orElse(0);
  }

  private Set<ResolvedTarget> answering(SeedNodesInformation info) {
    Set<ResolvedTarget> targets = new HashSet<>();
    LocalDateTime oldest = info.currentTime().minus(answerMaxAge);
    for (SeedNodesObservation observation : info.getSeedNodesObservations()) {
      if (observation.observedAt().isAfter(oldest)) {
        targets.add(observation.contactPoint());
      }
    }
    return Set.copyOf(targets);
  }
}
