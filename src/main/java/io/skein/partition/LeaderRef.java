package io.skein.partition;

import akka.actor.typed.ActorRef;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.japi.function.Function;
import io.skein.common.AkkaFutures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A partition's leader as {@link PartitionRouter} found it: its entity, on the broker that
 * leads it. Asks of a leader on another broker fail as soon as that broker does
 * ({@link ForwardedRequests}) rather than at their timeout.
 */
public final class LeaderRef {

  private final EntityRef<PartitionLeader.Command> entity;
  private final int broker;
  /** Null when the leader is on this node: its failure is this node's. */
  private final ForwardedRequests remote;

  LeaderRef(EntityRef<PartitionLeader.Command> entity, int broker, ForwardedRequests remote) {
    this.entity = entity;
    this.broker = broker;
    this.remote = remote;
  }

  /** The broker that leads the partition. */
  public int broker() {
    return broker;
  }

  public void tell(PartitionLeader.Command command) {
    entity.tell(command);
  }

  /** The leader's answer, on the thread that delivers it (see {@link AkkaFutures}). */
  public <R> CompletableFuture<R> ask(Function<ActorRef<R>, PartitionLeader.Command> request, Duration timeout) {
    CompletableFuture<R> answer = AkkaFutures.direct(entity.ask(request, timeout));
    return remote == null ? answer : remote.untilBrokerFails(broker, answer);
  }
}
