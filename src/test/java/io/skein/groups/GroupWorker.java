package io.skein.groups;

import io.skein.client.Consumer;
import io.skein.client.ConsumerHooks;
import io.skein.client.ConsumerRebalanceListener;
import io.skein.client.ConsumerRecord;
import io.skein.client.TopicPartition;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A group consumer polling on its own thread as an application would: processes (records)
 * each record, then commits synchronously, and records what the group told it. The
 * consumer is only used on that thread until it ends.
 */
final class GroupWorker implements AutoCloseable {

  record Processed(TopicPartition partition, long offset, String key) {}

  final String name;
  final ConcurrentLinkedQueue<Processed> processed = new ConcurrentLinkedQueue<>();
  final Map<TopicPartition, AtomicLong> countByPartition = new ConcurrentHashMap<>();
  final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
  final List<Collection<TopicPartition>> revocations = new CopyOnWriteArrayList<>();
  final List<Collection<TopicPartition>> losses = new CopyOnWriteArrayList<>();

  private final Consumer<String, String> consumer;
  private final ConsumerRebalanceListener hook;
  private final Thread thread;
  private volatile boolean stopping;
  private volatile boolean crashing;
  private volatile Throwable failure;

  /** @param hook also told of every rebalance, on the worker's thread, after the worker's own bookkeeping */
  GroupWorker(String name, Map<String, Object> config, String topic, ConsumerRebalanceListener hook) {
    this.name = name;
    this.hook = hook;
    this.consumer = new Consumer<>(config, new StringDeserializer(), new StringDeserializer());
    this.thread = new Thread(() -> run(topic), "worker-" + name);
    thread.start();
  }

  GroupWorker(String name, Map<String, Object> config, String topic) {
    this(name, config, topic, ConsumerRebalanceListener.none());
  }

  private void run(String topic) {
    try {
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          revocations.add(List.copyOf(partitions));
          owned.removeAll(partitions);
          hook.onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          owned.addAll(partitions);
          hook.onPartitionsAssigned(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
          losses.add(List.copyOf(partitions));
          owned.removeAll(partitions);
          hook.onPartitionsLost(partitions);
        }
      });
      while (!stopping && !crashing) {
        var records = consumer.poll(Duration.ofMillis(50));
        for (ConsumerRecord<String, String> record : records) {
          processed.add(new Processed(record.topicPartition(), record.offset(), record.key()));
          countByPartition.computeIfAbsent(record.topicPartition(), p -> new AtomicLong()).incrementAndGet();
        }
        if (!records.isEmpty()) {
          consumer.commitSync();
        }
      }
      if (crashing) {
        ConsumerHooks.crash(consumer);
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  /** Stops polling and goes silent without leaving the group. */
  void crash() throws InterruptedException {
    crashing = true;
    thread.join(TimeUnit.SECONDS.toMillis(10));
  }

  long count(TopicPartition partition) {
    AtomicLong count = countByPartition.get(partition);
    return count == null ? 0 : count.get();
  }

  Throwable failure() {
    return failure;
  }

  /** Stops polling; the consumer then commits and leaves (close). */
  @Override
  public void close() throws InterruptedException {
    stopping = true;
    thread.join(TimeUnit.SECONDS.toMillis(30));
    consumer.close();
  }
}
