package io.skein.multijvm;

import io.skein.client.Consumer;
import io.skein.client.ConsumerRecord;
import io.skein.client.OffsetAndMetadata;
import io.skein.client.TopicPartition;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A group consumer on its own thread (the consumer is not thread-safe): polls, records what
 * it reads by partition and offset, and commits synchronously after every poll that read
 * something, remembering the offsets each successful commit made durable.
 */
final class GroupReader implements AutoCloseable {

  /** Values read, by partition, then offset (a record read twice is kept once). */
  final Map<Integer, Map<Long, String>> read = new ConcurrentHashMap<>();
  /** Offsets the broker confirmed committing, by partition; the latest confirmation wins. */
  final Map<Integer, Long> committed = new ConcurrentHashMap<>();
  /** When the last poll returned records (System.nanoTime), to tell a stuck consumer. */
  final AtomicLong lastRecordsAt = new AtomicLong(System.nanoTime());
  final AtomicReference<Throwable> failure = new AtomicReference<>();

  private final AtomicBoolean stop = new AtomicBoolean();
  private final Thread thread;

  private GroupReader(String bootstrap, String groupId, String topic) {
    this.thread = new Thread(() -> run(bootstrap, groupId, topic), "group-reader-" + groupId);
  }

  static GroupReader start(String bootstrap, String groupId, String topic) {
    GroupReader reader = new GroupReader(bootstrap, groupId, topic);
    reader.thread.start();
    return reader;
  }

  long readCount() {
    return read.values().stream().mapToLong(Map::size).sum();
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join(TimeUnit.SECONDS.toMillis(60));
  }

  private void run(String bootstrap, String groupId, String topic) {
    try (Consumer<String, String> consumer = new Consumer<>(Map.of(
        "bootstrap.servers", bootstrap,
        "group.id", groupId,
        "enable.auto.commit", "false",
        "auto.offset.reset", "earliest",
        "session.timeout.ms", "10000",
        "heartbeat.interval.ms", "1000"),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      while (!stop.get()) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          read.computeIfAbsent(record.partition(), p -> new ConcurrentSkipListMap<>())
              .put(record.offset(), record.value());
          next.merge(new TopicPartition(record.topic(), record.partition()),
              new OffsetAndMetadata(record.offset() + 1, ""), (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        if (next.isEmpty()) {
          continue;
        }
        lastRecordsAt.set(System.nanoTime());
        try {
          consumer.commitSync(next);
          next.forEach((tp, om) -> committed.put(tp.partition(), om.offset()));
        } catch (RuntimeException notCommitted) {
          // Not confirmed (a rebalance or a coordinator move): the records are read again later.
        }
      }
    } catch (Throwable t) {
      failure.set(t);
    }
  }
}
