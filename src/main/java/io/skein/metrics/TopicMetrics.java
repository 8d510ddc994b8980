package io.skein.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bytes and records in (appended by produce) and out (read by fetch) per topic, counted once
 * per batch or read from its header, never per record.
 */
public final class TopicMetrics {

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, TopicMeters> byTopic = new ConcurrentHashMap<>();

  TopicMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** {@code records} records (see {@link BatchRecordCount}) in {@code bytes} bytes were appended to {@code topic}. */
  public void produced(String topic, long records, long bytes) {
    TopicMeters meters = of(topic);
    meters.recordsIn.increment(records);
    meters.bytesIn.increment(bytes);
  }

  /** The record batches between {@code batches}' position and limit of {@code topic} were read for a client. */
  public void fetched(String topic, ByteBuffer batches) {
    if (batches == null || !batches.hasRemaining()) {
      return;
    }
    fetched(topic, BatchRecordCount.of(batches), batches.remaining());
  }

  /**
   * {@code records} and {@code bytes} read by clients; for batches sent from the file unread,
   * the offsets they span (a compacted topic's batches may hold fewer records).
   */
  public void fetched(String topic, long records, long bytes) {
    TopicMeters meters = of(topic);
    meters.recordsOut.increment(records);
    meters.bytesOut.increment(bytes);
  }

  private TopicMeters of(String topic) {
    TopicMeters meters = byTopic.get(topic);
    return meters != null ? meters : byTopic.computeIfAbsent(topic, name -> new TopicMeters(registry, name));
  }

  private static final class TopicMeters {
    final Counter recordsIn;
    final Counter bytesIn;
    final Counter recordsOut;
    final Counter bytesOut;

    TopicMeters(MeterRegistry registry, String topic) {
      recordsIn = counter(registry, "skein.topic.records.in", "Records appended", topic);
      bytesIn = counter(registry, "skein.topic.bytes.in", "Bytes of record batches appended", topic);
      recordsOut = counter(registry, "skein.topic.records.out", "Records read by clients", topic);
      bytesOut = counter(registry, "skein.topic.bytes.out", "Bytes of record batches read by clients", topic);
    }

    private static Counter counter(MeterRegistry registry, String name, String description, String topic) {
      return Counter.builder(name).description(description).tag("topic", topic).register(registry);
    }
  }
}
