package io.skein.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.cluster.sharding.typed.testkit.javadsl.TestEntityRef;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A member's session stream: flow control towards a client that reads slowly or not at all. */
class GroupSessionTest {

  static final ActorTestKit testKit = ActorTestKit.create();
  static final int MAX_QUEUED = 3;
  static final String REFUSED_GROUP = "payroll";
  static final String REFUSED_TOPIC = "salaries";

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** What the session did to its stream. */
  record Sent(GroupCoordinator.ToMember message) {}

  record Failed(Failure failure) {}

  record Completed() {}

  /** A stream whose transport readiness the test sets; every write is reported to {@code events}. */
  static final class FakeOutbox implements GroupSession.Outbox {
    final ActorRef<Object> events;
    volatile boolean ready;

    FakeOutbox(ActorRef<Object> events) {
      this.events = events;
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void send(GroupCoordinator.ToMember message) {
      events.tell(new Sent(message));
    }

    @Override
    public void complete() {
      events.tell(new Completed());
    }

    @Override
    public void fail(Failure failure) {
      events.tell(new Failed(failure));
    }

    @Override
    public void requestNext() {}
  }

  private final TestProbe<GroupCoordinator.Command> coordinator = testKit.createTestProbe();
  private final TestProbe<Object> stream = testKit.createTestProbe();
  private final FakeOutbox outbox = new FakeOutbox(stream.ref());
  private final ActorRef<GroupSession.Command> session = testKit.spawn(GroupSession.create(
      groupId -> TestEntityRef.of(GroupCoordinator.TYPE_KEY, groupId, coordinator.ref()),
      new GroupSession.SessionAccess() {
        @Override
        public Failure joinRefusal(String groupId, List<String> topics) {
          return groupId.equals(REFUSED_GROUP)
              ? Failure.of(ErrorCode.GROUP_AUTHORIZATION_FAILED, "not this group") : null;
        }

        @Override
        public Failure commitRefusal(String topic) {
          return topic.equals(REFUSED_TOPIC)
              ? Failure.of(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "not this topic") : null;
        }
      },
      "client-host", outbox, MAX_QUEUED));

  /** Joins as member {@code m-1} and returns the ref the coordinator answers the session on. */
  private ActorRef<GroupCoordinator.ToMember> join() {
    session.tell(new GroupSession.JoinRequest(1, "billing", "", "client", List.of("orders"), "", 10_000, 0, ""));
    GroupCoordinator.Join join = coordinator.expectMessageClass(GroupCoordinator.Join.class);
    join.session().tell(new GroupCoordinator.Joined(1, "m-1", 1, "range", 10_000));
    return join.session();
  }

  @Test
  void pushesWaitWhileTheTransportIsBusyAndGoOutInOrderWhenItIsReady() {
    ActorRef<GroupCoordinator.ToMember> toMember = join();
    GroupCoordinator.Revoked revoked = new GroupCoordinator.Revoked(2, List.of());
    toMember.tell(revoked);
    stream.expectNoMessage();

    outbox.ready = true;
    session.tell(new GroupSession.Ready());
    assertEquals(new Sent(new GroupCoordinator.Joined(1, "m-1", 1, "range", 10_000)), stream.receiveMessage());
    assertEquals(new Sent(revoked), stream.receiveMessage());

    GroupCoordinator.Acked acked = new GroupCoordinator.Acked(2, 2);
    toMember.tell(acked);
    assertEquals(new Sent(acked), stream.receiveMessage());
    coordinator.expectNoMessage();
  }

  @Test
  void aMemberThatDoesNotReadItsStreamLosesItsSessionInsteadOfMakingTheBrokerBuffer() {
    ActorRef<GroupCoordinator.ToMember> toMember = join();
    for (int generation = 2; generation <= MAX_QUEUED + 1; generation++) {
      toMember.tell(new GroupCoordinator.Revoked(generation, List.of()));
    }

    Failed failed = stream.expectMessageClass(Failed.class);
    assertEquals(ErrorCode.REQUEST_TIMED_OUT, failed.failure().code());
    GroupCoordinator.SessionClosed closed = coordinator.expectMessageClass(GroupCoordinator.SessionClosed.class);
    assertEquals("m-1", closed.memberId());
    assertEquals(toMember, closed.session());
    stream.expectTerminated(session);
  }

  @Test
  void aRefusedJoinIsAnsweredWithTheRefusalAndNeverReachesTheCoordinator() {
    outbox.ready = true;
    session.tell(new GroupSession.JoinRequest(7, REFUSED_GROUP, "", "client", List.of("orders"), "", 10_000, 0, ""));
    Sent sent = stream.expectMessageClass(Sent.class);
    GroupCoordinator.Rejected rejected = (GroupCoordinator.Rejected) sent.message();
    assertEquals(7, rejected.correlationId());
    assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, rejected.failure().code());
    coordinator.expectNoMessage();
  }

  @Test
  void aCommitInTheSessionSendsOnlyPermittedTopicsAndAnswersTheRestAsRefused() {
    ActorRef<GroupCoordinator.ToMember> toMember = join();
    outbox.ready = true;
    session.tell(new GroupSession.Ready());
    stream.expectMessageClass(Sent.class); // joined
    session.tell(new GroupSession.CommitRequest(8, "m-1", 1, List.of(
        new GroupCoordinator.OffsetToCommit("orders", 0, 5, ""),
        new GroupCoordinator.OffsetToCommit(REFUSED_TOPIC, 0, 5, ""))));
    GroupCoordinator.Commit commit = coordinator.expectMessageClass(GroupCoordinator.Commit.class);
    assertEquals(List.of(new GroupCoordinator.OffsetToCommit("orders", 0, 5, "")), commit.offsets());
    toMember.tell(new GroupCoordinator.CommitReply(8, List.of(new GroupCoordinator.PartitionResult("orders", 0, null)),
        null));
    GroupCoordinator.CommitReply reply = (GroupCoordinator.CommitReply) stream.expectMessageClass(Sent.class).message();
    assertEquals(List.of(new GroupCoordinator.PartitionResult("orders", 0, null),
        new GroupCoordinator.PartitionResult(REFUSED_TOPIC, 0,
            Failure.of(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "not this topic"))), reply.results());

    session.tell(new GroupSession.CommitRequest(9, "m-1", 1,
        List.of(new GroupCoordinator.OffsetToCommit(REFUSED_TOPIC, 1, 5, ""))));
    GroupCoordinator.CommitReply refusedOnly =
        (GroupCoordinator.CommitReply) stream.expectMessageClass(Sent.class).message();
    assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, refusedOnly.results().get(0).failure().code());
    coordinator.expectNoMessage();
  }
}
