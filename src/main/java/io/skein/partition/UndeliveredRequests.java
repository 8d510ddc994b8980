package io.skein.partition;

import akka.actor.AllDeadLetters;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.ShardingEnvelope;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.metadata.PartitionKey;

/**
 * Answers the partition requests this node could not deliver, so that no client waits its
 * whole request timeout for an answer that will never come.
 *
 * <p>When a partition's shard moves (a controlled shutdown, the preferred leader taking over
 * again), Cluster Sharding drops the requests its region on the old node buffered between the
 * start and the end of the hand-off, and the shard ignores those that reach it while it stops
 * its entity; requests to an actor that has just stopped end the same way. All of them reach
 * the dead letters of the node that dropped them, unprocessed. This actor, one per node, reads
 * them there and answers each with NOT_LEADER_OR_FOLLOWER: retriable, and true, since
 * nothing was written, so even a producer without idempotence may retry it safely.
 */
public final class UndeliveredRequests {

  private UndeliveredRequests() {}

  public static Behavior<AllDeadLetters> create() {
    Behavior<AllDeadLetters> answering = Behaviors.setup(context -> {
      context.getSystem().eventStream().tell(new EventStream.Subscribe<>(AllDeadLetters.class, context.getSelf()));
      return Behaviors.receive(AllDeadLetters.class)
          .onMessage(AllDeadLetters.class, UndeliveredRequests::onUndelivered)
          .build();
    });
    // One odd dead letter must not stop the answering of all the others.
    return Behaviors.supervise(answering).onFailure(SupervisorStrategy.resume());
  }

  private static Behavior<AllDeadLetters> onUndelivered(AllDeadLetters undelivered) {
    if (undelivered.message() instanceof ShardingEnvelope<?> envelope && LeaderShards.isHome(envelope.entityId())) {
      return Behaviors.same();
    }
    if (undelivered.message() instanceof ShardingEnvelope<?> envelope
        && envelope.message() instanceof PartitionLeader.Command command) {
      refuse(LeaderShards.partitionOf(envelope.entityId()), command);
    } else if (undelivered.message() instanceof PartitionLeader.Command command) {
      refuse(null, command);
    }
    return Behaviors.same();
  }

  private static void refuse(PartitionKey key, PartitionLeader.Command command) {
    LeaderRefusals.refuse(key, command, Failure.of(ErrorCode.NOT_LEADER_OR_FOLLOWER,
        "the leadership of " + (key == null ? "the partition" : key) + " is moving; retry at its new leader"));
  }
}
