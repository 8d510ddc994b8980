package io.skein.multijvm;

import io.skein.client.Consumer;
import io.skein.client.ConsumerRecord;
import io.skein.client.OffsetAndMetadata;
import io.skein.client.TopicPartition;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
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
  final Map<Integer, NavigableMap<Long, String>> read = new ConcurrentHashMap<>();
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

  long readCount(int partition) {
    return read.getOrDefault(partition, Collections.emptyNavigableMap()).size();
  }

  /** Whether each load's acknowledged records (load i writes partition i) were read with the values acknowledged. */
  boolean hasReadAll(List<AcksAllLoad> loads) {
    for (int p = 0; p < loads.size(); p++) {
      if (!read.getOrDefault(p, Collections.emptyNavigableMap()).entrySet().containsAll(loads.get(p).acked.entrySet())) {
        return false;
      }
    }
    return true;
  }

  /** For a failure message: per partition, the acknowledged records not read and what was read instead. */
  String gapsAgainst(List<AcksAllLoad> loads) {
    StringBuilder gaps = new StringBuilder();
    for (int p = 0; p < loads.size(); p++) {
      NavigableMap<Long, String> readHere = read.getOrDefault(p, Collections.emptyNavigableMap());
      List<Map.Entry<Long, String>> missing = loads.get(p).acked.entrySet().stream()
          .filter(acked -> !acked.getValue().equals(readHere.get(acked.getKey()))).toList();
      if (!missing.isEmpty()) {
        Map.Entry<Long, String> first = missing.get(0);
        gaps.append(String.format("partition %d: %d of %d acknowledged records not read, the first at offset %d"
                + " acknowledged as %s, read as %s; %d read up to offset %s, committed %s; ", p, missing.size(),
            loads.get(p).acked.size(), first.getKey(), first.getValue(), readHere.get(first.getKey()),
            readHere.size(), readHere.isEmpty() ? "none" : readHere.lastKey(),
            committed.get(p)));
      }
    }
    return gaps.append(String.format("last records read %.1f s ago, consumer failure: %s",
        (System.nanoTime() - lastRecordsAt.get()) / 1e9, failure.get())).toString();
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
