package io.skein.group;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import io.skein.cluster.Controller;
import io.skein.common.AkkaFutures;
import io.skein.common.CborSerializable;
import io.skein.common.ErrorCode;
import io.skein.common.JournalBackoff;
import io.skein.common.Failure;
import io.skein.group.assign.Assignors;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.Topic;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The coordinator of one consumer group: members, generations, the cooperative rebalance
 * and committed offsets.
 *
 * <p><b>Why a sharded entity and not a singleton.</b> Every group is independent, and its
 * coordinator is busy (heartbeats, commits of every member). One entity per group id under
 * Cluster Sharding spreads the groups over the nodes, a node's failure moves only its
 * groups, and the cluster singleton (the Controller) stays out of the consumer hot path.
 * Sharding still guarantees one coordinator per group at a time, which is what fencing
 * needs. It is event sourced (persistence id {@code group|<id>}), so it moves to another
 * node, or comes back after a restart or {@code kill -9}, with its state.
 *
 * <p><b>What is persisted.</b> Every membership and assignment change (a {@link
 * GroupMembership}: generation, members, owned/revoking/target partitions), committed
 * offsets, offset removals and the deletion; snapshots every 100 events. The generation
 * therefore never goes backwards. Member ids from before a move or restart stay valid:
 * after recovery every member gets a fresh session timeout, and a member that heartbeats
 * or re-joins with its id within it keeps its partitions (its session actor is adopted);
 * the others expire and their partitions are reassigned.
 *
 * <p><b>Kafka's classic protocol.</b> Kafka consumers (client-side assignment) are members
 * of a {@link ClassicGroup}, the state machine this actor drives; its snapshot (generation,
 * members, protocol, assignment) is persisted as Kafka keeps it. A group has members of one
 * protocol at a time; committed offsets are the same for all.
 *
 * <p><b>Kafka's consumer protocol (KIP-848).</b> Kafka consumers with {@code
 * group.protocol=consumer} (server-side assignment, ConsumerGroupHeartbeat) are members of a
 * {@link ConsumerGroup}, driven and persisted the same way.
 *
 * <p><b>Not persisted.</b> Session actor refs, last-heard times and topic metadata: they
 * are rebuilt from heartbeats and from the Controller.
 */
public final class GroupCoordinator
    extends EventSourcedBehavior<GroupCoordinator.Command, GroupCoordinator.Event, GroupCoordinator.State> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "group");

  // ---- protocol -------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Join (or re-attach a session to) the group. An empty memberId asks for a new member. */
  public record Join(
      long correlationId,
      String memberId,
      String clientId,
      String host,
      List<String> topics,
      String pattern,
      int sessionTimeoutMs,
      int rebalanceTimeoutMs,
      String assignor,
      ActorRef<ToMember> session)
      implements Command {}

  public record Heartbeat(long correlationId, String memberId, int generation, ActorRef<ToMember> session)
      implements Command {}

  public record AckRevocation(
      long correlationId, String memberId, int generation, List<PartitionKey> partitions, ActorRef<ToMember> session)
      implements Command {}

  public record Leave(long correlationId, String memberId, ActorRef<ToMember> session) implements Command {}

  /** The member's stream ended: it leaves, unless another session took the member over. */
  public record SessionClosed(String memberId, ActorRef<ToMember> session) implements Command {}

  /** Commit; {@code session} is set for commits on a session stream (it must be current). */
  public record Commit(
      long correlationId,
      String memberId,
      int generation,
      List<OffsetToCommit> offsets,
      ActorRef<ToMember> session,
      ActorRef<CommitReply> replyTo)
      implements Command {}

  public record OffsetToCommit(String topic, int partition, long offset, String metadata) implements CborSerializable {}

  /** Committed offsets; empty partitions means all. An empty memberId skips fencing. */
  public record FetchOffsets(
      String memberId, int generation, List<PartitionKey> partitions, ActorRef<OffsetsReply> replyTo)
      implements Command {}

  public record Describe(ActorRef<Description> replyTo) implements Command {}

  /** Replace committed offsets; only for a group without members. */
  public record ResetOffsets(List<OffsetToCommit> offsets, ActorRef<Done> replyTo) implements Command {}

  public record DeleteGroup(ActorRef<Done> replyTo) implements Command {}

  /** A Kafka JoinGroup (classic protocol, see {@link ClassicGroup}); an empty memberId asks for one. */
  public record ClassicJoin(
      String memberId,
      String groupInstanceId,
      String clientId,
      String host,
      int sessionTimeoutMs,
      int rebalanceTimeoutMs,
      String protocolType,
      List<ClassicGroup.Protocol> protocols,
      boolean requireKnownMemberId,
      ActorRef<ClassicJoined> replyTo)
      implements Command {}

  /** A Kafka SyncGroup; only the leader's {@code assignments} are used. Null protocol fields are not checked. */
  public record ClassicSync(
      String memberId,
      String groupInstanceId,
      int generation,
      String protocolType,
      String protocolName,
      Map<String, byte[]> assignments,
      ActorRef<ClassicSynced> replyTo)
      implements Command {}

  public record ClassicHeartbeat(String memberId, String groupInstanceId, int generation, ActorRef<Done> replyTo)
      implements Command {}

  /** Members leaving, each by member id, group instance id (static members) or both. */
  public record ClassicLeave(List<LeavingMember> members, ActorRef<ClassicLeft> replyTo) implements Command {}

  public record LeavingMember(String memberId, String groupInstanceId) implements CborSerializable {}

  /** Removes committed offsets, except those of topics the members subscribe to. */
  public record DeleteOffsets(List<PartitionKey> partitions, ActorRef<OffsetsDeleted> replyTo) implements Command {}

  /** A Kafka ConsumerGroupHeartbeat (KIP-848, see {@link ConsumerGroup}). */
  public record ConsumerHeartbeat(ConsumerGroup.Heartbeat heartbeat, ActorRef<ConsumerGroup.Answer> replyTo)
      implements Command {}

  /** Starts the entity (sent by the registry on start-up, so timers such as expiry run). */
  public record Wake() implements Command {}

  private record TopicsLoaded(Controller.Topics topics, Throwable failure) implements Command {}

  private enum Tick implements Command { CHECK, REFRESH }

  // ---- to members -----------------------------------------------------------------------

  /** What a coordinator sends to a member's session. */
  public sealed interface ToMember extends CborSerializable {}

  public record Joined(long correlationId, String memberId, int generation, String assignor, int sessionTimeoutMs)
      implements ToMember {}

  public record Assigned(int generation, List<PartitionKey> partitions, List<PartitionKey> added, boolean pending)
      implements ToMember {}

  public record Revoked(int generation, List<PartitionKey> partitions) implements ToMember {}

  public record Acked(long correlationId, int generation) implements ToMember {}

  /** A request failed; with correlationId 0 the member is out of the group. */
  public record Rejected(long correlationId, Failure failure) implements ToMember {}

  public record CommitReply(long correlationId, List<PartitionResult> results, Failure failure) implements ToMember {}

  public record PartitionResult(String topic, int partition, Failure failure) implements CborSerializable {}

  public record OffsetsReply(List<CommittedOffset> offsets, Failure failure) implements CborSerializable {}

  public record Done(Failure failure) implements CborSerializable {}

  /** A JoinGroup's answer; {@code memberIdRequired}: rejoin with {@code memberId} (KIP-394). */
  public record ClassicJoined(
      Failure failure,
      boolean memberIdRequired,
      String memberId,
      int generation,
      String protocolType,
      String protocolName,
      String leaderId,
      List<ClassicGroup.JoinedMember> members)
      implements CborSerializable {}

  public record ClassicSynced(Failure failure, String protocolType, String protocolName, byte[] assignment)
      implements CborSerializable {}

  /** One outcome per member of the ClassicLeave, in its order. */
  public record ClassicLeft(List<Done> outcomes) implements CborSerializable {}

  public record OffsetsDeleted(List<PartitionResult> results, Failure failure) implements CborSerializable {}

  /**
   * A snapshot of the group for DescribeGroup and ListGroups; failure if it does not exist.
   * {@code classic} is set unless Skein sessions or KIP-848 consumers are its members; then
   * members and owned show the classic members, with consumers' subscriptions and assignments
   * decoded. {@code consumer} is set for a group of KIP-848 consumers, whose members and
   * assignments members and owned show too.
   */
  public record Description(
      String groupId,
      String state,
      String assignor,
      int generation,
      List<GroupMembership.Member> members,
      Map<String, Set<PartitionKey>> owned,
      Map<String, Set<PartitionKey>> revoking,
      List<CommittedOffset> offsets,
      ClassicGroup.Description classic,
      ConsumerGroup.Description consumer,
      Failure failure)
      implements CborSerializable {}

  // ---- events and state -----------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  public record MembershipChanged(GroupMembership membership) implements Event {}

  public record OffsetsCommitted(List<CommittedOffset> offsets) implements Event {}

  public record OffsetsRemoved(List<PartitionKey> partitions) implements Event {}

  public record GroupDeleted(long timestamp) implements Event {}

  public record ClassicGroupChanged(ClassicGroup.Snapshot snapshot) implements Event {}

  public record ConsumerGroupChanged(ConsumerGroup.Snapshot snapshot) implements Event {}

  public record CommittedOffset(
      String topic, int partition, long offset, String metadata, long commitTimestamp, String topicId)
      implements CborSerializable {}

  /** {@code exists} is false before the first join or commit and after deletion. */
  public record State(
      boolean exists,
      GroupMembership membership,
      Map<String, Map<Integer, CommittedOffset>> offsets,
      ClassicGroup.Snapshot classic,
      ConsumerGroup.Snapshot consumer)
      implements CborSerializable {

    public State {
      Map<String, Map<Integer, CommittedOffset>> copy = new TreeMap<>();
      offsets.forEach((t, byPartition) -> copy.put(t, Map.copyOf(byPartition)));
      offsets = java.util.Collections.unmodifiableMap(copy);
    }

    State withMembership(GroupMembership m) {
      return new State(true, m, offsets, classic, consumer);
    }

    State withOffsets(List<CommittedOffset> committed) {
      Map<String, Map<Integer, CommittedOffset>> next = new TreeMap<>();
      offsets.forEach((t, byPartition) -> next.put(t, new TreeMap<>(byPartition)));
      for (CommittedOffset c : committed) {
        next.computeIfAbsent(c.topic(), t -> new TreeMap<>()).put(c.partition(), c);
      }
      return new State(true, membership, next, classic, consumer);
    }

    State withoutOffsets(List<PartitionKey> removed) {
      Map<String, Map<Integer, CommittedOffset>> next = new TreeMap<>();
      offsets.forEach((t, byPartition) -> next.put(t, new TreeMap<>(byPartition)));
      for (PartitionKey p : removed) {
        Map<Integer, CommittedOffset> byPartition = next.get(p.topic());
        if (byPartition != null) {
          byPartition.remove(p.partition());
          if (byPartition.isEmpty()) {
            next.remove(p.topic());
          }
        }
      }
      return new State(exists, membership, next, classic, consumer);
    }

    List<CommittedOffset> allOffsets() {
      List<CommittedOffset> all = new ArrayList<>();
      offsets.values().forEach(byPartition -> all.addAll(new TreeMap<>(byPartition).values()));
      return all;
    }

    State withClassic(ClassicGroup.Snapshot snapshot) {
      return new State(true, membership, offsets, snapshot, consumer);
    }

    State withConsumer(ConsumerGroup.Snapshot snapshot) {
      return new State(true, membership, offsets, classic, snapshot);
    }

    CommittedOffset offset(PartitionKey p) {
      return offsets.getOrDefault(p.topic(), Map.of()).get(p.partition());
    }
  }

  // ---- setup ----------------------------------------------------------------------------

  public static void initSharding(ActorSystem<?> system, GroupSettings settings, ActorRef<Controller.Command> controller) {
    ActorRef<GroupRegistry.Command> registry = GroupRegistry.initSingleton(system);
    ClusterSharding.get(system).init(
        Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, controller, registry,
                self -> ctx.getShard().tell(new akka.cluster.sharding.typed.javadsl.ClusterSharding.Passivate<>(self))))
            // A coordinator holds session timers and expiry deadlines: it lives while its
            // group exists and passivates itself when the group is gone.
            .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  /** A reference to the coordinator of a group, wherever it runs. */
  public static akka.cluster.sharding.typed.javadsl.EntityRef<Command> of(ActorSystem<?> system, String groupId) {
    return ClusterSharding.get(system).entityRefFor(TYPE_KEY, groupId);
  }

  public static PersistenceId persistenceId(String groupId) {
    return PersistenceId.of(TYPE_KEY.name(), groupId, "|");
  }

  /** @param passivate asks the shard to stop this entity (or just stops it outside sharding) */
  public static Behavior<Command> create(
      String groupId,
      GroupSettings settings,
      ActorRef<Controller.Command> controller,
      ActorRef<GroupRegistry.Command> registry,
      java.util.function.Consumer<ActorRef<Command>> passivate) {
    return Behaviors.withTimers(timers -> Behaviors.setup(context ->
        new GroupCoordinator(groupId, settings, controller, registry, passivate, context, timers)));
  }

  private final String groupId;
  private final GroupSettings settings;
  private final ActorRef<Controller.Command> controller;
  private final ActorRef<GroupRegistry.Command> registry;
  private final java.util.function.Consumer<ActorRef<Command>> passivate;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;

  // transient: rebuilt after a move or restart
  private final Map<String, ActorRef<ToMember>> sessions = new HashMap<>();
  private final Map<String, Long> lastHeard = new HashMap<>();
  private final Map<String, Long> revokingSince = new HashMap<>();
  private Map<String, Topic> topics;
  private boolean registered;
  private ClassicGroup classic;
  private ConsumerGroup consumer;

  private GroupCoordinator(
      String groupId,
      GroupSettings settings,
      ActorRef<Controller.Command> controller,
      ActorRef<GroupRegistry.Command> registry,
      java.util.function.Consumer<ActorRef<Command>> passivate,
      ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    super(persistenceId(groupId), JournalBackoff.strategy());
    this.groupId = groupId;
    this.settings = settings;
    this.controller = controller;
    this.registry = registry;
    this.passivate = passivate;
    this.context = context;
    this.timers = timers;
    this.classic = ClassicGroup.restore(groupId, ClassicGroup.Snapshot.empty(0), 0);
    this.consumer = ConsumerGroup.restore(groupId, settings, ConsumerGroup.Snapshot.empty(0), 0);
  }

  @Override
  public State emptyState() {
    return new State(false, GroupMembership.empty(0), Map.of(), ClassicGroup.Snapshot.empty(0),
        ConsumerGroup.Snapshot.empty(0));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::onRecovered).build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(MembershipChanged.class, (state, e) -> state.withMembership(e.membership()))
        .onEvent(OffsetsCommitted.class, (state, e) -> state.withOffsets(e.offsets()))
        .onEvent(OffsetsRemoved.class, (state, e) -> state.withoutOffsets(e.partitions()))
        .onEvent(GroupDeleted.class, (state, e) -> new State(false,
            GroupMembership.empty(state.membership().generation() + 1), Map.of(),
            ClassicGroup.Snapshot.empty(state.classic().generation() + 1),
            ConsumerGroup.Snapshot.empty(state.consumer().groupEpoch() + 1)))
        .onEvent(ClassicGroupChanged.class, (state, e) -> state.withClassic(e.snapshot()))
        .onEvent(ConsumerGroupChanged.class, (state, e) -> state.withConsumer(e.snapshot()))
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Join.class, this::onJoin)
        .onCommand(Heartbeat.class, this::onHeartbeat)
        .onCommand(AckRevocation.class, this::onAckRevocation)
        .onCommand(Leave.class, this::onLeave)
        .onCommand(SessionClosed.class, this::onSessionClosed)
        .onCommand(Commit.class, this::onCommit)
        .onCommand(FetchOffsets.class, this::onFetchOffsets)
        .onCommand(Describe.class, this::onDescribe)
        .onCommand(ResetOffsets.class, this::onResetOffsets)
        .onCommand(DeleteGroup.class, this::onDeleteGroup)
        .onCommand(ClassicJoin.class, this::onClassicJoin)
        .onCommand(ClassicSync.class, (state, sync) -> classicStep(state, () -> classic.sync(sync, now())))
        .onCommand(ClassicHeartbeat.class, (state, hb) -> classicStep(state, () -> classic.heartbeat(hb, now())))
        .onCommand(ClassicLeave.class, (state, leave) -> classicStep(state, () -> classic.leave(leave, now())))
        .onCommand(ConsumerHeartbeat.class, this::onConsumerHeartbeat)
        .onCommand(DeleteOffsets.class, this::onDeleteOffsets)
        .onCommand(Wake.class, (state, cmd) -> Effect().none())
        .onCommand(TopicsLoaded.class, this::onTopicsLoaded)
        .onCommand(Tick.class, this::onTick)
        .build();
  }

  // ---- lifecycle ------------------------------------------------------------------------

  private void onRecovered(State state) {
    long now = now();
    classic = ClassicGroup.restore(groupId, state.classic(), now);
    consumer = ConsumerGroup.restore(groupId, settings, state.consumer(), now);
    for (String m : state.membership().members().keySet()) {
      lastHeard.put(m, now);
      if (!state.membership().revokingFrom(m).isEmpty()) {
        revokingSince.put(m, now);
      }
    }
    if (state.exists()) {
      register();
    }
    timers.startTimerWithFixedDelay(Tick.CHECK, settings.checkInterval());
    timers.startTimerWithFixedDelay(Tick.REFRESH, settings.metadataRefresh());
    loadTopics();
  }

  private void register() {
    if (!registered) {
      registered = true;
      registry.tell(new GroupRegistry.Register(groupId));
    }
  }

  // ---- membership -----------------------------------------------------------------------

  private Effect<Event, State> onJoin(State state, Join join) {
    GroupMembership before = state.membership();
    Failure problem = joinProblem(before, join);
    if (problem != null) {
      join.session().tell(new Rejected(join.correlationId(), problem));
      return Effect().none();
    }
    int sessionTimeout = join.sessionTimeoutMs() == 0
        ? (int) settings.defaultSessionTimeout().toMillis() : join.sessionTimeoutMs();
    int rebalanceTimeout = join.rebalanceTimeoutMs() <= 0
        ? (int) settings.defaultRebalanceTimeout().toMillis() : join.rebalanceTimeoutMs();
    String assignor = join.assignor().isEmpty() ? Assignors.DEFAULT : join.assignor();
    boolean known = !join.memberId().isEmpty() && before.members().containsKey(join.memberId());
    String memberId = known ? join.memberId()
        : (join.clientId().isEmpty() ? "member" : join.clientId()) + "-" + UUID.randomUUID();
    GroupMembership.Member member = new GroupMembership.Member(memberId, join.clientId(), join.host(),
        join.topics(), join.pattern(), sessionTimeout, rebalanceTimeout);

    ActorRef<ToMember> previous = sessions.put(memberId, join.session());
    if (previous != null && !previous.equals(join.session())) {
      previous.tell(new Rejected(0, Failure.of(ErrorCode.FENCED_MEMBER,
          "member " + memberId + " joined again on another stream")));
    }
    lastHeard.put(memberId, now());
    loadTopics();

    if (known && before.members().get(memberId).sameSubscription(member)) {
      // A reconnect: nothing changes; tell the new session where things stand.
      join.session().tell(new Joined(join.correlationId(), memberId, before.generation(), before.assignor(), sessionTimeout));
      resync(before, memberId);
      return Effect().none();
    }
    GroupMembership after = rebalanceIfDue(before.withMember(member, assignor));
    return Effect()
        .persist(new MembershipChanged(after))
        .thenRun(next -> {
          register();
          join.session().tell(new Joined(join.correlationId(), memberId, after.generation(), assignor, sessionTimeout));
          push(before, after);
        });
  }

  private Failure joinProblem(GroupMembership group, Join join) {
    if (classic.hasMembers() || consumer.hasMembers()) {
      return Failure.of(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "group " + groupId + " is a Kafka "
          + (classic.hasMembers() ? "classic" : "consumer") + "-protocol group with members; a Skein group session"
          + " cannot join it");
    }
    int timeout = join.sessionTimeoutMs() == 0 ? (int) settings.defaultSessionTimeout().toMillis() : join.sessionTimeoutMs();
    if (timeout < settings.minSessionTimeout().toMillis() || timeout > settings.maxSessionTimeout().toMillis()) {
      return new Failure(ErrorCode.INVALID_SESSION_TIMEOUT, "session timeout " + timeout + " ms is outside ["
          + settings.minSessionTimeout().toMillis() + ", " + settings.maxSessionTimeout().toMillis() + "] ms",
          Map.of("min_session_timeout_ms", Long.toString(settings.minSessionTimeout().toMillis()),
              "max_session_timeout_ms", Long.toString(settings.maxSessionTimeout().toMillis())));
    }
    if (join.topics().isEmpty() == join.pattern().isEmpty()) {
      return Failure.of(ErrorCode.INVALID_REQUEST, "a join needs either topics or a topic pattern, not both or neither");
    }
    if (!join.pattern().isEmpty()) {
      try {
        Pattern.compile(join.pattern());
      } catch (PatternSyntaxException e) {
        return Failure.of(ErrorCode.INVALID_REQUEST, "bad topic pattern: " + e.getDescription());
      }
    }
    String assignor = join.assignor().isEmpty() ? Assignors.DEFAULT : join.assignor();
    if (Assignors.byName(assignor).isEmpty()) {
      return Failure.of(ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
          "unknown assignor '" + assignor + "'; known: " + Assignors.NAMES);
    }
    boolean onlyMember = group.members().size() == 1 && group.members().containsKey(join.memberId());
    if (!group.members().isEmpty() && !onlyMember && !group.assignor().equals(assignor)) {
      return Failure.of(ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
          "the group uses assignor '" + group.assignor() + "', the member asked for '" + assignor + "'");
    }
    return null;
  }

  // ---- the classic protocol -------------------------------------------------------------

  private Effect<Event, State> onClassicJoin(State state, ClassicJoin join) {
    Failure problem = classicJoinProblem(state.membership(), join);
    if (problem != null) {
      join.replyTo().tell(new ClassicJoined(problem, false, join.memberId(), -1, "", "", "", List.of()));
      return Effect().none();
    }
    loadTopics();
    return classicStep(state, () -> classic.join(join, now()));
  }

  private Failure classicJoinProblem(GroupMembership group, ClassicJoin join) {
    int timeout = join.sessionTimeoutMs();
    if (timeout < settings.minSessionTimeout().toMillis() || timeout > settings.maxSessionTimeout().toMillis()) {
      return Failure.of(ErrorCode.INVALID_SESSION_TIMEOUT, "session timeout " + timeout + " ms is outside ["
          + settings.minSessionTimeout().toMillis() + ", " + settings.maxSessionTimeout().toMillis() + "] ms");
    }
    if (!group.members().isEmpty() || consumer.hasMembers()) {
      return Failure.of(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "group " + groupId + " has "
          + (consumer.hasMembers() ? "Kafka consumer-protocol (KIP-848) members" : "Skein group sessions as members")
          + "; a Kafka classic-protocol member cannot join it");
    }
    return null;
  }

  /** Runs a step of the classic group; persists its snapshot if it changed, then replies. */
  private Effect<Event, State> classicStep(State state, Runnable step) {
    step.run();
    List<Runnable> replies = classic.outcome().takeReplies();
    return persistThenReply(classic.outcome().takeChanged() ? new ClassicGroupChanged(classic.snapshot()) : null,
        replies);
  }

  // ---- Kafka's consumer protocol (KIP-848) ----------------------------------------------

  private Effect<Event, State> onConsumerHeartbeat(State state, ConsumerHeartbeat command) {
    ConsumerGroup.Heartbeat hb = command.heartbeat();
    if (classic.hasMembers() || !state.membership().members().isEmpty()) {
      command.replyTo().tell(new ConsumerGroup.Answer(Failure.of(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "group "
          + groupId + " has " + (classic.hasMembers() ? "Kafka classic-protocol members"
          : "Skein group sessions as members")
          + "; a Kafka consumer-protocol (KIP-848) member cannot join it"), hb.memberId(), hb.memberEpoch(), 0, null));
      return Effect().none();
    }
    if (topics == null) {
      // An assignment needs the topics: the heartbeat waits until they are loaded.
      loadTopics();
      return Effect().stash();
    }
    if (hb.memberEpoch() == 0) {
      loadTopics();
    }
    consumer.heartbeat(hb, command.replyTo(), topics, now());
    List<Runnable> replies = consumer.outcome().takeReplies();
    return persistThenReply(consumer.outcome().takeChanged() ? new ConsumerGroupChanged(consumer.snapshot()) : null,
        replies);
  }

  /** Persists {@code changed} (if not null) before sending the replies. */
  private Effect<Event, State> persistThenReply(Event changed, List<Runnable> replies) {
    if (changed == null) {
      replies.forEach(Runnable::run);
      return Effect().none();
    }
    return Effect().persist(changed).thenRun(next -> {
      register();
      replies.forEach(Runnable::run);
    });
  }

  private Effect<Event, State> onHeartbeat(State state, Heartbeat heartbeat) {
    Failure problem = memberProblem(state.membership(), heartbeat.memberId(), heartbeat.session());
    if (problem != null) {
      heartbeat.session().tell(new Rejected(heartbeat.correlationId(), problem));
      return Effect().none();
    }
    lastHeard.put(heartbeat.memberId(), now());
    if (sessions.get(heartbeat.memberId()) == null) {
      // The member's session from before a move or restart: adopt it and bring it up to date.
      sessions.put(heartbeat.memberId(), heartbeat.session());
      resync(state.membership(), heartbeat.memberId());
    }
    heartbeat.session().tell(new Acked(heartbeat.correlationId(), state.membership().generation()));
    return Effect().none();
  }

  private Effect<Event, State> onAckRevocation(State state, AckRevocation ack) {
    GroupMembership before = state.membership();
    Failure problem = memberProblem(before, ack.memberId(), ack.session());
    if (problem != null) {
      ack.session().tell(new Rejected(ack.correlationId(), problem));
      return Effect().none();
    }
    lastHeard.put(ack.memberId(), now());
    Set<PartitionKey> released = new HashSet<>(ack.partitions());
    released.retainAll(before.revokingFrom(ack.memberId()));
    if (released.isEmpty()) {
      ack.session().tell(new Acked(ack.correlationId(), before.generation()));
      return Effect().none();
    }
    GroupMembership after = before.released(ack.memberId(), released);
    return Effect()
        .persist(new MembershipChanged(after))
        .thenRun(next -> {
          ack.session().tell(new Acked(ack.correlationId(), after.generation()));
          push(before, after);
        });
  }

  private Effect<Event, State> onLeave(State state, Leave leave) {
    Failure problem = memberProblem(state.membership(), leave.memberId(), leave.session());
    if (problem != null) {
      leave.session().tell(new Rejected(leave.correlationId(), problem));
      return Effect().none();
    }
    return remove(state, List.of(leave.memberId()), "left", () ->
        leave.session().tell(new Acked(leave.correlationId(), -1)));
  }

  private Effect<Event, State> onSessionClosed(State state, SessionClosed closed) {
    if (!state.membership().members().containsKey(closed.memberId())
        || !closed.session().equals(sessions.get(closed.memberId()))) {
      return Effect().none();
    }
    return remove(state, List.of(closed.memberId()), "closed its stream", () -> {});
  }

  private Effect<Event, State> onTick(State state, Tick tick) {
    if (tick == Tick.REFRESH) {
      if (state.exists()) {
        loadTopics();
      }
      return Effect().none();
    }
    consumer.check(now());
    if (consumer.outcome().takeChanged()) {
      return Effect().persist(new ConsumerGroupChanged(consumer.snapshot()));
    }
    classic.check(now());
    List<Runnable> replies = classic.outcome().takeReplies();
    if (classic.outcome().takeChanged()) {
      // Native members' timeouts are checked at the next tick.
      return Effect().persist(new ClassicGroupChanged(classic.snapshot())).thenRun(next -> replies.forEach(Runnable::run));
    }
    replies.forEach(Runnable::run);
    return onCheck(state);
  }

  private Effect<Event, State> onCheck(State state) {
    long now = now();
    GroupMembership m = state.membership();
    List<String> expired = new ArrayList<>();
    for (GroupMembership.Member member : m.members().values()) {
      long heard = lastHeard.getOrDefault(member.memberId(), now);
      Long revoking = m.revokingFrom(member.memberId()).isEmpty() ? null
          : revokingSince.computeIfAbsent(member.memberId(), id -> now);
      if (now - heard > member.sessionTimeoutMs()
          || (revoking != null && now - revoking > member.rebalanceTimeoutMs())) {
        expired.add(member.memberId());
      }
    }
    if (!expired.isEmpty()) {
      for (String id : expired) {
        ActorRef<ToMember> session = sessions.get(id);
        if (session != null) {
          session.tell(new Rejected(0, Failure.of(ErrorCode.UNKNOWN_MEMBER_ID,
              "member " + id + " was removed from group " + groupId + ": session or rebalance timeout")));
        }
      }
      return remove(state, expired, "timed out", () -> {});
    }
    return expireOffsets(state, now);
  }

  /** Offsets of an empty group expire; an empty group with nothing left deletes itself. */
  private Effect<Event, State> expireOffsets(State state, long now) {
    if (!state.exists() || !state.membership().members().isEmpty() || !classic.isIdle() || consumer.hasMembers()) {
      return Effect().none();
    }
    long retention = settings.offsetsRetention().toMillis();
    long emptySince = Math.max(Math.max(state.membership().emptySince(), state.classic().emptySince()),
        consumer.emptySince());
    List<PartitionKey> expired = new ArrayList<>();
    for (CommittedOffset c : state.allOffsets()) {
      if (now - Math.max(emptySince, c.commitTimestamp()) > retention) {
        expired.add(new PartitionKey(c.topic(), c.partition()));
      }
    }
    boolean nothingLeft = expired.size() == state.allOffsets().size() && now - emptySince > retention;
    if (expired.isEmpty() && !nothingLeft) {
      return Effect().none();
    }
    List<Event> events = new ArrayList<>();
    if (!expired.isEmpty()) {
      events.add(new OffsetsRemoved(expired));
    }
    if (nothingLeft) {
      events.add(new GroupDeleted(now));
    }
    context.getLog().info("Group {}: {} committed offset(s) expired{}", groupId, expired.size(),
        nothingLeft ? "; the group is empty and deleted" : "");
    return Effect().persist(events).thenRun(next -> {
      if (!next.exists()) {
        classic = ClassicGroup.restore(groupId, next.classic(), now);
        consumer = ConsumerGroup.restore(groupId, settings, next.consumer(), now);
        deleted();
      }
    });
  }

  /** Removes members, rebalances the rest, tells everyone what changed. */
  private Effect<Event, State> remove(State state, List<String> memberIds, String why, Runnable then) {
    GroupMembership before = state.membership();
    GroupMembership after = before;
    long now = now();
    for (String id : memberIds) {
      after = after.without(id, now);
      sessions.remove(id);
      lastHeard.remove(id);
      revokingSince.remove(id);
      context.getLog().info("Group {}: member {} {}", groupId, id, why);
    }
    GroupMembership changed = rebalanceIfDue(after);
    return Effect().persist(new MembershipChanged(changed)).thenRun(next -> {
      then.run();
      push(before, changed);
    });
  }

  private Effect<Event, State> onTopicsLoaded(State state, TopicsLoaded loaded) {
    if (loaded.failure() != null) {
      context.getLog().debug("Group {}: topic metadata not available: {}", groupId, loaded.failure().toString());
      return Effect().none();
    }
    topics = loaded.topics().byName();
    List<Event> events = new ArrayList<>();
    List<PartitionKey> gone = new ArrayList<>();
    for (CommittedOffset c : state.allOffsets()) {
      Topic topic = topics.get(c.topic());
      if (topic == null || (!c.topicId().isEmpty() && !c.topicId().equals(topic.topicId()))
          || c.partition() >= topic.partitions().size()) {
        gone.add(new PartitionKey(c.topic(), c.partition()));
      }
    }
    if (!gone.isEmpty()) {
      context.getLog().info("Group {}: dropping offsets of deleted topics: {}", groupId, gone);
      events.add(new OffsetsRemoved(gone));
    }
    GroupMembership before = state.membership();
    GroupMembership after = rebalanceIfDue(before);
    if (after != before) {
      events.add(new MembershipChanged(after));
    }
    consumer.metadataChanged(topics);
    if (consumer.outcome().takeChanged()) {
      events.add(new ConsumerGroupChanged(consumer.snapshot()));
    }
    if (events.isEmpty()) {
      return Effect().none().thenUnstashAll();
    }
    return Effect().persist(events).thenRun(next -> push(before, after)).thenUnstashAll();
  }

  // ---- offsets --------------------------------------------------------------------------

  private Effect<Event, State> onCommit(State state, Commit commit) {
    GroupMembership m = state.membership();
    Failure problem = commitProblem(m, commit.memberId(), commit.generation(), commit.session());
    if (problem != null) {
      commit.replyTo().tell(new CommitReply(commit.correlationId(), List.of(), problem));
      return Effect().none();
    }
    boolean kafkaMember = classic.hasMembers() || consumer.hasMembers();
    if (!commit.memberId().isEmpty() && !kafkaMember) {
      lastHeard.put(commit.memberId(), now());
    }
    long now = now();
    List<PartitionResult> results = new ArrayList<>();
    List<CommittedOffset> accepted = new ArrayList<>();
    for (OffsetToCommit o : commit.offsets()) {
      PartitionKey p = new PartitionKey(o.topic(), o.partition());
      Failure rejected = offsetProblem(m, kafkaMember ? "" : commit.memberId(), p, o);
      if (rejected == null && consumer.hasMembers()) {
        rejected = consumer.stalePartition(commit.memberId(), commit.generation(), p);
      }
      results.add(new PartitionResult(o.topic(), o.partition(), rejected));
      if (rejected == null) {
        Topic topic = topics == null ? null : topics.get(o.topic());
        accepted.add(new CommittedOffset(o.topic(), o.partition(), o.offset(),
            o.metadata() == null ? "" : o.metadata(), now, topic == null ? "" : topic.topicId()));
      }
    }
    CommitReply reply = new CommitReply(commit.correlationId(), results, null);
    if (accepted.isEmpty()) {
      commit.replyTo().tell(reply);
      return Effect().none();
    }
    return Effect().persist(new OffsetsCommitted(accepted)).thenRun(next -> {
      register();
      commit.replyTo().tell(reply);
    });
  }

  private Failure commitProblem(GroupMembership m, String memberId, int generation, ActorRef<ToMember> session) {
    boolean empty = m.members().isEmpty() && !classic.hasMembers() && !consumer.hasMembers();
    if (memberId.isEmpty()) {
      if (generation == -1 && empty) {
        return null;
      }
      return Failure.of(ErrorCode.UNKNOWN_MEMBER_ID, empty
          ? "a commit without a member id must carry generation -1"
          : "group " + groupId + " has members: commit with a member id and its generation");
    }
    if (classic.hasMembers()) {
      return classic.commitProblem(memberId, generation, now());
    }
    if (consumer.hasMembers()) {
      return consumer.commitProblem(memberId, generation, now());
    }
    Failure problem = session == null ? memberProblem(m, memberId) : memberProblem(m, memberId, session);
    if (problem != null) {
      return problem;
    }
    if (generation != m.generation()) {
      return new Failure(ErrorCode.ILLEGAL_GENERATION, "generation " + generation + " of member " + memberId
          + " is not the current generation " + m.generation() + " of group " + groupId,
          Map.of("generation", Integer.toString(m.generation())));
    }
    return null;
  }

  private Failure offsetProblem(GroupMembership m, String memberId, PartitionKey p, OffsetToCommit o) {
    if (o.offset() < 0) {
      return Failure.of(ErrorCode.INVALID_REQUEST, "offset for " + p + " must be >= 0, was " + o.offset());
    }
    if (o.metadata() != null && o.metadata().length() > 4096) {
      return Failure.of(ErrorCode.INVALID_REQUEST, "metadata for " + p + " is longer than 4096 characters");
    }
    if (!memberId.isEmpty() && !m.ownedBy(memberId).contains(p) && !m.revokingFrom(memberId).contains(p)) {
      return new Failure(ErrorCode.PARTITION_NOT_ASSIGNED, "partition " + p + " is not assigned to member "
          + memberId + " in generation " + m.generation() + " of group " + groupId,
          Map.of("topic", p.topic(), "partition", Integer.toString(p.partition())));
    }
    // Topic existence is not checked against the cached metadata, which may predate the
    // topic: offsets of topics that do not exist are dropped at the next metadata refresh.
    return null;
  }

  private Effect<Event, State> onFetchOffsets(State state, FetchOffsets fetch) {
    if (!state.exists()) {
      fetch.replyTo().tell(new OffsetsReply(List.of(), notFound()));
      return passivateIfGone(state);
    }
    if (!fetch.memberId().isEmpty()) {
      Failure problem = commitProblem(state.membership(), fetch.memberId(), fetch.generation(), null);
      if (problem != null) {
        fetch.replyTo().tell(new OffsetsReply(List.of(), problem));
        return Effect().none();
      }
    }
    List<CommittedOffset> result;
    if (fetch.partitions().isEmpty()) {
      result = state.allOffsets();
    } else {
      result = new ArrayList<>();
      for (PartitionKey p : fetch.partitions()) {
        CommittedOffset c = state.offset(p);
        result.add(c != null ? c : new CommittedOffset(p.topic(), p.partition(), -1, "", -1, ""));
      }
    }
    fetch.replyTo().tell(new OffsetsReply(result, null));
    return Effect().none();
  }

  // ---- administration -------------------------------------------------------------------

  private Effect<Event, State> onDescribe(State state, Describe describe) {
    if (!state.exists()) {
      describe.replyTo().tell(new Description(groupId, "DEAD", "", state.membership().generation(), List.of(),
          Map.of(), Map.of(), List.of(), null, null, notFound()));
      return passivateIfGone(state);
    }
    GroupMembership m = state.membership();
    if (consumer.hasMembers()) {
      ConsumerGroup.Description c = consumer.describe(topics);
      describe.replyTo().tell(new Description(groupId, c.phase().name(), c.assignor(), c.groupEpoch(),
          consumer.membersView(), consumer.assignmentsView(), consumer.revokingView(), state.allOffsets(), null, c,
          null));
      return Effect().none();
    }
    if (m.members().isEmpty()) {
      ClassicGroup.Description c = classic.describe();
      // An empty group is either protocol's; its generation is the later of the two.
      int generation = classic.hasMembers() ? classic.generation() : Math.max(m.generation(), classic.generation());
      describe.replyTo().tell(new Description(groupId, classic.phase().name(), c.protocolName(), generation,
          classic.membersView(), classic.assignmentsView(), Map.of(), state.allOffsets(), c, null, null));
      return Effect().none();
    }
    List<GroupMembership.Member> members = new ArrayList<>(new TreeMap<>(m.members()).values());
    describe.replyTo().tell(new Description(groupId, m.phase().name(), m.assignor(), m.generation(), members,
        m.owned(), m.revoking(), state.allOffsets(), null, null, null));
    return Effect().none();
  }

  private Effect<Event, State> onResetOffsets(State state, ResetOffsets reset) {
    Failure problem = adminProblem(state);
    if (problem != null) {
      reset.replyTo().tell(new Done(problem));
      return state.exists() ? Effect().none() : passivateIfGone(state);
    }
    long now = now();
    List<CommittedOffset> offsets = reset.offsets().stream().map(o -> {
      Topic topic = topics == null ? null : topics.get(o.topic());
      return new CommittedOffset(o.topic(), o.partition(), o.offset(), o.metadata() == null ? "" : o.metadata(), now,
          topic == null ? "" : topic.topicId());
    }).toList();
    return Effect().persist(new OffsetsCommitted(offsets)).thenRun(next -> reset.replyTo().tell(new Done(null)));
  }

  private Effect<Event, State> onDeleteGroup(State state, DeleteGroup delete) {
    Failure problem = adminProblem(state);
    if (problem != null) {
      delete.replyTo().tell(new Done(problem));
      return state.exists() ? Effect().none() : passivateIfGone(state);
    }
    return Effect().persist(new GroupDeleted(now())).thenRun(next -> {
      classic = ClassicGroup.restore(groupId, next.classic(), now());
      consumer = ConsumerGroup.restore(groupId, settings, next.consumer(), now());
      context.getLog().info("Group {}: deleted", groupId);
      delete.replyTo().tell(new Done(null));
      deleted();
    });
  }

  private Failure adminProblem(State state) {
    if (!state.exists()) {
      return notFound();
    }
    int members = state.membership().members().size() + classic.memberCount() + consumer.memberCount();
    if (members > 0) {
      return Failure.of(ErrorCode.NON_EMPTY_GROUP, "group " + groupId + " has " + members
          + " active member(s); stop its consumers first");
    }
    return null;
  }

  private Effect<Event, State> onDeleteOffsets(State state, DeleteOffsets delete) {
    if (!state.exists()) {
      delete.replyTo().tell(new OffsetsDeleted(List.of(), notFound()));
      return passivateIfGone(state);
    }
    GroupMembership m = state.membership();
    boolean consumers = classic.hasMembers() && ClassicGroup.CONSUMER_PROTOCOL_TYPE.equals(classic.describe().protocolType());
    if (classic.hasMembers() && !consumers) {
      delete.replyTo().tell(new OffsetsDeleted(List.of(), Failure.of(ErrorCode.NON_EMPTY_GROUP,
          "group " + groupId + " has members of protocol type '" + classic.describe().protocolType() + "'")));
      return Effect().none();
    }
    java.util.Set<String> subscribed = classic.subscribedTopics();
    List<PartitionResult> results = new ArrayList<>();
    List<PartitionKey> removed = new ArrayList<>();
    for (PartitionKey p : delete.partitions()) {
      boolean inUse = subscribed.contains(p.topic()) || consumer.subscribes(p.topic())
          || m.members().values().stream().anyMatch(member -> member.subscribes(p.topic()));
      results.add(new PartitionResult(p.topic(), p.partition(), inUse ? Failure.of(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC,
          "a member of group " + groupId + " subscribes to topic " + p.topic()) : null));
      if (!inUse && state.offset(p) != null) {
        removed.add(p);
      }
    }
    OffsetsDeleted reply = new OffsetsDeleted(results, null);
    if (removed.isEmpty()) {
      delete.replyTo().tell(reply);
      return Effect().none();
    }
    return Effect().persist(new OffsetsRemoved(removed)).thenRun(next -> delete.replyTo().tell(reply));
  }

  private void deleted() {
    registered = false;
    registry.tell(new GroupRegistry.Unregister(groupId));
    passivate.accept(context.getSelf());
  }

  private Effect<Event, State> passivateIfGone(State state) {
    if (!state.exists() && state.membership().members().isEmpty() && classic.isIdle() && !consumer.hasMembers()) {
      passivate.accept(context.getSelf());
    }
    return Effect().none();
  }

  // ---- helpers --------------------------------------------------------------------------

  private Failure notFound() {
    return Failure.of(ErrorCode.GROUP_ID_NOT_FOUND, "group '" + groupId + "' does not exist");
  }

  private Failure memberProblem(GroupMembership m, String memberId) {
    if (!m.members().containsKey(memberId)) {
      return Failure.of(ErrorCode.UNKNOWN_MEMBER_ID, "member '" + memberId + "' is not in group " + groupId);
    }
    return null;
  }

  /** The member must exist and, if this coordinator knows its session, talk through it. */
  private Failure memberProblem(GroupMembership m, String memberId, ActorRef<ToMember> session) {
    Failure unknown = memberProblem(m, memberId);
    if (unknown != null) {
      return unknown;
    }
    ActorRef<ToMember> current = sessions.get(memberId);
    if (current != null && !current.equals(session)) {
      return Failure.of(ErrorCode.FENCED_MEMBER, "member " + memberId + " is attached to another stream");
    }
    return null;
  }

  /** Rebalances when the members or their topics changed and metadata is known. */
  private GroupMembership rebalanceIfDue(GroupMembership m) {
    if (topics == null) {
      return m;
    }
    Map<String, Integer> counts = new HashMap<>();
    topics.forEach((name, topic) -> counts.put(name, topic.partitions().size()));
    if (!m.needsRebalance(counts)) {
      return m;
    }
    GroupMembership next = m.rebalance(counts);
    context.getLog().info("Group {}: generation {} with {} member(s)", groupId, next.generation(), next.members().size());
    return next;
  }

  /** Tells members what changed between two memberships: revocations, then assignments. */
  private void push(GroupMembership before, GroupMembership after) {
    long now = now();
    for (String m : new TreeSet<>(after.members().keySet())) {
      ActorRef<ToMember> session = sessions.get(m);
      Set<PartitionKey> newlyRevoking = new HashSet<>(after.revokingFrom(m));
      newlyRevoking.removeAll(before.revokingFrom(m));
      if (after.revokingFrom(m).isEmpty()) {
        revokingSince.remove(m);
      } else if (!newlyRevoking.isEmpty()) {
        revokingSince.putIfAbsent(m, now);
      }
      if (session == null) {
        continue;
      }
      if (!newlyRevoking.isEmpty()) {
        session.tell(new Revoked(after.generation(), sorted(newlyRevoking)));
      }
      boolean wasMember = before.members().containsKey(m);
      if (after.generation() != before.generation() || !after.ownedBy(m).equals(before.ownedBy(m))
          || after.pending(m) != before.pending(m) || !wasMember) {
        if (after.target().containsKey(m)) {
          Set<PartitionKey> added = new HashSet<>(after.ownedBy(m));
          added.removeAll(before.ownedBy(m));
          session.tell(new Assigned(after.generation(), sorted(after.ownedBy(m)), sorted(added), after.pending(m)));
        }
      }
    }
  }

  /** Sends a (re-)attached session the member's whole situation. */
  private void resync(GroupMembership m, String memberId) {
    ActorRef<ToMember> session = sessions.get(memberId);
    if (!m.revokingFrom(memberId).isEmpty()) {
      session.tell(new Revoked(m.generation(), sorted(m.revokingFrom(memberId))));
    }
    if (m.target().containsKey(memberId)) {
      session.tell(new Assigned(m.generation(), sorted(m.ownedBy(memberId)), sorted(m.ownedBy(memberId)),
          m.pending(memberId)));
    }
  }

  private void loadTopics() {
    AkkaFutures.ask(context, Controller.Topics.class, controller, settings.requestTimeout(),
        Controller.GetTopics::new, TopicsLoaded::new);
  }

  private static List<PartitionKey> sorted(Set<PartitionKey> partitions) {
    List<PartitionKey> list = new ArrayList<>(partitions);
    list.sort(io.skein.group.assign.Assignor.PARTITION_ORDER);
    return list;
  }

  private static long now() {
    return System.currentTimeMillis();
  }
}
