package io.skein.client;

import io.skein.proto.v1.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Sends records to Skein topics. Thread-safe: any number of threads may call
 * {@link #send}. Records are partitioned as Kafka's default partitioner does, batched per
 * partition into Kafka v2 batches, and sent by one background thread over a
 * ProduceStream per broker. The futures complete on that thread, so callbacks should be
 * quick.
 *
 * <p>Configs, by their Kafka names and with Kafka's defaults: {@code bootstrap.servers}
 * (required), {@code acks}, {@code batch.size}, {@code linger.ms}, {@code compression.type},
 * {@code retries}, {@code retry.backoff.ms}, {@code retry.backoff.max.ms},
 * {@code delivery.timeout.ms}, {@code request.timeout.ms},
 * {@code max.in.flight.requests.per.connection}, {@code buffer.memory}, {@code max.block.ms},
 * {@code max.request.size}, {@code metadata.max.age.ms}, {@code client.id} (sent in the
 * {@code skein-client-id} header, for the broker's client quotas), {@code enable.idempotence}.
 *
 * <p>The producer is idempotent by default, as Kafka's: it gets a producer id from a broker
 * and numbers its batches per partition, so a batch resent after a lost answer or a broken
 * connection is stored once, and records of a partition are stored in the order sent, with
 * up to five batches in flight per partition. This needs {@code acks=all}, {@code retries} &gt; 0
 * and {@code max.in.flight.requests.per.connection} &lt;= 5: setting one otherwise turns
 * idempotence off, unless {@code enable.idempotence=true} is set, which makes it an error.
 */
public final class Producer<K, V> implements AutoCloseable {

  private static final Header[] NO_HEADERS = new Header[0];
  /** A partition leader remembers an idempotent producer's last five batches, so no more may be unanswered. */
  private static final int MAX_IN_FLIGHT_WHEN_IDEMPOTENT = 5;

  private final Serializer<K> keySerializer;
  private final Serializer<V> valueSerializer;
  private final ClusterMetadata metadata;
  private final RecordAccumulator accumulator;
  private final Sender sender;
  private final Partitioner partitioner = new Partitioner();
  private final long maxBlockMs;
  private final int maxRequestSize;
  private final long totalMemory;
  private volatile boolean closed;

  public Producer(Map<String, ?> config, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
    this(config, keySerializer, valueSerializer, ChannelFactory.plaintext());
  }

  public Producer(Properties config, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
    this(Configs.fromProperties(config), keySerializer, valueSerializer);
  }

  /** With a custom way to open broker channels (TLS, or an in-process server in tests). */
  public Producer(
      Map<String, ?> config,
      Serializer<K> keySerializer,
      Serializer<V> valueSerializer,
      ChannelFactory channelFactory) {
    this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
    this.valueSerializer = Objects.requireNonNull(valueSerializer, "valueSerializer");
    Configs configs = new Configs(config);
    List<HostPort> bootstrap = HostPort.parseList(configs.requiredString("bootstrap.servers"));
    short acks = configs.acks();
    boolean idempotenceExplicit = configs.isSet("enable.idempotence");
    boolean idempotent = configs.booleanValue("enable.idempotence", true);
    int batchSize = configs.intValue("batch.size", 16384, 1, Integer.MAX_VALUE);
    long lingerMs = configs.longValue("linger.ms", 5, 0, Integer.MAX_VALUE);
    CompressionType compression = configs.compressionType();
    int retries = configs.intValue("retries", Integer.MAX_VALUE, 0, Integer.MAX_VALUE);
    long retryBackoffMs = configs.longValue("retry.backoff.ms", 100, 0, Long.MAX_VALUE);
    long retryBackoffMaxMs = configs.longValue("retry.backoff.max.ms", 1000, 0, Long.MAX_VALUE);
    long deliveryTimeoutMs = configs.longValue("delivery.timeout.ms", 120_000, 1, Integer.MAX_VALUE);
    long requestTimeoutMs = configs.longValue("request.timeout.ms", 30_000, 1, Integer.MAX_VALUE);
    int maxInFlight = configs.intValue("max.in.flight.requests.per.connection", 5, 1, Integer.MAX_VALUE);
    this.totalMemory = configs.longValue("buffer.memory", 32L * 1024 * 1024, 1, Long.MAX_VALUE);
    this.maxBlockMs = configs.longValue("max.block.ms", 60_000, 0, Long.MAX_VALUE);
    this.maxRequestSize = configs.intValue("max.request.size", 1024 * 1024, 1, Integer.MAX_VALUE);
    long metadataMaxAgeMs = configs.longValue("metadata.max.age.ms", 300_000, 0, Long.MAX_VALUE);
    String clientId = configs.string("client.id", "skein-producer");
    if (idempotent) {
      String conflict = idempotenceConflict(acks, retries, maxInFlight);
      if (conflict != null && idempotenceExplicit) {
        throw new IllegalArgumentException(conflict + " (or set enable.idempotence=false)");
      }
      idempotent = conflict == null;
    }
    if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
      throw new IllegalArgumentException(
          "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms");
    }
    if (batchSize > totalMemory) {
      throw new IllegalArgumentException("batch.size must not exceed buffer.memory");
    }

    this.metadata =
        new ClusterMetadata(bootstrap, ClientIdChannel.sending(channelFactory, clientId), metadataMaxAgeMs,
            requestTimeoutMs, retryBackoffMs);
    this.accumulator =
        new RecordAccumulator(
            new BufferPool(totalMemory, batchSize), batchSize, compression, lingerMs, deliveryTimeoutMs);
    this.sender =
        new Sender(
            accumulator,
            metadata,
            new Sender.Settings(
                acks, retries, retryBackoffMs, retryBackoffMaxMs, requestTimeoutMs, maxInFlight, idempotent));
    sender.start("skein-producer-sender-" + clientId);
  }

  /** Why configs rule idempotence out, as Kafka's messages say it, or null if they allow it. */
  private static String idempotenceConflict(short acks, int retries, int maxInFlight) {
    if (acks != -1) {
      return "Must set acks to all in order to use the idempotent producer, got acks=" + acks;
    }
    if (retries == 0) {
      return "Must set retries to non-zero when using the idempotent producer";
    }
    if (maxInFlight > MAX_IN_FLIGHT_WHEN_IDEMPOTENT) {
      return "Must set max.in.flight.requests.per.connection to at most " + MAX_IN_FLIGHT_WHEN_IDEMPOTENT
          + " to use the idempotent producer, got " + maxInFlight;
    }
    return null;
  }

  /**
   * Queues a record for sending. Blocks only to learn the topic's partitions or while
   * {@code buffer.memory} is full, each up to {@code max.block.ms}. The stage completes
   * with the record's offset once the broker acknowledges it (at once, with offset -1,
   * for acks=0), or exceptionally with a {@link SkeinException}.
   */
  public CompletionStage<RecordMetadata> send(ProducerRecord<K, V> record) {
    if (closed) {
      throw new IllegalStateException("producer is closed");
    }
    try {
      ClusterMetadata.TopicInfo topic = metadata.topic(record.topic(), maxBlockMs);
      byte[] key = keySerializer.serialize(record.topic(), record.key());
      byte[] value = valueSerializer.serialize(record.topic(), record.value());
      Header[] headers = record.headers().isEmpty() ? NO_HEADERS : record.headers().toArray(NO_HEADERS);
      int size = accumulator.sizeUpperBound(key, value, headers);
      if (size > maxRequestSize || size > totalMemory) {
        throw new SkeinException(
            ErrorCode.RECORD_TOO_LARGE,
            "RECORD_TOO_LARGE: the record is " + size + " bytes when serialized, more than max.request.size ("
                + maxRequestSize + ") or buffer.memory (" + totalMemory + ")");
      }
      int numPartitions = topic.partitionCount();
      boolean sticky = record.partition() == null && key == null;
      int partition;
      if (record.partition() != null) {
        partition = record.partition();
        if (partition >= numPartitions) {
          throw new SkeinException(
              ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              "UNKNOWN_TOPIC_OR_PARTITION: topic " + record.topic() + " has " + numPartitions
                  + " partitions, no partition " + partition);
        }
      } else {
        partition = partitioner.partition(record.topic(), key, numPartitions);
      }
      long timestamp = record.timestamp() != null ? record.timestamp() : System.currentTimeMillis();
      CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
      RecordAccumulator.AppendResult result =
          accumulator.append(
              topic.partitions()[partition], timestamp, key, value, headers, future, maxBlockMs, sticky);
      if (result == RecordAccumulator.AppendResult.NEEDS_NEW_BATCH) {
        // Keyless records start each new batch on another partition (sticky partitioning).
        partition = partitioner.nextStickyPartition(record.topic(), partition, numPartitions);
        result =
            accumulator.append(
                topic.partitions()[partition], timestamp, key, value, headers, future, maxBlockMs, false);
      }
      if (result == RecordAccumulator.AppendResult.NEW_OR_FULL_BATCH) {
        sender.wakeup();
      }
      return future;
    } catch (SkeinException e) {
      return CompletableFuture.failedFuture(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(
          new SkeinException(ErrorCode.UNKNOWN_SERVER_ERROR, "interrupted while waiting for buffer memory"));
    }
  }

  /** Sends every record queued so far at once, and waits until each is acknowledged or failed. */
  public void flush() {
    accumulator.flush(sender::wakeup);
  }

  /** Sends what is queued, waits for it, and releases the thread and connections. */
  @Override
  public void close() {
    close(Duration.ofMillis(Long.MAX_VALUE));
  }

  /**
   * Like {@link #close()}, but waits at most {@code timeout}; records still unsent then
   * fail. {@code Duration.ZERO} fails them at once.
   */
  public void close(Duration timeout) {
    if (closed) {
      return;
    }
    closed = true;
    accumulator.beginClose();
    long timeoutMs = timeout.toMillis();
    try {
      if (timeoutMs <= 0) {
        sender.initiateClose(true);
      } else {
        sender.initiateClose(false);
        if (!sender.awaitTermination(timeoutMs)) {
          sender.initiateClose(true);
        }
      }
      sender.awaitTermination(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sender.initiateClose(true);
    } finally {
      metadata.close();
    }
  }
}
