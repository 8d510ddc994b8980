package io.skein.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import akka.actor.Dropped;
import akka.actor.UnhandledMessage;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.ShardingEnvelope;
import io.skein.common.ErrorCode;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UndeliveredRequestsTest {

  private static final ActorTestKit TESTKIT = ActorTestKit.create();
  private static final Duration WITHIN = Duration.ofSeconds(10);

  @BeforeAll
  static void start() {
    TESTKIT.spawn(UndeliveredRequests.create(), "undelivered-requests");
  }

  @AfterAll
  static void shutdown() {
    TESTKIT.shutdownTestKit();
  }

  @Test
  void aRequestToAStoppedLeaderIsAnsweredNotLeader() {
    ActorRef<PartitionLeader.Command> stopped = TESTKIT.spawn(Behaviors.stopped());
    TestProbe<PartitionLeader.AppendReply> replies = TESTKIT.createTestProbe();

    PartitionLeader.AppendReply reply = firstAnswer(replies,
        () -> stopped.tell(new PartitionLeader.Append(ByteBuffer.allocate(1), -1, replies.getRef())));

    assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, reply.failure().code());
    assertEquals(-1, reply.baseOffset(), "nothing was written");
  }

  @Test
  void requestsShardingDroppedDuringAHandOffAreAnswered() {
    TestProbe<PartitionLeader.ReadReply> replies = TESTKIT.createTestProbe();
    PartitionLeader.Command read = new PartitionLeader.Read(42, 1024, Duration.ofSeconds(1), replies.getRef());
    akka.actor.ActorRef nobody = Adapter.toClassic(TESTKIT.system().deadLetters());

    PartitionLeader.ReadReply reply = firstAnswer(replies, () -> publish(new Dropped(
        new ShardingEnvelope<>("orders-3@1", read), "Avoiding reordering of buffered messages at shard handoff",
        nobody, nobody)));

    assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, reply.failure().code());
    assertTrue(reply.failure().message().contains("orders-3"), reply.failure().message());
  }

  @Test
  void requestsAStoppingShardLeftUnhandledAreAnswered() {
    TestProbe<PartitionLeader.OffsetReply> replies = TESTKIT.createTestProbe();
    PartitionLeader.Command list = new PartitionLeader.ListOffsets(PartitionLeader.ListOffsets.LATEST, replies.getRef());
    akka.actor.ActorRef nobody = Adapter.toClassic(TESTKIT.system().deadLetters());

    PartitionLeader.OffsetReply reply = firstAnswer(replies,
        () -> publish(new UnhandledMessage(new ShardingEnvelope<>("orders-0@2", list), nobody, nobody)));

    assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, reply.failure().code());
  }

  @Test
  void otherDeadLettersAreLeftAlone() {
    ActorRef<Object> stopped = TESTKIT.spawn(Behaviors.stopped());
    TestProbe<PartitionLeader.AppendReply> replies = TESTKIT.createTestProbe();
    // An answer that found its asker gone is no request: nothing answers it, and nothing breaks.
    stopped.tell(new PartitionLeader.AppendReply(0, 0, 0, 0, null));
    ActorRef<PartitionLeader.Command> stoppedLeader = TESTKIT.spawn(Behaviors.stopped());
    PartitionLeader.AppendReply reply = firstAnswer(replies,
        () -> stoppedLeader.tell(new PartitionLeader.Append(ByteBuffer.allocate(1), -1, replies.getRef())));
    assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, reply.failure().code(), "still answering");
  }

  private static void publish(Object event) {
    TESTKIT.system().eventStream().tell(new EventStream.Publish<>(event));
  }

  /**
   * The answering actor subscribes to the event stream asynchronously: sends until the first
   * answer comes, then drains answers to earlier sends.
   */
  private static <T> T firstAnswer(TestProbe<T> replies, Runnable send) {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      send.run();
      try {
        T answer = replies.receiveMessage(Duration.ofMillis(200));
        drain(replies);
        return answer;
      } catch (AssertionError notYet) {
        // not subscribed yet: send again
      }
    }
    return fail("no answer within " + WITHIN);
  }

  private static <T> void drain(TestProbe<T> replies) {
    try {
      while (true) {
        replies.receiveMessage(Duration.ofMillis(50));
      }
    } catch (AssertionError empty) {
      // drained
    }
  }
}
