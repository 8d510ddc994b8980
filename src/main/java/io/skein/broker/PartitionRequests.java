package io.skein.broker;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.skein.cluster.LeaderLocations;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.log.LogReadResult;
import io.skein.log.LogSlice;
import io.skein.metadata.PartitionKey;
import io.skein.metrics.BatchRecordCount;
import io.skein.metrics.MetricsSetup;
import io.skein.metrics.TopicMetrics;
import io.skein.partition.LeaderRef;
import io.skein.partition.PartitionLeader;
import io.skein.partition.PartitionRouter;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.ResourceType;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * Produce, fetch and offset look-ups on partitions, for any protocol. A request refused
 * before it goes anywhere throws a {@link FailureException}; one refused later fails its
 * stage with one. Record bytes stay Kafka v2 batches throughout: plain records are packed
 * into one before anything else sees them.
 */
public final class PartitionRequests {

  /** Kafka's offset specs: the log start, and the end (the high watermark). */
  public static final long EARLIEST = PartitionLeader.ListOffsets.EARLIEST;
  public static final long LATEST = PartitionLeader.ListOffsets.LATEST;
  /** KIP-734: the record with the largest timestamp. */
  public static final long MAX_TIMESTAMP = PartitionLeader.ListOffsets.MAX_TIMESTAMP;

  /** What a fetch returns when the request sets no limit (max bytes 0). */
  public static final int DEFAULT_MAX_BYTES = 1 << 20;

  /** Where a batch was stored; -1 everywhere for acks=0, which is not answered. */
  public record Appended(long baseOffset, long lastOffset, long logAppendTime, long logStartOffset) {}

  /** Committed batches from a fetch offset, and where the next fetch starts. */
  public record Fetched(ByteBuffer records, long nextOffset, long highWatermark, long logStartOffset) {}

  /** Where a leader epoch ends in the leader's log: the largest epoch at or below the one asked for, and its end. */
  public record EpochEnd(int epoch, long endOffset) {}

  /** An offset look-up's answer: the offset, and the timestamp of its record where it was found by time. */
  public record OffsetFound(long offset, long timestamp) {}

  /** A partition's leader and the epoch it leads at. */
  public record CurrentLeader(int broker, int leaderEpoch) {}

  private static final Appended NOT_ANSWERED = new Appended(-1, -1, -1, -1);

  private final PartitionRouter router;
  private final LeaderLocations leaders;
  private final RequestSettings settings;
  private final ActorRef<PartitionLeader.AppendReply> ignore;
  private final TopicMetrics topicMetrics;
  private final MultiFetch multiFetch = new MultiFetch(this);
  private final Access access;

  PartitionRequests(ActorSystem<?> system, RequestSettings settings, Access access) {
    this.access = access;
    this.router = new PartitionRouter(system, DEFAULT_MAX_BYTES);
    this.leaders = LeaderLocations.get(system);
    this.settings = settings;
    this.ignore = system.ignoreRef();
    this.topicMetrics = MetricsSetup.metricsOf(system).topics();
  }

  /**
   * Appends {@code records} with {@code acks} 0, 1 or -1 (all); a timeout of 0 is the broker's.
   * Needs WRITE on the topic.
   */
  public CompletionStage<Appended> produce(Caller caller, String topic, int partition, int acks, int timeoutMs,
      ByteBuffer records) {
    access.check(caller, Operation.WRITE, ResourceType.TOPIC, topic);
    LeaderRef leader = router.leaderOf(topic, partition);
    if (acks != 0 && acks != 1 && acks != PartitionLeader.Append.ACKS_ALL) {
      throw new FailureException(ErrorCode.INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1 (all), was " + acks);
    }
    if (timeoutMs < 0) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "timeout_ms must be >= 0, was " + timeoutMs);
    }
    if (!records.hasRemaining()) {
      throw new FailureException(ErrorCode.CORRUPT_MESSAGE, "the request holds no record batch");
    }
    // The leader assigns offsets in place, so it needs its own writable copy of the bytes.
    ByteBuffer copy = PartitionLeader.Append.buffers().acquire(records.remaining());
    copy.put(records.duplicate()).flip();
    long recordCount = BatchRecordCount.of(copy);
    int bytes = copy.remaining();
    if (acks == 0) {
      leader.tell(new PartitionLeader.Append(copy, ignore));
      topicMetrics.produced(topic, recordCount, bytes);
      return CompletableFuture.completedFuture(NOT_ANSWERED);
    }
    Duration timeout = timeoutMs == 0 ? settings.requestTimeout() : Duration.ofMillis(timeoutMs);
    return leader.<PartitionLeader.AppendReply>ask(replyTo -> new PartitionLeader.Append(copy, acks, replyTo), timeout)
        .thenApply(reply -> {
          Answers.throwIfFailed(reply.failure());
          topicMetrics.produced(topic, recordCount, bytes);
          return new Appended(reply.baseOffset(), reply.lastOffset(), reply.logAppendTime(), reply.logStartOffset());
        });
  }

  /**
   * Packs plain records into one Kafka v2 batch (CreateTime, no producer id) compressed with
   * {@code compression}, and appends it as {@link #produce(Caller, String, int, int, int, ByteBuffer)}
   * does. A record's timestamp 0 is the time of packing; a negative one is refused.
   */
  public CompletionStage<Appended> produce(Caller caller, String topic, int partition, int acks, int timeoutMs,
      CompressionType compression, List<SimpleRecord> records) {
    access.check(caller, Operation.WRITE, ResourceType.TOPIC, topic);
    if (records.isEmpty()) {
      throw new FailureException(ErrorCode.CORRUPT_MESSAGE, "the request holds no record");
    }
    int estimate = AbstractRecords.estimateSizeInBytes(RecordBatch.CURRENT_MAGIC_VALUE, compression, records);
    MemoryRecordsBuilder batch = MemoryRecords.builder(ByteBuffer.allocate(estimate),
        Compression.of(compression).build(), TimestampType.CREATE_TIME, 0L);
    long now = System.currentTimeMillis();
    for (SimpleRecord record : records) {
      if (record.timestamp() < 0) {
        throw new FailureException(ErrorCode.INVALID_REQUEST,
            "a record's timestamp must be >= 0, was " + record.timestamp());
      }
      batch.append(record.timestamp() == 0 ? now : record.timestamp(), record.key(), record.value(), record.headers());
    }
    return produce(caller, topic, partition, acks, timeoutMs, batch.build().buffer());
  }

  /**
   * Committed batches from {@code offset}: read on this thread where this node leads the
   * partition and has some, else by the leader, which waits up to {@code maxWaitMs} (at most
   * the broker's limit) for new data. {@code deliver} gets them once, and only during that
   * call may it use the records: a local read's buffer is taken back after it. Needs READ on
   * the topic.
   */
  public CompletionStage<Void> fetch(Caller caller, String topic, int partition, long offset, int maxBytes,
      long maxWaitMs, Consumer<Fetched> deliver) {
    if (maxWaitMs < 0) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "max_wait_ms must be >= 0, was " + maxWaitMs);
    }
    int limit = maxBytes(maxBytes);
    if (readNow(caller, topic, partition, offset, limit, deliver)) {
      return CompletableFuture.completedFuture(null);
    }
    return leader(topic, partition).read(offset, limit, longPollWait(maxWaitMs)).thenAccept(deliver);
  }

  /**
   * Committed batches of several partitions with one long poll: see {@link MultiFetch}. A topic
   * without READ fails its partitions' results.
   */
  public CompletionStage<List<MultiFetch.Result>> fetch(Caller caller, List<MultiFetch.Wanted> wanted, int maxBytes,
      long maxWaitMs) {
    if (maxWaitMs < 0) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "max_wait_ms must be >= 0, was " + maxWaitMs);
    }
    return multiFetch.fetch(caller, wanted, maxBytes, maxWaitMs);
  }

  /** How long a fetch asking to wait {@code maxWaitMs} for data waits: at most the broker's limit. */
  public Duration longPollWait(long maxWaitMs) {
    return min(Duration.ofMillis(maxWaitMs), settings.maxFetchWait());
  }

  /**
   * Delivers committed batches at once if this node leads the partition and has some; false if
   * not. Needs READ on the topic.
   */
  public boolean readNow(Caller caller, String topic, int partition, long offset, int maxBytes,
      Consumer<Fetched> deliver) {
    access.check(caller, Operation.READ, ResourceType.TOPIC, topic);
    Optional<LogReadResult> local = router.readLocally(topic, partition, offset, maxBytes);
    if (local.isEmpty()) {
      return false;
    }
    LogReadResult read = local.get();
    topicMetrics.fetched(topic, read.records());
    try {
      deliver.accept(new Fetched(read.records(), read.nextOffset(), read.highWatermark(), read.logStartOffset()));
    } finally {
      router.release(read.records());
    }
    return true;
  }

  /**
   * Committed batches as a span of the segment file, if this node leads the partition and has
   * some at {@code offset}: for a transport that sends file bytes without copying them. The caller
   * releases the slice once sent or dropped. Needs READ on the topic.
   */
  public Optional<LogSlice> sliceNow(Caller caller, String topic, int partition, long offset, int maxBytes) {
    access.check(caller, Operation.READ, ResourceType.TOPIC, topic);
    Optional<LogSlice> slice = router.sliceLocally(topic, partition, offset, maxBytes);
    slice.ifPresent(found -> topicMetrics.fetched(topic, found.nextOffset() - found.firstBatchBaseOffset(),
        found.size()));
    return slice;
  }

  /**
   * The partition's leader epoch as the Controller last announced it to this node, for clients
   * that fence their requests by epoch (KIP-320); empty if this node has not heard of it.
   */
  public OptionalInt leaderEpoch(String topic, int partition) {
    return leaders.leaderEpoch(new PartitionKey(topic, partition));
  }

  /**
   * The partition's leader as the Controller last announced it to this node, for answers that
   * tell a client where to retry (KIP-951); empty if it has none or this node has not heard of it.
   */
  public Optional<CurrentLeader> currentLeader(String topic, int partition) {
    return leaders.assignment(new PartitionKey(topic, partition))
        .filter(assignment -> assignment.leader() >= 0)
        .map(assignment -> new CurrentLeader(assignment.leader(), assignment.leaderEpoch()));
  }

  /**
   * Deletes a partition's records below {@code offset} (-1: below the high watermark) at its
   * leader; answers with the log start offset afterwards. OFFSET_OUT_OF_RANGE above the high
   * watermark. Followers keep their copies until retention removes them. Needs DELETE on the topic.
   */
  public CompletionStage<Long> deleteRecords(Caller caller, String topic, int partition, long offset) {
    access.check(caller, Operation.DELETE, ResourceType.TOPIC, topic);
    return router.leaderOf(topic, partition).<PartitionLeader.DeleteRecordsReply>ask(
            replyTo -> new PartitionLeader.DeleteRecords(offset, replyTo), settings.requestTimeout())
        .thenApply(reply -> {
          Answers.throwIfFailed(reply.failure());
          return reply.lowWatermark();
        });
  }

  /** The leader of a partition, found once, for a stream of reads from it. */
  public Leader leader(String topic, int partition) {
    return new Leader(topic, router.leaderOf(topic, partition));
  }

  /**
   * The leader of a partition, for {@code caller}'s questions about its offsets (ListOffsets,
   * OffsetForLeaderEpoch): needs DESCRIBE on the topic.
   */
  public Leader describer(Caller caller, String topic, int partition) {
    access.check(caller, Operation.DESCRIBE, ResourceType.TOPIC, topic);
    return leader(topic, partition);
  }

  /** The leader of a partition, for a stream of reads from it by {@code caller}: needs READ on the topic. */
  public Leader reader(Caller caller, String topic, int partition) {
    access.check(caller, Operation.READ, ResourceType.TOPIC, topic);
    return leader(topic, partition);
  }

  /**
   * A fetch's byte limit: 0 asks for the default, and no fetch returns more than the
   * broker's limit (but always one whole batch, however large).
   */
  public int maxBytes(int requested) {
    if (requested < 0) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "max_bytes must be >= 0, was " + requested);
    }
    return requested == 0 ? DEFAULT_MAX_BYTES : Math.min(requested, settings.maxFetchBytes());
  }

  /** Requests to one partition's leader, wherever sharding runs it. */
  public final class Leader {
    private final String topic;
    private final LeaderRef leader;

    private Leader(String topic, LeaderRef leader) {
      this.topic = topic;
      this.leader = leader;
    }

    /** Batches from {@code offset}, waiting up to {@code wait} for some; times out a request timeout later. */
    public CompletionStage<Fetched> read(long offset, int maxBytes, Duration wait) {
      return leader.<PartitionLeader.ReadReply>ask(
              replyTo -> new PartitionLeader.Read(offset, maxBytes, wait, replyTo), wait.plus(settings.requestTimeout()))
          .thenApply(reply -> {
            Answers.throwIfFailed(reply.failure());
            topicMetrics.fetched(topic, reply.records());
            return new Fetched(reply.records(), reply.nextOffset(), reply.highWatermark(), reply.logStartOffset());
          });
    }

    /**
     * The offset of {@link #EARLIEST}, {@link #LATEST}, {@link #MAX_TIMESTAMP} or of the first
     * record at or after a timestamp.
     */
    public CompletionStage<OffsetFound> offsetFor(long spec) {
      return leader.<PartitionLeader.OffsetReply>ask(
              replyTo -> new PartitionLeader.ListOffsets(spec, replyTo), settings.requestTimeout())
          .thenApply(reply -> {
            Answers.throwIfFailed(reply.failure());
            return new OffsetFound(reply.offset(), reply.timestamp());
          });
    }

    /** KIP-279: where {@code epoch} ends in the leader's log, for a client validating its position. */
    public CompletionStage<EpochEnd> endOffsetForEpoch(int epoch) {
      return leader.<PartitionLeader.EpochEndReply>ask(
              replyTo -> new PartitionLeader.EpochEnd(epoch, replyTo), settings.requestTimeout())
          .thenApply(reply -> {
            Answers.throwIfFailed(reply.failure());
            return new EpochEnd(reply.epoch(), reply.endOffset());
          });
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
