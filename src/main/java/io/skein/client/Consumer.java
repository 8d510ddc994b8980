package io.skein.client;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.ListOffsetsResponse;
import io.skein.proto.v1.OffsetSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads records from assigned partitions. Not thread-safe: use it from one thread, as a
 * Kafka consumer. Each assigned partition has at most one Fetch outstanding at a time (a
 * long poll of {@code fetch.max.wait.ms}), sent as soon as the records of the previous one
 * are handed out, so {@link #poll} usually finds data waiting while memory stays bounded by
 * about {@code max.partition.fetch.bytes} per partition.
 *
 * <p>Configs: {@code bootstrap.servers} (required), {@code fetch.max.wait.ms} (500),
 * {@code max.partition.fetch.bytes} (1 MiB), {@code max.poll.records} (500),
 * {@code auto.offset.reset} (earliest|latest|none, default latest, used when a partition
 * has no position), {@code request.timeout.ms} (30000), {@code retry.backoff.ms} (100),
 * {@code metadata.max.age.ms}, {@code client.id}.
 */
public final class Consumer<K, V> implements AutoCloseable {

  private enum ResetStrategy {
    EARLIEST,
    LATEST,
    NONE
  }

  /** What this consumer knows of one assigned partition. */
  private static final class PartitionState {
    final TopicPartition partition;
    /** The offset of the next record to return; -1 until known. */
    long position = -1;
    /** A seekToBeginning/End not resolved to an offset yet. */
    OffsetSpec pendingReset;
    /** Bumped by every seek, so answers to fetches sent before it are dropped. */
    int epoch;
    boolean fetchInFlight;
    FetchedRecords fetched;
    long retryAtMs;

    PartitionState(TopicPartition partition) {
      this.partition = partition;
    }

    boolean hasFetchedRecords() {
      return fetched != null && fetched.hasNext();
    }
  }

  private record FetchResult(PartitionState state, int epoch, FetchResponse response, Throwable error) {}

  /** The records of one fetch answer, handed out over one or more polls. */
  private static final class FetchedRecords {
    private final Iterator<MutableRecordBatch> batches;
    private MutableRecordBatch batch;
    private Iterator<Record> records;

    FetchedRecords(FetchResponse response) {
      this.batches = MemoryRecords.readableRecords(response.getRecords().asReadOnlyByteBuffer()).batches().iterator();
    }

    boolean hasNext() {
      while (records == null || !records.hasNext()) {
        if (!batches.hasNext()) {
          return false;
        }
        batch = batches.next();
        // Decompresses the batch if needed; a whole batch is the unit of reading anyway.
        records = batch.iterator();
      }
      return true;
    }
  }

  private final Deserializer<K> keyDeserializer;
  private final Deserializer<V> valueDeserializer;
  private final ClusterMetadata metadata;
  private final int fetchMaxWaitMs;
  private final int maxPartitionFetchBytes;
  private final int maxPollRecords;
  private final ResetStrategy autoOffsetReset;
  private final long requestTimeoutMs;
  private final long retryBackoffMs;
  private final Map<TopicPartition, PartitionState> assignment = new LinkedHashMap<>();
  private final LinkedBlockingQueue<FetchResult> completedFetches = new LinkedBlockingQueue<>();
  private boolean closed;

  public Consumer(Map<String, ?> config, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
    this(config, keyDeserializer, valueDeserializer, ChannelFactory.plaintext());
  }

  public Consumer(Properties config, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
    this(Configs.fromProperties(config), keyDeserializer, valueDeserializer);
  }

  /** With a custom way to open broker channels (TLS, or an in-process server in tests). */
  public Consumer(
      Map<String, ?> config,
      Deserializer<K> keyDeserializer,
      Deserializer<V> valueDeserializer,
      ChannelFactory channelFactory) {
    this.keyDeserializer = Objects.requireNonNull(keyDeserializer, "keyDeserializer");
    this.valueDeserializer = Objects.requireNonNull(valueDeserializer, "valueDeserializer");
    Configs configs = new Configs(config);
    List<HostPort> bootstrap = HostPort.parseList(configs.requiredString("bootstrap.servers"));
    this.fetchMaxWaitMs = configs.intValue("fetch.max.wait.ms", 500, 0, Integer.MAX_VALUE);
    this.maxPartitionFetchBytes = configs.intValue("max.partition.fetch.bytes", 1024 * 1024, 1, Integer.MAX_VALUE);
    this.maxPollRecords = configs.intValue("max.poll.records", 500, 1, Integer.MAX_VALUE);
    String reset = configs.string("auto.offset.reset", "latest").toLowerCase(Locale.ROOT);
    this.autoOffsetReset =
        switch (reset) {
          case "earliest" -> ResetStrategy.EARLIEST;
          case "latest" -> ResetStrategy.LATEST;
          case "none" -> ResetStrategy.NONE;
          default -> throw new IllegalArgumentException(
              "config auto.offset.reset must be earliest, latest or none, got '" + reset + "'");
        };
    this.requestTimeoutMs = configs.longValue("request.timeout.ms", 30_000, 1, Integer.MAX_VALUE);
    this.retryBackoffMs = configs.longValue("retry.backoff.ms", 100, 0, Long.MAX_VALUE);
    long metadataMaxAgeMs = configs.longValue("metadata.max.age.ms", 300_000, 0, Long.MAX_VALUE);
    this.metadata = new ClusterMetadata(bootstrap, channelFactory, metadataMaxAgeMs, requestTimeoutMs, retryBackoffMs);
  }

  /** The partitions of a topic, from the cluster's metadata. */
  public List<TopicPartition> partitionsFor(String topic) {
    ensureOpen();
    return List.of(metadata.topic(topic, requestTimeoutMs).partitions());
  }

  /** Reads exactly these partitions from now on; positions of partitions kept are kept. */
  public void assign(Collection<TopicPartition> partitions) {
    ensureOpen();
    Map<TopicPartition, PartitionState> previous = new HashMap<>(assignment);
    assignment.clear();
    for (TopicPartition partition : partitions) {
      PartitionState state = previous.get(partition);
      assignment.put(partition, state != null ? state : new PartitionState(partition));
    }
  }

  public Set<TopicPartition> assignment() {
    return Set.copyOf(assignment.keySet());
  }

  /** The next poll returns records of this partition from {@code offset} on. */
  public void seek(TopicPartition partition, long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, got " + offset);
    }
    PartitionState state = state(partition);
    reset(state);
    state.position = offset;
  }

  public void seekToBeginning(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      PartitionState state = state(partition);
      reset(state);
      state.pendingReset = OffsetSpec.EARLIEST;
    }
  }

  public void seekToEnd(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      PartitionState state = state(partition);
      reset(state);
      state.pendingReset = OffsetSpec.LATEST;
    }
  }

  /** Seeks to the first record at or after {@code timestamp}, or to the end if there is none. */
  public void seekToTimestamp(TopicPartition partition, long timestamp) {
    OffsetAndTimestamp found = offsetsForTimes(Map.of(partition, timestamp)).get(partition);
    if (found == null) {
      seekToEnd(List.of(partition));
    } else {
      seek(partition, found.offset());
    }
  }

  /**
   * For each partition, the first offset whose record timestamp is at or after the given
   * timestamp; null for a partition with no such record.
   */
  public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
    ensureOpen();
    Map<TopicPartition, OffsetAndTimestamp> result = new HashMap<>();
    timestamps.forEach(
        (partition, timestamp) -> {
          ListOffsetsResponse found = listOffsets(partition, OffsetSpec.OFFSET_SPEC_EXPLICIT, timestamp);
          result.put(partition, found.getOffset() < 0 ? null : new OffsetAndTimestamp(found.getOffset(), found.getTimestamp()));
        });
    return result;
  }

  /** The offset of the next record poll will return for this partition, resolving it if needed. */
  public long position(TopicPartition partition) {
    PartitionState state = state(partition);
    long deadline = System.currentTimeMillis() + requestTimeoutMs;
    while (state.position < 0 || state.pendingReset != null) {
      resolvePosition(state);
      if (state.position >= 0 && state.pendingReset == null) {
        break;
      }
      if (System.currentTimeMillis() + retryBackoffMs > deadline) {
        throw new SkeinException(
            ErrorCode.REQUEST_TIMED_OUT, "REQUEST_TIMED_OUT: could not find the position of " + partition);
      }
      // The leader was not reachable; resolvePosition asked for fresh metadata.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(retryBackoffMs));
    }
    return state.position;
  }

  /**
   * Returns the records available now, or waits up to {@code timeout} for some. At most
   * {@code max.poll.records}.
   */
  public ConsumerRecords<K, V> poll(Duration timeout) {
    ensureOpen();
    if (assignment.isEmpty()) {
      throw new IllegalStateException("no partitions assigned; call assign() first");
    }
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (true) {
      for (PartitionState state : assignment.values()) {
        if ((state.position < 0 || state.pendingReset != null) && state.retryAtMs <= System.currentTimeMillis()) {
          resolvePosition(state);
        }
      }
      FetchResult result;
      while ((result = completedFetches.poll()) != null) {
        handle(result);
      }
      Map<TopicPartition, List<ConsumerRecord<K, V>>> records = collectRecords();
      long now = System.currentTimeMillis();
      long nextRetryMs = sendFetches(now);
      if (!records.isEmpty()) {
        return new ConsumerRecords<>(records);
      }
      long waitMs = Math.min(deadline, nextRetryMs) - now;
      if (now >= deadline) {
        return ConsumerRecords.empty();
      }
      try {
        result = completedFetches.poll(Math.max(0, waitMs), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SkeinException(ErrorCode.UNKNOWN_SERVER_ERROR, "interrupted while polling");
      }
      if (result != null) {
        handle(result);
      }
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      metadata.close();
    }
  }

  private PartitionState state(TopicPartition partition) {
    ensureOpen();
    PartitionState state = assignment.get(partition);
    if (state == null) {
      throw new IllegalStateException("partition " + partition + " is not assigned");
    }
    return state;
  }

  private static void reset(PartitionState state) {
    state.epoch++;
    state.fetched = null;
    state.pendingReset = null;
    state.retryAtMs = 0;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("consumer is closed");
    }
  }

  /** Turns a pending seek, or a missing position, into an offset by asking the leader. */
  private void resolvePosition(PartitionState state) {
    OffsetSpec spec = state.pendingReset;
    if (spec == null) {
      spec =
          switch (autoOffsetReset) {
            case EARLIEST -> OffsetSpec.EARLIEST;
            case LATEST -> OffsetSpec.LATEST;
            case NONE -> throw new SkeinException(
                ErrorCode.OFFSET_OUT_OF_RANGE,
                "OFFSET_OUT_OF_RANGE: no valid position for " + state.partition + " and auto.offset.reset is none");
          };
    }
    try {
      state.position = listOffsets(state.partition, spec, 0).getOffset();
      state.pendingReset = null;
    } catch (SkeinException e) {
      if (!e.retriable() && e.errorCode() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        throw e;
      }
      state.retryAtMs = System.currentTimeMillis() + retryBackoffMs;
      metadata.invalidate(state.partition.topic());
    }
  }

  private ListOffsetsResponse listOffsets(TopicPartition partition, OffsetSpec spec, long timestamp) {
    return metadata.listOffsets(partition, spec, timestamp, requestTimeoutMs);
  }

  /** Sends a fetch for each partition with a position, nothing buffered and none in flight. */
  private long sendFetches(long now) {
    long nextRetryMs = Long.MAX_VALUE;
    for (PartitionState state : assignment.values()) {
      if (state.fetchInFlight || state.hasFetchedRecords() || state.position < 0 || state.pendingReset != null) {
        continue;
      }
      if (state.retryAtMs > now) {
        nextRetryMs = Math.min(nextRetryMs, state.retryAtMs);
        continue;
      }
      ManagedChannel channel;
      try {
        channel = metadata.leaderChannel(state.partition, requestTimeoutMs);
      } catch (SkeinException e) {
        if (!e.retriable()) {
          throw e;
        }
        state.retryAtMs = now + retryBackoffMs;
        nextRetryMs = Math.min(nextRetryMs, state.retryAtMs);
        continue;
      }
      FetchRequest request =
          FetchRequest.newBuilder()
              .setTopic(state.partition.topic())
              .setPartition(state.partition.partition())
              .setOffset(state.position)
              .setMaxBytes(maxPartitionFetchBytes)
              .setMaxWaitMs(fetchMaxWaitMs)
              .build();
      state.fetchInFlight = true;
      int epoch = state.epoch;
      ConsumerServiceGrpc.newStub(channel)
          .withDeadlineAfter(fetchMaxWaitMs + requestTimeoutMs, TimeUnit.MILLISECONDS)
          .fetch(
              request,
              new StreamObserver<>() {
                private FetchResponse response;

                @Override
                public void onNext(FetchResponse value) {
                  response = value;
                }

                @Override
                public void onError(Throwable failure) {
                  completedFetches.add(new FetchResult(state, epoch, null, failure));
                }

                @Override
                public void onCompleted() {
                  completedFetches.add(new FetchResult(state, epoch, response, null));
                }
              });
    }
    return nextRetryMs;
  }

  private void handle(FetchResult result) {
    PartitionState state = result.state();
    state.fetchInFlight = false;
    if (assignment.get(state.partition) != state || state.epoch != result.epoch()) {
      return; // unassigned or sought elsewhere since the fetch was sent
    }
    if (result.error() == null) {
      if (!result.response().getRecords().isEmpty()) {
        state.fetched = new FetchedRecords(result.response());
      }
      return;
    }
    SkeinException error = SkeinException.fromGrpc(result.error());
    switch (error.errorCode()) {
      case OFFSET_OUT_OF_RANGE -> {
        if (autoOffsetReset == ResetStrategy.NONE) {
          throw error;
        }
        state.position = -1; // the next poll applies auto.offset.reset
      }
      case UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE -> {
        metadata.invalidate(state.partition.topic());
        state.retryAtMs = System.currentTimeMillis() + retryBackoffMs;
      }
      default -> {
        if (!error.retriable()) {
          throw error;
        }
        state.retryAtMs = System.currentTimeMillis() + retryBackoffMs;
      }
    }
  }

  /** Hands out up to max.poll.records buffered records, skipping those below each position. */
  private Map<TopicPartition, List<ConsumerRecord<K, V>>> collectRecords() {
    Map<TopicPartition, List<ConsumerRecord<K, V>>> collected = new LinkedHashMap<>();
    int remaining = maxPollRecords;
    for (PartitionState state : assignment.values()) {
      if (remaining == 0) {
        break;
      }
      FetchedRecords fetched = state.fetched;
      if (fetched == null) {
        continue;
      }
      List<ConsumerRecord<K, V>> records = null;
      while (remaining > 0 && fetched.hasNext()) {
        MutableRecordBatch batch = fetched.batch;
        Record record = fetched.records.next();
        // A fetch starts with the whole batch holding the position: skip what lies below it.
        if (record.offset() >= state.position) {
          if (records == null) {
            records = new ArrayList<>();
            collected.put(state.partition, records);
          }
          records.add(toConsumerRecord(state.partition, batch, record));
          state.position = record.offset() + 1;
          remaining--;
        }
        if (!fetched.records.hasNext()) {
          // A batch may end with offsets removed by compaction: move past all of it.
          state.position = Math.max(state.position, batch.nextOffset());
        }
      }
      if (!fetched.hasNext()) {
        state.fetched = null;
      }
    }
    return collected;
  }

  private ConsumerRecord<K, V> toConsumerRecord(TopicPartition partition, MutableRecordBatch batch, Record record) {
    byte[] keyBytes = record.hasKey() ? Utils.toArray(record.key()) : null;
    byte[] valueBytes = record.hasValue() ? Utils.toArray(record.value()) : null;
    Header[] headers = record.headers();
    return new ConsumerRecord<>(
        partition.topic(),
        partition.partition(),
        record.offset(),
        record.timestamp(),
        batch.timestampType(),
        keyDeserializer.deserialize(partition.topic(), keyBytes),
        valueDeserializer.deserialize(partition.topic(), valueBytes),
        headers.length == 0 ? List.of() : Arrays.asList(headers));
  }
}
