package io.skein.group;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.metadata.PartitionKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One member's session stream on this broker: the actor the group coordinator talks to.
 * The gRPC layer turns each client message into a command here and gives an {@link
 * Outbox} that writes to the stream; everything that touches the stream happens on this
 * actor, one message at a time.
 *
 * <p>Flow control: pushes wait in a queue while the transport is not ready and are
 * written when it is; past {@code maxQueued} waiting messages the client is not reading
 * its stream, so the session ends (the member leaves) instead of buffering without bound.
 * Client messages are requested one at a time, after the previous one was handled.
 */
public final class GroupSession extends AbstractBehavior<GroupSession.Command> {

  /** Where a session writes; implemented by the gRPC layer. Called on the actor only. */
  public interface Outbox {
    boolean isReady();

    void send(GroupCoordinator.ToMember message);

    /** Ends the stream normally. */
    void complete();

    /** Ends the stream with an error status. */
    void fail(Failure failure);

    /** Lets the transport deliver the next client message. */
    void requestNext();
  }

  /** What the client may do in the session, decided by the request layer (its ACLs). */
  public interface SessionAccess {
    /** Why a join of the group with these topics is refused, or null if it may go ahead. */
    Failure joinRefusal(String groupId, List<String> topics);

    /** Why a commit of an offset of the topic is refused, or null if it may go ahead. */
    Failure commitRefusal(String topic);
  }

  // ---- protocol (local: from the gRPC layer) ---------------------------------------------

  public sealed interface Command {}

  public record JoinRequest(
      long correlationId, String groupId, String memberId, String clientId, List<String> topics, String pattern,
      int sessionTimeoutMs, int rebalanceTimeoutMs, String assignor) implements Command {}

  public record HeartbeatRequest(long correlationId, String memberId, int generation) implements Command {}

  public record AckRequest(long correlationId, String memberId, int generation, List<PartitionKey> partitions)
      implements Command {}

  public record CommitRequest(long correlationId, String memberId, int generation,
      List<GroupCoordinator.OffsetToCommit> offsets) implements Command {}

  public record LeaveRequest(long correlationId, String memberId) implements Command {}

  /** A client message the gRPC layer could not translate. */
  public record BadRequest(long correlationId, Failure failure) implements Command {}

  /** The client half-closed, cancelled or broke the stream. */
  public record ClientGone() implements Command {}

  /** The transport can take more messages. */
  public record Ready() implements Command {}

  private record FromCoordinator(GroupCoordinator.ToMember message) implements Command {}

  // ---- setup ----------------------------------------------------------------------------

  /**
   * @param coordinatorOf the coordinator of a group id
   * @param access asked before each join and commit is sent to the coordinator
   * @param host the client's address, shown by DescribeGroup
   */
  public static Behavior<Command> create(Function<String, EntityRef<GroupCoordinator.Command>> coordinatorOf,
      SessionAccess access, String host, Outbox outbox, int maxQueued) {
    return Behaviors.setup(context -> new GroupSession(context, coordinatorOf, access, host, outbox, maxQueued));
  }

  private final Function<String, EntityRef<GroupCoordinator.Command>> coordinatorOf;
  private final SessionAccess access;
  private final String host;
  private final Outbox outbox;
  private final int maxQueued;
  private final ActorRef<GroupCoordinator.ToMember> self;
  private final ArrayDeque<GroupCoordinator.ToMember> queue = new ArrayDeque<>();
  /** Partitions refused from commits sent on, by correlation id: added to the coordinator's answer. */
  private final Map<Long, List<GroupCoordinator.PartitionResult>> refusedCommits = new HashMap<>();

  private EntityRef<GroupCoordinator.Command> coordinator;
  private String memberId;
  private String groupId;
  private boolean ended;

  private GroupSession(
      ActorContext<Command> context,
      Function<String, EntityRef<GroupCoordinator.Command>> coordinatorOf,
      SessionAccess access,
      String host,
      Outbox outbox,
      int maxQueued) {
    super(context);
    this.coordinatorOf = coordinatorOf;
    this.access = access;
    this.host = host;
    this.outbox = outbox;
    this.maxQueued = maxQueued;
    this.self = context.messageAdapter(GroupCoordinator.ToMember.class, FromCoordinator::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(JoinRequest.class, this::onJoin)
        .onMessage(HeartbeatRequest.class, this::onHeartbeat)
        .onMessage(AckRequest.class, this::onAck)
        .onMessage(CommitRequest.class, this::onCommit)
        .onMessage(LeaveRequest.class, this::onLeave)
        .onMessage(BadRequest.class, this::onBadRequest)
        .onMessage(ClientGone.class, this::onClientGone)
        .onMessage(Ready.class, ready -> drain())
        .onMessage(FromCoordinator.class, this::onFromCoordinator)
        .build();
  }

  // ---- from the client ------------------------------------------------------------------

  private Behavior<Command> onJoin(JoinRequest join) {
    if (coordinator != null) {
      return reject(join.correlationId(), ErrorCode.INVALID_REQUEST, "this stream has already joined group " + groupId);
    }
    var problem = GroupIds.problem(join.groupId());
    if (problem.isPresent()) {
      return reject(join.correlationId(), ErrorCode.INVALID_GROUP_ID, problem.get());
    }
    Failure refused = access.joinRefusal(join.groupId(), join.topics());
    if (refused != null) {
      enqueue(new GroupCoordinator.Rejected(join.correlationId(), refused));
      return next();
    }
    groupId = join.groupId();
    coordinator = coordinatorOf.apply(groupId);
    coordinator.tell(new GroupCoordinator.Join(join.correlationId(), join.memberId(), join.clientId(), host,
        join.topics(), join.pattern(), join.sessionTimeoutMs(), join.rebalanceTimeoutMs(), join.assignor(), self));
    return next();
  }

  private Behavior<Command> onHeartbeat(HeartbeatRequest heartbeat) {
    if (notJoined(heartbeat.correlationId(), heartbeat.memberId())) {
      return next();
    }
    coordinator.tell(new GroupCoordinator.Heartbeat(heartbeat.correlationId(), memberId, heartbeat.generation(), self));
    return next();
  }

  private Behavior<Command> onAck(AckRequest ack) {
    if (notJoined(ack.correlationId(), ack.memberId())) {
      return next();
    }
    coordinator.tell(new GroupCoordinator.AckRevocation(ack.correlationId(), memberId, ack.generation(),
        ack.partitions(), self));
    return next();
  }

  private Behavior<Command> onCommit(CommitRequest commit) {
    if (notJoined(commit.correlationId(), commit.memberId())) {
      return next();
    }
    List<GroupCoordinator.OffsetToCommit> allowed = new ArrayList<>(commit.offsets().size());
    List<GroupCoordinator.PartitionResult> refused = new ArrayList<>();
    for (GroupCoordinator.OffsetToCommit offset : commit.offsets()) {
      Failure refusal = access.commitRefusal(offset.topic());
      if (refusal == null) {
        allowed.add(offset);
      } else {
        refused.add(new GroupCoordinator.PartitionResult(offset.topic(), offset.partition(), refusal));
      }
    }
    if (!refused.isEmpty()) {
      if (allowed.isEmpty()) {
        enqueue(new GroupCoordinator.CommitReply(commit.correlationId(), refused, null));
        return next();
      }
      refusedCommits.put(commit.correlationId(), refused); // answered with the coordinator's results
    }
    coordinator.tell(new GroupCoordinator.Commit(commit.correlationId(), memberId, commit.generation(),
        allowed, self, self.narrow()));
    return next();
  }

  private Behavior<Command> onLeave(LeaveRequest leave) {
    if (notJoined(leave.correlationId(), leave.memberId())) {
      return next();
    }
    coordinator.tell(new GroupCoordinator.Leave(leave.correlationId(), memberId, self));
    return next();
  }

  private Behavior<Command> onBadRequest(BadRequest bad) {
    enqueue(new GroupCoordinator.Rejected(bad.correlationId(), bad.failure()));
    return next();
  }

  private Behavior<Command> onClientGone(ClientGone gone) {
    if (coordinator != null && memberId != null) {
      coordinator.tell(new GroupCoordinator.SessionClosed(memberId, self));
    }
    outbox.complete();
    return Behaviors.stopped();
  }

  // ---- from the coordinator -------------------------------------------------------------

  private Behavior<Command> onFromCoordinator(FromCoordinator from) {
    GroupCoordinator.ToMember message = from.message();
    if (message instanceof GroupCoordinator.Joined joined) {
      memberId = joined.memberId();
    }
    if (message instanceof GroupCoordinator.Rejected rejected && rejected.correlationId() == 0) {
      // Out of the group (timed out or fenced): say why, then end the stream.
      queue.add(message);
      drainAll();
      outbox.complete();
      return Behaviors.stopped();
    }
    if (message instanceof GroupCoordinator.CommitReply reply && refusedCommits.containsKey(reply.correlationId())) {
      message = withRefused(reply, refusedCommits.remove(reply.correlationId()));
    }
    if (message instanceof GroupCoordinator.Acked acked && acked.generation() == -1) {
      memberId = null; // left; the stream stays until the client closes it
    }
    return enqueue(message);
  }

  // ---- helpers --------------------------------------------------------------------------

  private static GroupCoordinator.CommitReply withRefused(GroupCoordinator.CommitReply reply,
      List<GroupCoordinator.PartitionResult> refused) {
    if (reply.failure() != null) {
      return reply;
    }
    List<GroupCoordinator.PartitionResult> results = new ArrayList<>(reply.results());
    results.addAll(refused);
    return new GroupCoordinator.CommitReply(reply.correlationId(), results, null);
  }

  private boolean notJoined(long correlationId, String claimedMemberId) {
    if (coordinator == null || memberId == null) {
      enqueue(new GroupCoordinator.Rejected(correlationId, Failure.of(ErrorCode.UNKNOWN_MEMBER_ID,
          "this stream has no member yet: send join first and wait for joined")));
      return true;
    }
    if (!claimedMemberId.isEmpty() && !claimedMemberId.equals(memberId)) {
      enqueue(new GroupCoordinator.Rejected(correlationId, Failure.of(ErrorCode.INVALID_REQUEST,
          "member id '" + claimedMemberId + "' is not this stream's member '" + memberId + "'")));
      return true;
    }
    return false;
  }

  private Behavior<Command> reject(long correlationId, ErrorCode code, String message) {
    enqueue(new GroupCoordinator.Rejected(correlationId, Failure.of(code, message)));
    return next();
  }

  private Behavior<Command> next() {
    if (ended) {
      return Behaviors.stopped();
    }
    outbox.requestNext();
    return this;
  }

  private Behavior<Command> enqueue(GroupCoordinator.ToMember message) {
    queue.add(message);
    return drain();
  }

  private Behavior<Command> drain() {
    while (!queue.isEmpty() && outbox.isReady()) {
      outbox.send(queue.poll());
    }
    if (queue.size() > maxQueued) {
      getContext().getLog().info("Group {}: member {} does not read its stream; ending its session", groupId, memberId);
      if (coordinator != null && memberId != null) {
        coordinator.tell(new GroupCoordinator.SessionClosed(memberId, self));
      }
      outbox.fail(Failure.of(ErrorCode.REQUEST_TIMED_OUT,
          "more than " + maxQueued + " group messages wait for the client to read them"));
      ended = true;
      return Behaviors.stopped();
    }
    return this;
  }

  /** Before ending the stream: what is queued goes out regardless of readiness (a few small messages). */
  private void drainAll() {
    while (!queue.isEmpty()) {
      outbox.send(queue.poll());
    }
  }
}
