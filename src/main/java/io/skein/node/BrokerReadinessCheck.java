package io.skein.node;

import akka.actor.typed.javadsl.Adapter;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import io.skein.cluster.LeaderLocations;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Akka Management readiness check ({@code /ready}), registered in skein-defaults.conf: the
 * broker is ready once it is an Up member of the cluster, has recovered the partition logs
 * it leads, serves gRPC and, after a restart, has caught up into the ISR of the partitions
 * it follows (so a rolling update waits for it before restarting the next broker); it stops
 * being ready when its controlled shutdown begins.
 * Akka Management creates it with the node's actor system.
 */
public final class BrokerReadinessCheck implements Supplier<CompletionStage<Boolean>> {

  private final akka.actor.typed.ActorSystem<Void> system;

  public BrokerReadinessCheck(akka.actor.ActorSystem system) {
    this.system = Adapter.toTyped(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(isReady(system));
  }

  /** The readiness above, also what the gRPC health service reports. */
  static boolean isReady(akka.actor.typed.ActorSystem<?> system) {
    boolean up = Cluster.get(system).selfMember().status() == MemberStatus.up();
    return up && BrokerReadiness.get(system).ready(LeaderLocations.get(system)::inSyncFollower);
  }
}
