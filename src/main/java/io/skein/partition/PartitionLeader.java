package io.skein.partition;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.cluster.typed.Cluster;
import io.skein.cluster.Controller;
import io.skein.cluster.LiveBrokers;
import io.skein.common.AkkaFutures;
import io.skein.common.CborSerializable;
import io.skein.common.Failure;
import io.skein.log.CorruptRecordException;
import io.skein.log.DirectBuffers;
import io.skein.log.EpochEndOffset;
import io.skein.log.InvalidConfigException;
import io.skein.log.InvalidProducerEpochException;
import io.skein.log.InvalidRecordException;
import io.skein.log.Log;
import io.skein.log.LogAppendInfo;
import io.skein.log.LogConfig;
import io.skein.log.LogException;
import io.skein.log.LogReadResult;
import io.skein.log.OffsetOutOfRangeException;
import io.skein.log.OutOfOrderSequenceException;
import io.skein.log.RecordTooLargeException;
import io.skein.log.TimestampAndOffset;
import io.skein.common.ErrorCode;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import io.skein.metrics.ClusterHealth;
import io.skein.metrics.MetricsSetup;
import io.skein.metrics.StorageMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The leader of one partition on one broker: a Cluster Sharding entity ({@code
 * topic-partition@broker}, in that broker's shard on that broker's node: {@link LeaderShards})
 * that owns the partition's {@link Log} writer. It runs on the log dispatcher, so its blocking
 * file I/O never holds Akka's default threads. Reads that find no data wait here (long
 * poll) until an append or their deadline.
 *
 * <p>On start it asks the Controller for the topic (id, config overrides, leader epoch) and
 * stashes requests until the log is open. A partition whose topic no longer exists answers
 * UNKNOWN_TOPIC_OR_PARTITION, removes leftover data and stops. Where the Controller elected
 * another broker (a request or update from before the election) it answers
 * NOT_LEADER_OR_FOLLOWER and never touches the local log. Where it leads, it first takes the log over from this node's
 * {@link ReplicaFollower} through the {@link ReplicaManager}: one writer per log per node.
 *
 * <p>Replication: followers long-poll with {@link ReplicaFetch}; their fetch offsets are their
 * log end offsets, from which {@link ReplicaProgress} gives the high watermark and the ISR to
 * ask the Controller for. A fetch counts only if the epoch of the follower's last batch ends at
 * or after its fetch offset in this log too; otherwise the answer says where that epoch ends
 * here and the follower truncates first (KIP-320), so a stale tail never counts as replicated.
 * The leader records its epoch in the log when it starts leading, so those answers are right
 * before its first append. acks=all appends wait until the high watermark passes them. Every
 * replication message carries the leader epoch; an older one is refused, a newer one (or a
 * Controller that refuses an ISR change) means this leader is stale: it stops.
 */
public final class PartitionLeader {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "partition");

  /** The leader of {@code key} on {@code broker}, in that broker's shard. */
  public static EntityRef<Command> on(ClusterSharding sharding, PartitionKey key, int broker) {
    return sharding.entityRefFor(TYPE_KEY, LeaderShards.entityId(key, broker));
  }

  /** Whether this node has started the partition shard region (entity refs fail before). */
  static boolean shardRegionStarted(ActorSystem<?> system) {
    return akka.cluster.sharding.ClusterSharding.get(Adapter.toClassic(system)).getShardTypeNames()
        .contains(TYPE_KEY.name());
  }

  private static final int STASH_CAPACITY = 10_000;
  private static final Duration CONTROLLER_TIMEOUT = Duration.ofSeconds(10);
  /**
   * How long an ISR change waits for the Controller before it is sent again: acks=all writes
   * wait on it, and one sent to a Controller whose node just died is lost (a stand-in takes
   * over within seconds). Sending it again is harmless: the Controller answers a change it
   * already made with the ISR as it is. One second: a persisted change takes milliseconds, and
   * with the Controller's host dead every second of it delays the acks of partitions that host
   * only followed (FaultScheduleIT: up to 6.3 s with 2 s).
   */
  private static final Duration ISR_CHANGE_TIMEOUT = Duration.ofSeconds(1);

  // ---- protocol -------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /**
   * Sent to a broker's shard ({@link LeaderShards#homeId}) to have it placed, and its place known
   * to the sender's region, before any leader needs it: then no election waits for the shard
   * coordinator, which may be on the very node that failed. The shard's node tells {@code
   * placedBy} once it runs there.
   */
  public record PlaceShard(ActorRef<LeaderShardHomes.Command> placedBy) implements Command {}

  /**
   * Open the log now (recovering it if needed) and answer when it serves. {@code topic}, when
   * not null, is the topic as the Controller last pushed it to this node: a leader starts from it
   * without asking the Controller, which may be moving (it hands over with a leaving node: up to
   * a second without acks on the partitions elected away from it).
   */
  public record Open(Topic topic, ActorRef<Opened> replyTo) implements Command {}

  /**
   * Append Kafka v2 batches (offsets are assigned here, in place); acks -1 (all) waits for the
   * ISR. {@code records} may come from {@link #buffers()}: the leader gives it back once written.
   */
  public record Append(ByteBuffer records, int acks, ActorRef<AppendReply> replyTo) implements Command {
    public static final int ACKS_ALL = -1;
    /** A request's batch is 16 KiB with Kafka's default batch.size; larger ones go on the heap. */
    private static final DirectBuffers BUFFERS = new DirectBuffers(64 * 1024, 256);

    /** Where to put the bytes of an append to a leader on this node. */
    public static DirectBuffers buffers() {
      return BUFFERS;
    }

    /** An acks=1 append: answered once the leader has written it. */
    public Append(ByteBuffer records, ActorRef<AppendReply> replyTo) {
      this(records, 1, replyTo);
    }
  }

  /** Read whole batches from {@code offset}, waiting up to {@code maxWait} for data. */
  public record Read(long offset, int maxBytes, Duration maxWait, ActorRef<ReadReply> replyTo)
      implements Command {}

  /**
   * Earliest ({@link #EARLIEST}), latest ({@link #LATEST}), the record with the largest timestamp
   * ({@link #MAX_TIMESTAMP}) or the first offset at a timestamp.
   */
  public record ListOffsets(long timestamp, ActorRef<OffsetReply> replyTo) implements Command {
    public static final long EARLIEST = -2;
    public static final long LATEST = -1;
    public static final long MAX_TIMESTAMP = -3;
  }

  public record Describe(ActorRef<Status> replyTo) implements Command {}

  /** KIP-279 for clients validating their position after a leader change: where {@code epoch} ends here. */
  public record EpochEnd(int epoch, ActorRef<EpochEndReply> replyTo) implements Command {}

  /** Deletes the records below {@code offset} ({@link #HIGH_WATERMARK}: every committed record). */
  public record DeleteRecords(long offset, ActorRef<DeleteRecordsReply> replyTo) implements Command {
    public static final long HIGH_WATERMARK = -1;
  }

  /** The log start offset after a DeleteRecords (Kafka's low watermark), or why it failed. */
  public record DeleteRecordsReply(long lowWatermark, Failure failure) implements CborSerializable {}

  /** Pushed by the Controller after it persisted new config overrides. */
  public record ConfigChanged(String topicId, Map<String, String> overrides) implements Command {}

  /** Pushed by the Controller after it persisted the topic's deletion. */
  public record DeleteLog(String topicId) implements Command {}

  /**
   * Pushed by the Controller after it persisted a new leader, epoch or ISR for this partition, at
   * {@code electedAtMs} (the Controller's wall clock), which times the election.
   */
  public record LeaderAndIsr(String topicId, ReplicaAssignment assignment, long electedAtMs) implements Command {}

  /**
   * A follower asks for batches from {@code fetchOffset} (its log end offset), at the epoch it
   * believes current; {@code lastFetchedEpoch} is the epoch of its last batch (-1 if none), which
   * the leader checks against its own log before it believes that offset. Parked up to
   * {@code maxWait} when there is nothing new.
   */
  public record ReplicaFetch(
      int brokerId, int leaderEpoch, long fetchOffset, int lastFetchedEpoch, int maxBytes, Duration maxWait,
      ActorRef<ReplicaFetchReply> replyTo)
      implements Command {}

  private record Initialized(Controller.TopicReply reply, Throwable failure) implements Command {}

  private record LogHandedOver(Topic topic, Throwable failure) implements Command {}

  private record IsrAltered(Controller.AlterIsrReply reply, Throwable failure) implements Command {}

  private record ReplicaFetchDeadline(int brokerId) implements Command {}

  private record ReadDeadline(long readId) implements Command {}

  private enum Tick implements Command {
    RETENTION,
    FLUSH,
    ISR
  }

  public record Opened(PartitionKey key, Failure failure) implements CborSerializable {}

  public record AppendReply(long baseOffset, long lastOffset, long logAppendTime, long logStartOffset, Failure failure)
      implements CborSerializable {}

  public record ReadReply(
      ByteBuffer records, long nextOffset, long highWatermark, long logStartOffset, long logEndOffset, Failure failure)
      implements CborSerializable {}

  public record OffsetReply(long offset, long timestamp, Failure failure) implements CborSerializable {}

  /** The largest epoch at or below the one asked for and where it ends; both -1 if the log knows none. */
  public record EpochEndReply(int epoch, long endOffset, Failure failure) implements CborSerializable {}

  /**
   * Batches for a follower, as stored. Not CBOR: {@link ReplicationSerializer} writes the
   * bytes as they are. {@code error} is NONE on success. {@code divergingEpoch} is
   * {@link EpochEndOffset#UNDEFINED} unless the follower's log diverges from the leader's: then it
   * says where the follower's last epoch ends here, and there are no records.
   */
  public record ReplicaFetchReply(
      ByteBuffer records, long highWatermark, long logStartOffset, long logEndOffset, EpochEndOffset divergingEpoch,
      ErrorCode error, String message) {
    static ReplicaFetchReply failed(ErrorCode error, String message) {
      return new ReplicaFetchReply(ByteBuffer.allocate(0), -1, -1, -1, EpochEndOffset.UNDEFINED, error, message);
    }

    boolean diverging() {
      return !divergingEpoch.isUndefined();
    }
  }

  public record Status(
      long logStartOffset, long highWatermark, long logEndOffset, long sizeBytes, int segments, long cleanedOffset,
      double dirtyRatio, Failure failure)
      implements CborSerializable {}

  // ---- setup ----------------------------------------------------------------------------

  public static void initSharding(
      ActorSystem<?> system, PartitionSettings config, ActorRef<Controller.Command> controller,
      ActorRef<ReplicaManager.Command> replicaManager) {
    ReplicationConfig replication = ReplicationConfig.from(system.settings().config());
    ClusterSharding.get(system)
        .init(
            Entity.of(TYPE_KEY, ctx -> LeaderShards.isHome(ctx.getEntityId())
                ? shardHome(LeaderShards.brokerOf(ctx.getEntityId()))
                : LeaderShards.brokerOf(ctx.getEntityId()) == config.brokerId()
                    ? create(LeaderShards.partitionOf(ctx.getEntityId()), config, replication, controller,
                        replicaManager, ctx.getShard())
                    : misplaced(LeaderShards.partitionOf(ctx.getEntityId()), LeaderShards.brokerOf(ctx.getEntityId()),
                        config.brokerId()))
                .withMessageExtractor(new LeaderShards())
                .withAllocationStrategy(new LeaderShardAllocation(Cluster.get(system)))
                .withEntityProps(DispatcherSelector.fromConfig("skein-log-dispatcher"))
                // A partition leader holds an open log, retention timers and waiting readers:
                // it lives as long as its node leads the partition.
                .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  public static Behavior<Command> create(
      PartitionKey key, PartitionSettings config, ReplicationConfig replication, ActorRef<Controller.Command> controller,
      ActorRef<ReplicaManager.Command> replicaManager, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withStash(
        STASH_CAPACITY,
        stash ->
            Behaviors.withTimers(
                timers ->
                    Behaviors.setup(
                        context -> new PartitionLeader(key, config, replication, controller, replicaManager, shard,
                            context, stash, timers).initializing())));
  }

  /** The entity that places {@code broker}'s shard: it says so, and stops, on its first message. */
  private static Behavior<Command> shardHome(int broker) {
    return Behaviors.receive(Command.class)
        .onMessage(PlaceShard.class, place -> {
          place.placedBy().tell(new LeaderShardHomes.ShardPlaced(broker));
          return Behaviors.stopped();
        })
        .onAnyMessage(other -> Behaviors.stopped())
        .build();
  }

  /**
   * A leader entity of another broker's shard that runs here until its shard moves home (its
   * broker's node had no region when the shard was allocated): it never touches the local log.
   */
  static Behavior<Command> misplaced(PartitionKey key, int broker, int localBroker) {
    Failure notHere = Failure.of(ErrorCode.NOT_LEADER_OR_FOLLOWER, "the leader of " + key + " on broker " + broker
        + " is not available yet (its shard is on broker " + localBroker + " until broker " + broker + " is up)");
    return Behaviors.receive(Command.class)
        .onMessage(Command.class, command -> {
          LeaderRefusals.refuse(key, command, notHere);
          return Behaviors.same();
        })
        .build();
  }

  private final PartitionKey key;
  private final PartitionSettings config;
  private final ReplicationConfig replication;
  private final ActorRef<Controller.Command> controller;
  private final ActorRef<ReplicaManager.Command> replicaManager;
  private final ActorContext<Command> context;
  private final StashBuffer<Command> stash;
  private final TimerScheduler<Command> timers;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final LocalLeaderLogs localLogs;
  private final StorageMetrics storageMetrics;
  private final ClusterHealth clusterHealth;
  private final WaitingReads waitingReads = new WaitingReads();

  private final WaitingAcks waitingAcks = new WaitingAcks();
  private final ParkedReplicaFetches parkedFetches = new ParkedReplicaFetches();
  /** Why a committed acks=all append is not acknowledged: the ISR shrank below min.insync.replicas meanwhile. */
  private final Function<AppendReply, Failure> tooFewInSync = this::tooFewInSync;

  private Log log;
  private LogConfig logConfig;
  private boolean logHandedOver;
  private String topicId;
  private int leaderEpoch;
  /** The partition epoch of the assignment the ISR in {@code progress} comes from. */
  private int partitionEpoch;
  private ReplicaProgress progress;
  private boolean isrChangeInFlight;
  /** The last leader epoch whose election was timed, so that a repeated push is not timed twice. */
  private int electionTimedEpoch = -1;

  private PartitionLeader(
      PartitionKey key,
      PartitionSettings config,
      ReplicationConfig replication,
      ActorRef<Controller.Command> controller,
      ActorRef<ReplicaManager.Command> replicaManager,
      ActorRef<ClusterSharding.ShardCommand> shard,
      ActorContext<Command> context,
      StashBuffer<Command> stash,
      TimerScheduler<Command> timers) {
    this.key = key;
    this.config = config;
    this.replication = replication;
    this.controller = controller;
    this.replicaManager = replicaManager;
    this.context = context;
    this.stash = stash;
    this.timers = timers;
    this.shard = shard;
    this.localLogs = LocalLeaderLogs.get(context.getSystem());
    this.storageMetrics = MetricsSetup.metricsOf(context.getSystem()).storage();
    this.clusterHealth = MetricsSetup.metricsOf(context.getSystem()).cluster();
  }

  // ---- initializing ---------------------------------------------------------------------

  private Behavior<Command> initializing() {
    AkkaFutures.ask(context, Controller.TopicReply.class, controller, CONTROLLER_TIMEOUT,
        replyTo -> new Controller.GetTopic(key.topic(), replyTo), Initialized::new);
    return loading(false);
  }

  /** Waiting for the topic (unless {@code topicKnown}: from a push or the Controller), then for the log. */
  private Behavior<Command> loading(boolean topicKnown) {
    return Behaviors.receive(Command.class)
        .onMessage(Initialized.class, initialized -> topicKnown ? Behaviors.same() : onInitialized(initialized))
        .onMessage(Open.class, open -> onOpenWhileLoading(open, topicKnown))
        .onMessage(LogHandedOver.class, this::onLogHandedOver)
        .onMessage(DeleteLog.class, this::onDeleteBeforeOpen)
        .onMessage(Command.class, this::stashUntilOpen)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> onOpenWhileLoading(Open open, boolean topicKnown) {
    stashUntilOpen(open);
    return topicKnown || open.topic() == null ? Behaviors.same() : withTopic(open.topic());
  }

  private Behavior<Command> stashUntilOpen(Command command) {
    if (stash.isFull()) {
      fail(command, Failure.of(ErrorCode.LEADER_NOT_AVAILABLE, "partition " + key + " is loading"));
    } else {
      stash.stash(command);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onInitialized(Initialized initialized) {
    if (initialized.failure() != null) {
      context.getLog().warn("Partition {}: controller did not answer: {}", key, initialized.failure().toString());
      return failStashedAndStop(
          Failure.of(ErrorCode.LEADER_NOT_AVAILABLE, "partition " + key + " is not available yet: the controller did not answer"));
    }
    return withTopic(initialized.reply().topic());
  }

  private Behavior<Command> withTopic(Topic topic) {
    if (topic == null || key.partition() >= topic.partitions().size()) {
      removeData(PartitionDirectory.ANY_TOPIC_ID);
      return failStashedAndStop(unknownPartition());
    }
    ReplicaAssignment assignment = topic.partitions().get(key.partition());
    if (assignment.leader() != config.brokerId()) {
      return notLeader(assignment);
    }
    // This node's follower of the partition must stop writing the log before we open it.
    AkkaFutures.ask(context, ReplicaManager.LogHandedOver.class, replicaManager, CONTROLLER_TIMEOUT,
        replyTo -> new ReplicaManager.AcquireLog(key, replyTo),
        (handedOver, failure) -> new LogHandedOver(topic, failure));
    return loading(true);
  }

  private Behavior<Command> onLogHandedOver(LogHandedOver handedOver) {
    if (handedOver.failure() != null) {
      context.getLog().warn("Partition {}: the local follower did not hand the log over: {}", key,
          handedOver.failure().toString());
      return failStashedAndStop(
          Failure.of(ErrorCode.LEADER_NOT_AVAILABLE, "partition " + key + " is not available yet: log hand-over"));
    }
    logHandedOver = true;
    Topic topic = handedOver.topic();
    try {
      LogConfig logConfig = LogConfig.fromMap(topic.configs(), config.topicDefaults());
      PartitionDirectory.claim(dir(), topic.topicId());
      log = Log.open(dir(), logConfig, Clock.systemUTC(), storageMetrics);
      this.logConfig = logConfig;
    } catch (IOException | RuntimeException e) {
      context.getLog().error("Partition {}: cannot open its log in {}", key, dir(), e);
      return failStashedAndStop(Failure.of(ErrorCode.KAFKA_STORAGE_ERROR,
          "partition " + key + " cannot open its log: " + e.getMessage()));
    }
    topicId = topic.topicId();
    ReplicaAssignment assignment = topic.partitions().get(key.partition());
    leaderEpoch = assignment.leaderEpoch();
    try {
      log.startLeaderEpoch(leaderEpoch);
    } catch (IOException e) {
      context.getLog().error("Partition {}: cannot record leader epoch {}", key, leaderEpoch, e);
      return failStashedAndStop(Failure.of(ErrorCode.KAFKA_STORAGE_ERROR,
          "partition " + key + " cannot record its leader epoch: " + e.getMessage()));
    }
    progress = new ReplicaProgress(config.brokerId(), assignment.replicas(), assignment.isr(), nowMs());
    partitionEpoch = assignment.partitionEpoch();
    // As sole in-sync replica everything in the log is committed, including what was written
    // after the last high-watermark checkpoint before a crash. With followers in the ISR the
    // high watermark waits until each has reported its log end.
    advanceHighWatermark();
    timers.startTimerWithFixedDelay(Tick.RETENTION, config.retentionCheckInterval());
    timers.startTimerWithFixedDelay(Tick.FLUSH, config.flushCheckInterval());
    timers.startTimerWithFixedDelay(Tick.ISR, isrCheckInterval());
    context.getLog().info("Partition {}: leading at epoch {} with ISR {}, log offsets [{}, {}), high watermark {}", key,
        leaderEpoch, progress.isr(), log.logStartOffset(), log.logEndOffset(), log.highWatermark());
    localLogs.serving(key, log);
    LocalLogCleaner.get(context.getSystem()).register(log);
    return stash.unstashAll(serving());
  }

  // ---- not the leader -------------------------------------------------------------------

  /**
   * The shard runs here but another broker was elected (or none): answer so that clients
   * refresh metadata, until the shard moves or the Controller elects this broker.
   */
  private Behavior<Command> notLeader(ReplicaAssignment assignment) {
    Failure notLeader = Failure.of(ErrorCode.NOT_LEADER_OR_FOLLOWER,
        "broker " + config.brokerId() + " does not lead " + key + " (leader " + assignment.leader() + ", epoch "
            + assignment.leaderEpoch() + ")");
    stash.forEach(command -> fail(command, notLeader));
    stash.clear();
    return Behaviors.receive(Command.class)
        // Kept for when it serves, which times the election.
        .onMessage(LeaderAndIsr.class, update -> {
          if (update.assignment().leader() != config.brokerId()) {
            return Behaviors.same();
          }
          stash.stash(update);
          return initializing();
        })
        // The local replica manager wakes the partitions it believes this broker leads: check again.
        .onMessage(Open.class, open -> {
          stash.stash(open);
          return open.topic() == null ? initializing() : withTopic(open.topic());
        })
        .onMessage(DeleteLog.class, delete -> passivate(unknownPartition()))
        .onMessage(Command.class, command -> {
          fail(command, notLeader);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onDeleteBeforeOpen(DeleteLog delete) {
    removeData(delete.topicId());
    return failStashedAndStop(unknownPartition());
  }

  private Behavior<Command> failStashedAndStop(Failure failure) {
    stash.forEach(command -> fail(command, failure));
    stash.clear();
    return passivate(failure);
  }

  /**
   * Stops through the shard rather than directly: the shard buffers messages that arrive
   * meanwhile and starts a fresh entity for them, so no request is silently dropped.
   * Until the shard stops this one, requests get {@code failure}.
   */
  private Behavior<Command> passivate(Failure failure) {
    stopServingReads();
    timers.cancelAll();
    shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    return Behaviors.receive(Command.class)
        .onMessage(Command.class, command -> {
          fail(command, failure);
          return Behaviors.same();
        })
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  // ---- serving --------------------------------------------------------------------------

  private Behavior<Command> serving() {
    return Behaviors.receive(Command.class)
        .onMessage(Open.class, this::onOpen)
        .onMessage(Append.class, this::onAppend)
        .onMessage(ReplicaFetch.class, this::onReplicaFetch)
        .onMessage(ReplicaFetchDeadline.class, this::onReplicaFetchDeadline)
        .onMessage(LeaderAndIsr.class, this::onLeaderAndIsr)
        .onMessage(IsrAltered.class, this::onIsrAltered)
        .onMessageEquals(Tick.ISR, this::onIsrTick)
        .onMessage(Read.class, this::onRead)
        .onMessage(ReadDeadline.class, this::onReadDeadline)
        .onMessage(ListOffsets.class, this::onListOffsets)
        .onMessage(EpochEnd.class, this::onEpochEnd)
        .onMessage(Describe.class, this::onDescribe)
        .onMessage(DeleteRecords.class, this::onDeleteRecords)
        .onMessage(ConfigChanged.class, this::onConfigChanged)
        .onMessage(DeleteLog.class, this::onDeleteLog)
        .onMessageEquals(Tick.RETENTION, this::onRetentionTick)
        .onMessageEquals(Tick.FLUSH, this::onFlushTick)
        .onMessage(Initialized.class, ignored -> Behaviors.same())
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> onOpen(Open open) {
    open.replyTo().tell(new Opened(key, null));
    return Behaviors.same();
  }

  private Behavior<Command> onAppend(Append append) {
    try {
      return append(append);
    } finally {
      Append.buffers().release(append.records());
    }
  }

  private Behavior<Command> append(Append append) {
    if (append.acks() == Append.ACKS_ALL && progress.isr().size() < logConfig.minInsyncReplicas()) {
      // Refused before writing: nothing of it is half-written on some replicas.
      append.replyTo().tell(LeaderRefusals.appendFailed(Failure.of(ErrorCode.NOT_ENOUGH_REPLICAS, "partition " + key + " has "
          + progress.isr().size() + " in-sync replica(s) " + progress.isr() + ", min.insync.replicas is "
          + logConfig.minInsyncReplicas())));
      return Behaviors.same();
    }
    LogAppendInfo info;
    try {
      info = log.appendAsLeader(org.apache.kafka.common.record.internal.MemoryRecords.readableRecords(append.records()), leaderEpoch);
    } catch (RecordTooLargeException e) {
      append.replyTo().tell(LeaderRefusals.appendFailed(new Failure(ErrorCode.RECORD_TOO_LARGE, e.getMessage(),
          Map.of("max_message_bytes", Integer.toString(e.maxMessageBytes())))));
      return Behaviors.same();
    } catch (CorruptRecordException | OutOfOrderSequenceException | InvalidProducerEpochException
        | InvalidRecordException e) {
      append.replyTo().tell(LeaderRefusals.appendFailed(Failure.of(refusedAppendCode(e), e.getMessage())));
      return Behaviors.same();
    } catch (IOException e) {
      return storageFailure("append", e, () -> append.replyTo().tell(LeaderRefusals.appendFailed(storageError(e))));
    }
    AppendReply reply =
        new AppendReply(info.firstOffset(), info.lastOffset(), info.logAppendTime(), log.logStartOffset(), null);
    if (info.duplicate() && (append.acks() != Append.ACKS_ALL || info.lastOffset() < log.highWatermark())) {
      // Stored before and, for acks=all, committed since: answer with where it was stored.
      append.replyTo().tell(reply);
      return Behaviors.same();
    }
    if (append.acks() == Append.ACKS_ALL) {
      waitingAcks.add(reply, System.nanoTime() + config.requestTimeout().toNanos(), append.replyTo());
    } else {
      append.replyTo().tell(reply);
    }
    // A sole in-sync replica commits what it writes at once; followers hear of it now.
    advanceHighWatermark();
    return answerParkedFetches();
  }

  /** The error of an append the log refused because of what the batches hold. */
  private static ErrorCode refusedAppendCode(LogException refused) {
    if (refused instanceof OutOfOrderSequenceException) {
      return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
    }
    if (refused instanceof InvalidProducerEpochException) {
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    }
    return refused instanceof InvalidRecordException ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE;
  }

  private Behavior<Command> onReplicaFetch(ReplicaFetch fetch) {
    if (fetch.leaderEpoch() < leaderEpoch) {
      fetch.replyTo().tell(ReplicaFetchReply.failed(ErrorCode.FENCED_LEADER_EPOCH,
          "epoch " + fetch.leaderEpoch() + " is older than " + leaderEpoch));
      return Behaviors.same();
    }
    if (fetch.leaderEpoch() > leaderEpoch) {
      fetch.replyTo().tell(ReplicaFetchReply.failed(ErrorCode.NOT_LEADER_OR_FOLLOWER,
          "this leader is at epoch " + leaderEpoch + ", older than " + fetch.leaderEpoch()));
      return stepDown("a follower fetched at the newer epoch " + fetch.leaderEpoch());
    }
    if (!progress.isReplica(fetch.brokerId())) {
      fetch.replyTo().tell(ReplicaFetchReply.failed(ErrorCode.NOT_LEADER_OR_FOLLOWER,
          "broker " + fetch.brokerId() + " is not a follower of " + key));
      return Behaviors.same();
    }
    Optional<EpochEndOffset> diverging = log.divergingEpoch(fetch.fetchOffset(), fetch.lastFetchedEpoch());
    if (diverging.isPresent()) {
      // Its log end is not ours to count: the follower truncates, then fetches again.
      fetch.replyTo().tell(new ReplicaFetchReply(ByteBuffer.allocate(0), log.highWatermark(), log.logStartOffset(),
          log.logEndOffset(), diverging.get(), ErrorCode.NONE, ""));
      return Behaviors.same();
    }
    if (fetch.fetchOffset() > log.logEndOffset() || fetch.fetchOffset() < log.logStartOffset()) {
      fetch.replyTo().tell(new ReplicaFetchReply(ByteBuffer.allocate(0), log.highWatermark(), log.logStartOffset(),
          log.logEndOffset(), EpochEndOffset.UNDEFINED, ErrorCode.OFFSET_OUT_OF_RANGE, "fetch offset "
          + fetch.fetchOffset() + " is outside [" + log.logStartOffset() + ", " + log.logEndOffset() + "]"));
      return Behaviors.same();
    }
    progress.onFetch(fetch.brokerId(), fetch.fetchOffset(), log.logEndOffset(), nowMs());
    advanceHighWatermark();
    ReplicaFetch previous = parkedFetches.take(fetch.brokerId());
    if (previous != null) {
      Behavior<Command> afterPrevious = answerReplicaFetch(previous);
      if (afterPrevious != Behaviors.<Command>same()) {
        fetch.replyTo().tell(ReplicaFetchReply.failed(recoveringLog().code(), recoveringLog().message()));
        return afterPrevious;
      }
    }
    if (fetch.fetchOffset() == log.logEndOffset() && !fetch.maxWait().isZero()) {
      parkedFetches.park(fetch);
      timers.startSingleTimer(new ReplicaFetchDeadline(fetch.brokerId()), fetch.maxWait());
      return Behaviors.same();
    }
    return answerReplicaFetch(fetch);
  }

  private Behavior<Command> onReplicaFetchDeadline(ReplicaFetchDeadline deadline) {
    ReplicaFetch fetch = parkedFetches.take(deadline.brokerId());
    return fetch == null ? Behaviors.same() : answerReplicaFetch(fetch);
  }

  private Behavior<Command> onLeaderAndIsr(LeaderAndIsr update) {
    ReplicaAssignment assignment = update.assignment();
    if (!update.topicId().equals(topicId) || assignment.leaderEpoch() < leaderEpoch) {
      return Behaviors.same();
    }
    if (assignment.leaderEpoch() == leaderEpoch) {
      // Elected at the epoch it opened with: the push waited in the stash while the log opened.
      timeElection(update);
      if (assignment.partitionEpoch() > partitionEpoch) {
        // The Controller took followers that are not live (leaving, or gone) out of the ISR.
        context.getLog().info("Partition {}: ISR {} -> {} by the Controller (epoch {})", key, progress.isr(),
            assignment.isr(), leaderEpoch);
        progress.isrSuperseded(assignment.isr());
        partitionEpoch = assignment.partitionEpoch();
        advanceHighWatermark();
      }
      return Behaviors.same();
    }
    if (assignment.leader() != config.brokerId()) {
      return stepDown("the Controller elected broker " + assignment.leader() + " at epoch " + assignment.leaderEpoch());
    }
    leaderEpoch = assignment.leaderEpoch();
    try {
      log.startLeaderEpoch(leaderEpoch);
    } catch (IOException e) {
      return storageFailure("recording leader epoch " + leaderEpoch, e, () -> {});
    }
    progress = new ReplicaProgress(config.brokerId(), assignment.replicas(), assignment.isr(), nowMs());
    partitionEpoch = assignment.partitionEpoch();
    timeElection(update);
    context.getLog().info("Partition {}: still leading, now at epoch {} with ISR {}", key, leaderEpoch,
        assignment.isr());
    return Behaviors.same();
  }

  /** This broker serves at the epoch {@code update} elected it at: the election is over. */
  private void timeElection(LeaderAndIsr update) {
    if (update.assignment().leader() == config.brokerId() && leaderEpoch > electionTimedEpoch) {
      electionTimedEpoch = leaderEpoch;
      clusterHealth.leaderServing(update.electedAtMs(), nowMs());
    }
  }

  private Behavior<Command> onIsrTick() {
    waitingAcks.expire(System.nanoTime(), Failure.of(ErrorCode.REQUEST_TIMED_OUT,
        "partition " + key + ": the in-sync replicas did not confirm in time"));
    if (isrChangeInFlight) {
      return Behaviors.same();
    }
    Optional<List<Integer>> proposed =
        progress.proposedIsr(log.highWatermark(), nowMs(), replication.replicaLagTimeMax().toMillis(),
            replication.followerFetchTimeout().toMillis(), parkedFetches.followers(), this::isLive);
    if (proposed.isPresent()) {
      isrChangeInFlight = true;
      List<Integer> isr = proposed.get();
      progress.isrChangeSent(isr);
      AkkaFutures.ask(context, Controller.AlterIsrReply.class, controller, ISR_CHANGE_TIMEOUT,
          replyTo -> new Controller.AlterIsr(key.topic(), key.partition(), config.brokerId(), leaderEpoch,
              partitionEpoch, isr, replyTo),
          IsrAltered::new);
    }
    return Behaviors.same();
  }

  /** Whether the cluster, as this broker sees it, counts {@code broker} as live (asked only to add it to the ISR). */
  private boolean isLive(int broker) {
    return LiveBrokers.electable(Cluster.get(context.getSystem())).contains(broker);
  }

  private Behavior<Command> onIsrAltered(IsrAltered altered) {
    isrChangeInFlight = false;
    if (altered.failure() != null) {
      // No answer: the Controller may still have committed it, so its members stay pending.
      context.getLog().warn("Partition {}: ISR change not confirmed: {}", key, altered.failure().toString());
      return Behaviors.same();
    }
    progress.isrChangeAnswered();
    Controller.AlterIsrReply reply = altered.reply();
    if (reply.failure() != null) {
      if (reply.failure().code() == ErrorCode.FENCED_LEADER_EPOCH) {
        return stepDown(reply.failure().message());
      }
      if (reply.failure().code() == ErrorCode.INELIGIBLE_REPLICA) {
        // The Controller saw the broker go before this one did: asked again once it is back.
        context.getLog().info("Partition {}: ISR change refused: {}", key, reply.failure().message());
        return Behaviors.same();
      }
      context.getLog().warn("Partition {}: ISR change refused: {}", key, reply.failure().message());
      if (reply.failure().code() != ErrorCode.INVALID_UPDATE_VERSION) {
        return Behaviors.same();
      }
      // An earlier change of this leader was committed after all: start again from the Controller's ISR.
    }
    // Not older than what a push from the Controller brought meanwhile.
    if (reply.assignment().leaderEpoch() == leaderEpoch && reply.assignment().partitionEpoch() >= partitionEpoch) {
      progress.setIsr(reply.assignment().isr());
      partitionEpoch = reply.assignment().partitionEpoch();
      advanceHighWatermark();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRead(Read read) {
    Optional<LogReadResult> result = readNow(read);
    if (result.isEmpty()) {
      return Behaviors.same();
    }
    if (result.get().records().hasRemaining() || read.maxWait().isZero()) {
      read.replyTo().tell(readReply(result.get()));
    } else {
      timers.startSingleTimer(new ReadDeadline(waitingReads.park(read)), read.maxWait());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onReadDeadline(ReadDeadline deadline) {
    Read read = waitingReads.take(deadline.readId());
    if (read != null) {
      readNow(read).ifPresent(result -> read.replyTo().tell(readReply(result)));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onListOffsets(ListOffsets request) {
    if (request.timestamp() == ListOffsets.EARLIEST) {
      request.replyTo().tell(new OffsetReply(log.logStartOffset(), -1, null));
    } else if (request.timestamp() == ListOffsets.LATEST) {
      request.replyTo().tell(new OffsetReply(log.highWatermark(), -1, null));
    } else {
      try {
        Optional<TimestampAndOffset> found = request.timestamp() == ListOffsets.MAX_TIMESTAMP
            ? log.offsetOfMaxTimestamp() : log.offsetForTimestamp(request.timestamp());
        request.replyTo().tell(found
            .map(f -> new OffsetReply(f.offset(), f.timestamp(), null))
            .orElse(new OffsetReply(-1, -1, null)));
      } catch (IOException e) {
        return storageFailure("offset lookup", e, () -> request.replyTo().tell(new OffsetReply(-1, -1, storageError(e))));
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onEpochEnd(EpochEnd request) {
    EpochEndOffset end = log.endOffsetForEpoch(request.epoch());
    request.replyTo().tell(new EpochEndReply(end.epoch(), end.endOffset(), null));
    return Behaviors.same();
  }

  private Behavior<Command> onDeleteRecords(DeleteRecords request) {
    long offset = request.offset() == DeleteRecords.HIGH_WATERMARK ? log.highWatermark() : request.offset();
    try {
      request.replyTo().tell(new DeleteRecordsReply(log.deleteRecordsBefore(offset), null));
    } catch (OffsetOutOfRangeException e) {
      request.replyTo().tell(new DeleteRecordsReply(-1, Failure.of(ErrorCode.OFFSET_OUT_OF_RANGE, "cannot delete"
          + " records below " + request.offset() + " of " + key + ": it must be between 0 and the high watermark "
          + log.highWatermark() + ", or -1 for the high watermark")));
    } catch (IOException e) {
      return storageFailure("deleting records", e, () -> request.replyTo().tell(new DeleteRecordsReply(-1, storageError(e))));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDescribe(Describe describe) {
    describe.replyTo().tell(new Status(log.logStartOffset(), log.highWatermark(), log.logEndOffset(),
        log.sizeInBytes(), log.numberOfSegments(), log.cleanedOffset(), log.dirtyRatio(), null));
    return Behaviors.same();
  }

  private Behavior<Command> onConfigChanged(ConfigChanged change) {
    if (!change.topicId().equals(topicId)) {
      return Behaviors.same();
    }
    try {
      logConfig = LogConfig.fromMap(change.overrides(), config.topicDefaults());
      log.updateConfig(logConfig);
      context.getLog().info("Partition {}: config overrides now {}", key, change.overrides());
    } catch (InvalidConfigException e) {
      // The Controller validated these; a mismatch means broker defaults differ between nodes.
      context.getLog().error("Partition {}: rejected config overrides {}: {}", key, change.overrides(), e.getMessage());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDeleteLog(DeleteLog delete) {
    if (!delete.topicId().equals(topicId)) {
      return Behaviors.same();
    }
    Failure gone = unknownPartition();
    waitingReads.failAll(gone);
    stopServingReads();
    LocalLogCleaner.get(context.getSystem()).deregister(log);
    try {
      log.closeAndDelete();
      context.getLog().info("Partition {}: deleted with its topic", key);
    } catch (IOException e) {
      context.getLog().error("Partition {}: could not delete all of {}", key, dir(), e);
    }
    log = null;
    return passivate(gone);
  }

  private Behavior<Command> onRetentionTick() {
    try {
      int expired = log.removeExpiredProducers(config.producerIdExpiration().toMillis());
      if (expired > 0) {
        context.getLog().info("Partition {}: forgot {} idempotent producer(s) idle for {}", key, expired,
            config.producerIdExpiration());
      }
      int deleted = log.deleteRetainedSegments();
      if (deleted > 0) {
        context.getLog().info("Partition {}: retention deleted {} segment(s); log start offset now {}",
            key, deleted, log.logStartOffset());
      }
    } catch (IOException e) {
      return storageFailure("retention", e, () -> {});
    }
    return Behaviors.same();
  }

  private Behavior<Command> onFlushTick() {
    try {
      log.flushIfDue();
    } catch (IOException e) {
      return storageFailure("flush", e, () -> {});
    }
    return Behaviors.same();
  }

  private Behavior<Command> onPostStop(PostStop signal) {
    Failure gone = Failure.of(ErrorCode.NOT_LEADER_OR_FOLLOWER, "partition " + key + " stopped leading here");
    waitingAcks.failAll(gone);
    parkedFetches.failAll(ErrorCode.NOT_LEADER_OR_FOLLOWER, gone.message());
    // Stopped while loading (a hand-off) or with long polls open: every request gets an answer.
    waitingReads.failAll(gone);
    stash.forEach(command -> fail(command, gone));
    stash.clear();
    stopServingReads();
    if (log != null) {
      LocalLogCleaner.get(context.getSystem()).deregister(log);
      try {
        log.close();
      } catch (IOException e) {
        context.getLog().error("Partition {}: clean close failed; the next start recovers the log", key, e);
      }
    }
    if (logHandedOver) {
      replicaManager.tell(new ReplicaManager.ReleaseLog(key));
    }
    return Behaviors.same();
  }

  // ---- helpers --------------------------------------------------------------------------

  /**
   * This broker no longer leads at the current epoch: passivate; stopping fails what waits
   * here and gives the log back to the replica manager (which starts a follower if this
   * broker is one). The next request recreates the entity, which asks the Controller again.
   */
  private Behavior<Command> stepDown(String why) {
    context.getLog().info("Partition {}: stepping down from epoch {}: {}", key, leaderEpoch, why);
    return passivate(Failure.of(ErrorCode.NOT_LEADER_OR_FOLLOWER,
        "broker " + config.brokerId() + " no longer leads " + key + ": " + why));
  }

  /** From now on reads come here, where they find out that this leader is going away. */
  private void stopServingReads() {
    if (log != null) {
      localLogs.stoppedServing(key, log);
    }
  }

  /** Moves the high watermark to the smallest log end in the ISR; completes what it passed. */
  private void advanceHighWatermark() {
    long hw = progress.highWatermark(log.logEndOffset(), log.highWatermark());
    if (hw > log.highWatermark()) {
      log.updateHighWatermark(hw);
    }
    // The ISR shrank while the writes waited: fewer copies than promised exist, so they are
    // not acknowledged, as in Kafka; a retry may duplicate them.
    waitingAcks.answerCommitted(log.highWatermark(),
        progress.isr().size() < logConfig.minInsyncReplicas() ? tooFewInSync : null);
    answerWaitingReads();
  }

  private Failure tooFewInSync(AppendReply written) {
    return Failure.of(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, "partition " + key + " wrote offsets "
        + written.baseOffset() + ".." + written.lastOffset() + " but its ISR " + progress.isr()
        + " fell below min.insync.replicas " + logConfig.minInsyncReplicas());
  }

  /** Answers the parked fetches the log grew past; after a storage failure, the behaviour recovering it. */
  private Behavior<Command> answerParkedFetches() {
    ReplicaFetch fetch;
    while ((fetch = parkedFetches.takeOneBehind(log.logEndOffset())) != null) {
      timers.cancel(new ReplicaFetchDeadline(fetch.brokerId()));
      Behavior<Command> next = answerReplicaFetch(fetch);
      if (next != Behaviors.<Command>same()) {
        return next;
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> answerReplicaFetch(ReplicaFetch fetch) {
    try {
      LogReadResult result =
          log.read(fetch.fetchOffset(), Math.min(fetch.maxBytes(), replication.fetchMaxBytes()), log.logEndOffset());
      fetch.replyTo().tell(new ReplicaFetchReply(result.records(), log.highWatermark(), log.logStartOffset(),
          log.logEndOffset(), EpochEndOffset.UNDEFINED, ErrorCode.NONE, ""));
    } catch (OffsetOutOfRangeException e) {
      fetch.replyTo().tell(ReplicaFetchReply.failed(ErrorCode.OFFSET_OUT_OF_RANGE, e.getMessage()));
    } catch (IOException e) {
      return storageFailure("replica fetch", e,
          () -> fetch.replyTo().tell(ReplicaFetchReply.failed(ErrorCode.KAFKA_STORAGE_ERROR, e.getMessage())));
    }
    return Behaviors.same();
  }

  /** Often enough to notice a silent follower within a quarter of its timeout. */
  private Duration isrCheckInterval() {
    Duration half = replication.replicaLagTimeMax().dividedBy(2);
    Duration quarter = replication.followerFetchTimeout().dividedBy(4);
    Duration interval = half.compareTo(quarter) < 0 ? half : quarter;
    return interval.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : interval;
  }

  private static long nowMs() {
    return System.currentTimeMillis();
  }

  /** The read's result, or empty after answering it with an error. */
  private Optional<LogReadResult> readNow(Read read) {
    try {
      return Optional.of(log.read(read.offset(), read.maxBytes(), log.highWatermark()));
    } catch (OffsetOutOfRangeException e) {
      read.replyTo().tell(LeaderRefusals.readFailed(new Failure(ErrorCode.OFFSET_OUT_OF_RANGE, e.getMessage(), Map.of(
          "log_start_offset", Long.toString(e.logStartOffset()),
          "log_end_offset", Long.toString(e.logEndOffset())))));
    } catch (IOException e) {
      read.replyTo().tell(LeaderRefusals.readFailed(storageError(e)));
      context.getLog().error("Partition {}: read at offset {} failed", key, read.offset(), e);
    }
    return Optional.empty();
  }

  private void answerWaitingReads() {
    waitingReads.takeReadable(log.highWatermark(), (id, read) -> {
      timers.cancel(new ReadDeadline(id));
      readNow(read).ifPresent(result -> read.replyTo().tell(readReply(result)));
    });
  }

  /**
   * A disk failure leaves the log in an unknown state: answer, then passivate so that the
   * next request reopens (and recovers) the log rather than appending after a partial write.
   */
  private Behavior<Command> storageFailure(String operation, IOException e, Runnable answer) {
    context.getLog().error("Partition {}: {} failed; closing the log for recovery", key, operation, e);
    answer.run();
    return passivate(recoveringLog());
  }

  private Failure recoveringLog() {
    return Failure.of(ErrorCode.LEADER_NOT_AVAILABLE, "partition " + key + " is recovering its log");
  }

  private ReadReply readReply(LogReadResult result) {
    return new ReadReply(result.records(), result.nextOffset(), result.highWatermark(), result.logStartOffset(),
        result.logEndOffset(), null);
  }

  private Failure storageError(IOException e) {
    return Failure.of(ErrorCode.KAFKA_STORAGE_ERROR, "partition " + key + ": " + e.getMessage());
  }

  private Failure unknownPartition() {
    return Failure.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic partition " + key + " does not exist");
  }

  /** Answers a request that cannot be served; messages without a reply are dropped. */
  private void fail(Command command, Failure failure) {
    LeaderRefusals.refuse(key, command, failure);
  }

  private java.nio.file.Path dir() {
    return config.partitionDir(key.topic(), key.partition());
  }

  private void removeData(String expectedTopicId) {
    try {
      PartitionDirectory.removeIfOwnedBy(dir(), expectedTopicId);
    } catch (IOException e) {
      context.getLog().error("Partition {}: could not remove leftover data in {}", key, dir(), e);
    }
  }
}
