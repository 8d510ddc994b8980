package io.skein.multijvm;

import io.skein.client.Consumer;
import io.skein.client.ConsumerRecord;
import io.skein.client.TopicPartition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * An assign-mode consumer of one partition on its own thread: reads from the start and, every
 * {@code rereadEvery}, seeks {@code rereadDepth} offsets back, so that offsets near the high
 * watermark are read again after leader changes. Records the value of every offset it read;
 * an offset read twice with different values is a conflict: a consumer saw a record that
 * later became another.
 */
final class AssignedReader implements AutoCloseable {

  final NavigableMap<Long, String> read = new ConcurrentSkipListMap<>();
  final Queue<String> conflicts = new ConcurrentLinkedQueue<>();
  final AtomicReference<Throwable> failure = new AtomicReference<>();

  private final AtomicBoolean stop = new AtomicBoolean();
  private final Thread thread;

  private AssignedReader(String bootstrap, String topic, int partition, Duration rereadEvery, long rereadDepth) {
    this.thread = new Thread(() -> run(bootstrap, new TopicPartition(topic, partition), rereadEvery, rereadDepth),
        "assigned-reader-" + topic + "-" + partition);
  }

  static AssignedReader start(String bootstrap, String topic, int partition, Duration rereadEvery, long rereadDepth) {
    AssignedReader reader = new AssignedReader(bootstrap, topic, partition, rereadEvery, rereadDepth);
    reader.thread.start();
    return reader;
  }

  /** Whether every record in {@code acked} was read with its acknowledged value. */
  boolean hasRead(Map<Long, String> acked) {
    return read.entrySet().containsAll(acked.entrySet());
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join(TimeUnit.SECONDS.toMillis(60));
  }

  private void run(String bootstrap, TopicPartition partition, Duration rereadEvery, long rereadDepth) {
    try (Consumer<String, String> consumer = new Consumer<>(Map.of(
        "bootstrap.servers", bootstrap, "auto.offset.reset", "earliest", "request.timeout.ms", "10000"),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seek(partition, 0);
      long nextReread = System.nanoTime() + rereadEvery.toNanos();
      while (!stop.get()) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          String before = read.putIfAbsent(record.offset(), record.value());
          if (before != null && !before.equals(record.value())) {
            conflicts.add("offset " + record.offset() + " read as " + before + ", later as " + record.value());
          }
        }
        if (System.nanoTime() - nextReread > 0) {
          nextReread = System.nanoTime() + rereadEvery.toNanos();
          consumer.seek(partition, Math.max(0, consumer.position(partition) - rereadDepth));
        }
      }
    } catch (Throwable t) {
      failure.set(t);
    }
  }
}
