package io.skein.node;

import io.skein.common.AkkaFutures;
import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Leave;
import io.skein.cluster.LiveBrokers;
import io.skein.cluster.Controller;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import io.skein.server.grpc.GrpcServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's controlled shutdown on Akka's CoordinatedShutdown (run on SIGTERM, on
 * {@link SkeinNode#close}, or when the node is told to leave):
 *
 * <ol>
 *   <li>before-service-unbind: the broker stops being ready (Kubernetes takes it out of the
 *       client Service), leaves the cluster, and waits until the Controller has moved the
 *       leadership of its partitions to in-sync replicas on other brokers (a Leaving member is
 *       no longer live, so the Controller re-elects: {@link io.skein.cluster.LeaderElection});
 *   <li>cluster-sharding-shutdown-region: Akka hands the shards still here (group
 *       coordinators, partitions nobody else could lead) to the other nodes;
 *   <li>cluster-leave, cluster-exiting: the node is removed;
 *   <li>before-actor-system-terminate: the gRPC server stops last, so clients of this broker
 *       were told NOT_LEADER_OR_FOLLOWER (retriable: they refresh metadata and go to the new
 *       leader) rather than losing their connection while the partitions moved.
 * </ol>
 */
final class ControlledShutdown {

  private static final Logger LOG = LoggerFactory.getLogger(ControlledShutdown.class);
  private static final Duration POLL = Duration.ofMillis(250);

  private final ActorSystem<?> system;
  private final int brokerId;
  private final ActorRef<Controller.Command> controller;
  private final Duration transferTimeout;

  private ControlledShutdown(ActorSystem<?> system, int brokerId, ActorRef<Controller.Command> controller,
      Duration transferTimeout) {
    this.system = system;
    this.brokerId = brokerId;
    this.controller = controller;
    this.transferTimeout = transferTimeout;
  }

  static void install(ActorSystem<?> system, BrokerConfig config, ActorRef<Controller.Command> controller,
      GrpcServer grpc) {
    Duration transferTimeout = system.settings().config().getDuration("skein.shutdown.leadership-transfer-timeout");
    ControlledShutdown shutdown = new ControlledShutdown(system, config.brokerId(), controller, transferTimeout);
    CoordinatedShutdown coordinated = CoordinatedShutdown.get(system);
    coordinated.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "move-partition-leadership",
        shutdown::moveLeadershipAway);
    coordinated.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "grpc-health-not-serving", () -> {
      grpc.stopping();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    coordinated.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-grpc", () -> {
      grpc.close();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  private CompletionStage<Done> moveLeadershipAway() {
    BrokerReadiness.get(system).stopping();
    if (CoordinatedShutdown.get(system).getShutdownReason()
        .equals(Optional.of(CoordinatedShutdown.clusterDowningReason()))) {
      // Downed: the others already re-elected leaders without this broker, which cannot reach them.
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    Cluster cluster = Cluster.get(system);
    boolean othersUp = false;
    for (akka.cluster.Member member : cluster.state().getMembers()) {
      othersUp |= !member.equals(cluster.selfMember()) && member.status() == MemberStatus.up();
    }
    if (!othersUp) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    LOG.info("Controlled shutdown of broker {}: leaving the cluster, moving partition leadership away", brokerId);
    // As Kafka's ControlledShutdown request: the Controller re-elects at once, not a gossip round later.
    controller.tell(new Controller.BrokerLeaving(cluster.selfMember().address(),
        cluster.selfMember().uniqueAddress().longUid()));
    cluster.manager().tell(Leave.create(cluster.selfMember().address()));
    CompletableFuture<Done> moved = new CompletableFuture<>();
    poll(Instant.now().plus(transferTimeout), moved);
    return moved;
  }

  /** Asks the Controller until no partition this broker leads has an in-sync replica elsewhere. */
  private void poll(Instant deadline, CompletableFuture<Done> moved) {
    AkkaFutures.direct(AskPattern.<Controller.Command, Controller.Topics>ask(controller, Controller.GetTopics::new,
            Duration.ofSeconds(3), system.scheduler()))
        .whenComplete((topics, failure) -> {
          List<String> movable = failure == null ? movableLeaderships(topics) : List.of("(controller: " + failure + ")");
          if (movable.isEmpty()) {
            LOG.info("Controlled shutdown of broker {}: it leads no partition another in-sync replica could lead",
                brokerId);
            moved.complete(Done.getInstance());
          } else if (Instant.now().isAfter(deadline)) {
            LOG.warn("Controlled shutdown of broker {}: still leads {} after {}; shutting down anyway", brokerId,
                movable, transferTimeout);
            moved.complete(Done.getInstance());
          } else {
            system.scheduler().scheduleOnce(POLL, () -> poll(deadline, moved), system.executionContext());
          }
        });
  }

  /** Partitions this broker leads although a live in-sync replica on another broker could. */
  private List<String> movableLeaderships(Controller.Topics topics) {
    Set<Integer> live = LiveBrokers.electable(Cluster.get(system));
    List<String> movable = new ArrayList<>();
    for (Topic topic : topics.byName().values()) {
      for (int p = 0; p < topic.partitions().size(); p++) {
        ReplicaAssignment assignment = topic.partitions().get(p);
        if (assignment.leader() == brokerId
            && assignment.isr().stream().anyMatch(id -> id != brokerId && live.contains(id))) {
          movable.add(topic.name() + "-" + p);
        }
      }
    }
    return movable;
  }
}
