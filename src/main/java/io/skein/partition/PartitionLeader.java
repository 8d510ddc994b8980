package io.skein.partition;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import io.skein.cluster.Controller;
import io.skein.common.CborSerializable;
import io.skein.common.Failure;
import io.skein.log.CorruptRecordException;
import io.skein.log.InvalidConfigException;
import io.skein.log.Log;
import io.skein.log.LogAppendInfo;
import io.skein.log.LogConfig;
import io.skein.log.LogReadResult;
import io.skein.log.OffsetOutOfRangeException;
import io.skein.log.RecordTooLargeException;
import io.skein.log.TimestampAndOffset;
import io.skein.node.BrokerConfig;
import io.skein.proto.v1.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The leader of one partition: a Cluster Sharding entity (id {@code topic-partition}) that
 * owns the partition's {@link Log} writer. It runs on the log dispatcher, so its blocking
 * file I/O never holds Akka's default threads. Reads that find no data wait here (long
 * poll) until an append or their deadline.
 *
 * <p>On start it asks the Controller for the topic (id, config overrides, leader epoch) and
 * stashes requests until the log is open. A partition whose topic no longer exists answers
 * UNKNOWN_TOPIC_OR_PARTITION, removes leftover data and stops.
 */
public final class PartitionLeader {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "partition");

  private static final int STASH_CAPACITY = 10_000;
  private static final Duration CONTROLLER_TIMEOUT = Duration.ofSeconds(10);

  // ---- protocol -------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Open the log now (recovering it if needed) and answer when it serves. */
  public record Open(ActorRef<Opened> replyTo) implements Command {}

  /** Append Kafka v2 batches (offsets are assigned here). */
  public record Append(ByteBuffer records, ActorRef<AppendReply> replyTo) implements Command {}

  /** Read whole batches from {@code offset}, waiting up to {@code maxWait} for data. */
  public record Read(long offset, int maxBytes, Duration maxWait, ActorRef<ReadReply> replyTo)
      implements Command {}

  /** Earliest ({@link #EARLIEST}), latest ({@link #LATEST}) or first offset at a timestamp. */
  public record ListOffsets(long timestamp, ActorRef<OffsetReply> replyTo) implements Command {
    public static final long EARLIEST = -2;
    public static final long LATEST = -1;
  }

  public record Describe(ActorRef<Status> replyTo) implements Command {}

  /** Pushed by the Controller after it persisted new config overrides. */
  public record ConfigChanged(String topicId, Map<String, String> overrides) implements Command {}

  /** Pushed by the Controller after it persisted the topic's deletion. */
  public record DeleteLog(String topicId) implements Command {}

  private record Initialized(Controller.TopicReply reply, Throwable failure) implements Command {}

  private record ReadDeadline(long readId) implements Command {}

  private enum Tick implements Command {
    RETENTION,
    FLUSH
  }

  public record Opened(PartitionKey key, Failure failure) implements CborSerializable {}

  public record AppendReply(long baseOffset, long lastOffset, long logAppendTime, long logStartOffset, Failure failure)
      implements CborSerializable {}

  public record ReadReply(
      ByteBuffer records, long nextOffset, long highWatermark, long logStartOffset, long logEndOffset, Failure failure)
      implements CborSerializable {}

  public record OffsetReply(long offset, long timestamp, Failure failure) implements CborSerializable {}

  public record Status(
      long logStartOffset, long highWatermark, long logEndOffset, long sizeBytes, int segments, Failure failure)
      implements CborSerializable {}

  // ---- setup ----------------------------------------------------------------------------

  public static void initSharding(ActorSystem<?> system, BrokerConfig config, ActorRef<Controller.Command> controller) {
    ClusterSharding.get(system)
        .init(
            Entity.of(TYPE_KEY, ctx -> create(PartitionKey.fromEntityId(ctx.getEntityId()), config, controller, ctx.getShard()))
                .withMessageExtractor(new ShardPerEntity<Command>())
                .withEntityProps(DispatcherSelector.fromConfig("skein-log-dispatcher"))
                // A partition leader holds an open log, retention timers and waiting readers:
                // it lives as long as its node leads the partition.
                .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  public static Behavior<Command> create(
      PartitionKey key,
      BrokerConfig config,
      ActorRef<Controller.Command> controller,
      ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.withStash(
        STASH_CAPACITY,
        stash ->
            Behaviors.withTimers(
                timers ->
                    Behaviors.setup(
                        context -> new PartitionLeader(key, config, context, stash, timers, shard)
                            .initializing(controller))));
  }

  private final PartitionKey key;
  private final BrokerConfig config;
  private final ActorContext<Command> context;
  private final StashBuffer<Command> stash;
  private final TimerScheduler<Command> timers;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Map<Long, Read> waitingReads = new HashMap<>();
  private long nextReadId;

  private Log log;
  private String topicId;
  private int leaderEpoch;

  private PartitionLeader(
      PartitionKey key,
      BrokerConfig config,
      ActorContext<Command> context,
      StashBuffer<Command> stash,
      TimerScheduler<Command> timers,
      ActorRef<ClusterSharding.ShardCommand> shard) {
    this.key = key;
    this.config = config;
    this.context = context;
    this.stash = stash;
    this.timers = timers;
    this.shard = shard;
  }

  // ---- initializing ---------------------------------------------------------------------

  private Behavior<Command> initializing(ActorRef<Controller.Command> controller) {
    context.ask(
        Controller.TopicReply.class,
        controller,
        CONTROLLER_TIMEOUT,
        replyTo -> new Controller.GetTopic(key.topic(), replyTo),
        Initialized::new);
    return Behaviors.receive(Command.class)
        .onMessage(Initialized.class, this::onInitialized)
        .onMessage(DeleteLog.class, this::onDeleteBeforeOpen)
        .onMessage(Command.class, this::stashUntilOpen)
        .build();
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
    Controller.Topic topic = initialized.reply().topic();
    if (topic == null || key.partition() >= topic.partitions().size()) {
      removeData(PartitionDirectory.ANY_TOPIC_ID);
      return failStashedAndStop(unknownPartition());
    }
    try {
      LogConfig logConfig = LogConfig.fromMap(topic.configs(), config.topicDefaults());
      PartitionDirectory.claim(dir(), topic.topicId());
      log = Log.open(dir(), logConfig, Clock.systemUTC());
    } catch (IOException | RuntimeException e) {
      context.getLog().error("Partition {}: cannot open its log in {}", key, dir(), e);
      return failStashedAndStop(Failure.of(ErrorCode.KAFKA_STORAGE_ERROR,
          "partition " + key + " cannot open its log: " + e.getMessage()));
    }
    topicId = topic.topicId();
    leaderEpoch = topic.partitions().get(key.partition()).leaderEpoch();
    // Sole in-sync replica: everything in the log is committed, including what was
    // written after the last high-watermark checkpoint before a crash.
    log.updateHighWatermark(log.logEndOffset());
    timers.startTimerWithFixedDelay(Tick.RETENTION, config.retentionCheckInterval());
    timers.startTimerWithFixedDelay(Tick.FLUSH, config.flushCheckInterval());
    context.getLog().info("Partition {}: serving, log offsets [{}, {})", key, log.logStartOffset(), log.logEndOffset());
    return stash.unstashAll(serving());
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
        .onMessage(Read.class, this::onRead)
        .onMessage(ReadDeadline.class, this::onReadDeadline)
        .onMessage(ListOffsets.class, this::onListOffsets)
        .onMessage(Describe.class, this::onDescribe)
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
    LogAppendInfo info;
    try {
      info = log.appendAsLeader(org.apache.kafka.common.record.MemoryRecords.readableRecords(append.records()), leaderEpoch);
    } catch (RecordTooLargeException e) {
      append.replyTo().tell(appendFailed(new Failure(ErrorCode.RECORD_TOO_LARGE, e.getMessage(),
          Map.of("max_message_bytes", Integer.toString(e.maxMessageBytes())))));
      return Behaviors.same();
    } catch (CorruptRecordException e) {
      append.replyTo().tell(appendFailed(Failure.of(ErrorCode.CORRUPT_MESSAGE, e.getMessage())));
      return Behaviors.same();
    } catch (IOException e) {
      return storageFailure("append", e, () -> append.replyTo().tell(appendFailed(storageError(e))));
    }
    // Sole in-sync replica: the append is committed as soon as it is written.
    log.updateHighWatermark(log.logEndOffset());
    append.replyTo().tell(new AppendReply(info.firstOffset(), info.lastOffset(), info.logAppendTime(), log.logStartOffset(), null));
    answerWaitingReads();
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
      long readId = nextReadId++;
      waitingReads.put(readId, read);
      timers.startSingleTimer(new ReadDeadline(readId), read.maxWait());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onReadDeadline(ReadDeadline deadline) {
    Read read = waitingReads.remove(deadline.readId());
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
        Optional<TimestampAndOffset> found = log.offsetForTimestamp(request.timestamp());
        request.replyTo().tell(found
            .map(f -> new OffsetReply(f.offset(), f.timestamp(), null))
            .orElse(new OffsetReply(-1, -1, null)));
      } catch (IOException e) {
        return storageFailure("offset lookup", e, () -> request.replyTo().tell(new OffsetReply(-1, -1, storageError(e))));
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDescribe(Describe describe) {
    describe.replyTo().tell(new Status(log.logStartOffset(), log.highWatermark(), log.logEndOffset(),
        log.sizeInBytes(), log.numberOfSegments(), null));
    return Behaviors.same();
  }

  private Behavior<Command> onConfigChanged(ConfigChanged change) {
    if (!change.topicId().equals(topicId)) {
      return Behaviors.same();
    }
    try {
      log.updateConfig(LogConfig.fromMap(change.overrides(), config.topicDefaults()));
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
    waitingReads.values().forEach(read -> read.replyTo().tell(readFailed(gone)));
    waitingReads.clear();
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
    if (log != null) {
      try {
        log.close();
      } catch (IOException e) {
        context.getLog().error("Partition {}: clean close failed; the next start recovers the log", key, e);
      }
    }
    return Behaviors.same();
  }

  // ---- helpers --------------------------------------------------------------------------

  /** The read's result, or empty after answering it with an error. */
  private Optional<LogReadResult> readNow(Read read) {
    try {
      return Optional.of(log.read(read.offset(), read.maxBytes(), log.highWatermark()));
    } catch (OffsetOutOfRangeException e) {
      read.replyTo().tell(readFailed(new Failure(ErrorCode.OFFSET_OUT_OF_RANGE, e.getMessage(), Map.of(
          "log_start_offset", Long.toString(e.logStartOffset()),
          "log_end_offset", Long.toString(e.logEndOffset())))));
    } catch (IOException e) {
      read.replyTo().tell(readFailed(storageError(e)));
      context.getLog().error("Partition {}: read at offset {} failed", key, read.offset(), e);
    }
    return Optional.empty();
  }

  private void answerWaitingReads() {
    Iterator<Map.Entry<Long, Read>> waiting = waitingReads.entrySet().iterator();
    while (waiting.hasNext()) {
      Map.Entry<Long, Read> entry = waiting.next();
      Read read = entry.getValue();
      if (read.offset() < log.highWatermark()) {
        waiting.remove();
        timers.cancel(new ReadDeadline(entry.getKey()));
        readNow(read).ifPresent(result -> read.replyTo().tell(readReply(result)));
      }
    }
  }

  /**
   * A disk failure leaves the log in an unknown state: answer, then passivate so that the
   * next request reopens (and recovers) the log rather than appending after a partial write.
   */
  private Behavior<Command> storageFailure(String operation, IOException e, Runnable answer) {
    context.getLog().error("Partition {}: {} failed; closing the log for recovery", key, operation, e);
    answer.run();
    return passivate(Failure.of(ErrorCode.LEADER_NOT_AVAILABLE, "partition " + key + " is recovering its log"));
  }

  private ReadReply readReply(LogReadResult result) {
    return new ReadReply(result.records(), result.nextOffset(), result.highWatermark(), result.logStartOffset(),
        result.logEndOffset(), null);
  }

  private static ReadReply readFailed(Failure failure) {
    return new ReadReply(null, -1, -1, -1, -1, failure);
  }

  private static AppendReply appendFailed(Failure failure) {
    return new AppendReply(-1, -1, -1, -1, failure);
  }

  private Failure storageError(IOException e) {
    return Failure.of(ErrorCode.KAFKA_STORAGE_ERROR, "partition " + key + ": " + e.getMessage());
  }

  private Failure unknownPartition() {
    return Failure.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic partition " + key + " does not exist");
  }

  /** Answers a request that cannot be served; messages without a reply are dropped. */
  private void fail(Command command, Failure failure) {
    if (command instanceof Open open) {
      open.replyTo().tell(new Opened(key, failure));
    } else if (command instanceof Append append) {
      append.replyTo().tell(appendFailed(failure));
    } else if (command instanceof Read read) {
      read.replyTo().tell(readFailed(failure));
    } else if (command instanceof ListOffsets list) {
      list.replyTo().tell(new OffsetReply(-1, -1, failure));
    } else if (command instanceof Describe describe) {
      describe.replyTo().tell(new Status(-1, -1, -1, -1, 0, failure));
    }
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
