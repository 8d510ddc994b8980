package io.skein.partition;

import akka.actor.typed.ActorRef;
import io.skein.common.Failure;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * A leader's acks=all appends waiting for the high watermark to pass them, lowest offsets first
 * (a retried idempotent batch waits for the offsets it was first stored at): each answered once
 * committed, refused at its deadline, or failed when the leader stops.
 */
final class WaitingAcks {

  private record Waiting(PartitionLeader.AppendReply reply, long deadlineNanos,
      ActorRef<PartitionLeader.AppendReply> replyTo) {}

  private final PriorityQueue<Waiting> waiting =
      new PriorityQueue<>(Comparator.comparingLong(append -> append.reply().lastOffset()));

  /** {@code reply} is sent to {@code replyTo} once the high watermark passes its last offset. */
  void add(PartitionLeader.AppendReply reply, long deadlineNanos, ActorRef<PartitionLeader.AppendReply> replyTo) {
    waiting.add(new Waiting(reply, deadlineNanos, replyTo));
  }

  /**
   * Answers each append below {@code highWatermark}: with its reply, or, if {@code refusal} is
   * not null, with the failure it gives for that reply (written, but not acknowledged).
   */
  void answerCommitted(long highWatermark, Function<PartitionLeader.AppendReply, Failure> refusal) {
    while (!waiting.isEmpty() && waiting.peek().reply().lastOffset() < highWatermark) {
      Waiting done = waiting.poll();
      done.replyTo().tell(refusal == null ? done.reply() : LeaderRefusals.appendFailed(refusal.apply(done.reply())));
    }
  }

  /** Answers each append whose deadline is before {@code nowNanos} with {@code failure}. */
  void expire(long nowNanos, Failure failure) {
    waiting.removeIf(append -> {
      if (append.deadlineNanos() - nowNanos >= 0) {
        return false;
      }
      append.replyTo().tell(LeaderRefusals.appendFailed(failure));
      return true;
    });
  }

  /** Answers every waiting append with {@code failure}. */
  void failAll(Failure failure) {
    waiting.forEach(append -> append.replyTo().tell(LeaderRefusals.appendFailed(failure)));
    waiting.clear();
  }
}
