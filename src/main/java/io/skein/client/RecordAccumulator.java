package io.skein.client;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Batches waiting to be sent, a queue per partition. Application threads append to the
 * last batch of a partition; the sender thread takes the first batch once it is full,
 * has lingered {@code linger.ms}, or a flush or close asks for everything.
 */
final class RecordAccumulator {

  enum AppendResult {
    /** Added to a batch that can take more. */
    APPENDED,
    /** Added, and a batch was started (its linger clock runs) or filled: wake the sender. */
    NEW_OR_FULL_BATCH,
    /** Not added: it would have started a new batch, and the caller asked to be told first. */
    NEEDS_NEW_BATCH
  }

  /** The partitions with a batch to send now, and when to look again for the others. */
  record Ready(List<TopicPartition> partitions, long nextCheckMs) {}

  private final BufferPool pool;
  private final int batchSize;
  private final Compression compression;
  private final CompressionType compressionType;
  private final long lingerMs;
  private final long deliveryTimeoutMs;
  private final Map<TopicPartition, Deque<ProducerBatch>> queues = new ConcurrentHashMap<>();
  private final Set<ProducerBatch> incomplete = ConcurrentHashMap.newKeySet();
  private final AtomicInteger flushesInProgress = new AtomicInteger();
  private volatile boolean closing;

  RecordAccumulator(
      BufferPool pool, int batchSize, CompressionType compressionType, long lingerMs, long deliveryTimeoutMs) {
    this.pool = pool;
    this.batchSize = batchSize;
    this.compressionType = compressionType;
    this.compression = org.apache.kafka.common.compress.Compression.of(compressionType).build();
    this.lingerMs = lingerMs;
    this.deliveryTimeoutMs = deliveryTimeoutMs;
  }

  /** The most bytes a batch holding just this record may need. */
  int sizeUpperBound(byte[] key, byte[] value, Header[] headers) {
    return AbstractRecords.estimateSizeInBytesUpperBound(
        RecordBatch.CURRENT_MAGIC_VALUE, compressionType, key, value, headers);
  }

  AppendResult append(
      TopicPartition partition,
      long timestamp,
      byte[] key,
      byte[] value,
      Header[] headers,
      CompletableFuture<RecordMetadata> future,
      long maxBlockMs,
      boolean abortOnNewBatch)
      throws InterruptedException {
    Deque<ProducerBatch> queue = queues.computeIfAbsent(partition, tp -> new ArrayDeque<>());
    synchronized (queue) {
      AppendResult result = tryAppend(queue, timestamp, key, value, headers, future);
      if (result != null) {
        return result;
      }
      if (abortOnNewBatch) {
        return AppendResult.NEEDS_NEW_BATCH;
      }
    }
    // Wait for memory without holding the partition's lock, so the sender can drain it.
    int size = Math.max(batchSize, sizeUpperBound(key, value, headers));
    ByteBuffer buffer = pool.allocate(size, maxBlockMs);
    synchronized (queue) {
      if (closing) {
        pool.deallocate(buffer, size);
        throw new IllegalStateException("producer is closed");
      }
      AppendResult result = tryAppend(queue, timestamp, key, value, headers, future);
      if (result != null) {
        // Another thread started a batch meanwhile.
        pool.deallocate(buffer, size);
        return result;
      }
      ProducerBatch batch =
          new ProducerBatch(partition, buffer, size, compression, System.currentTimeMillis(), deliveryTimeoutMs);
      batch.tryAppend(timestamp, key, value, headers, future);
      queue.addLast(batch);
      incomplete.add(batch);
      return AppendResult.NEW_OR_FULL_BATCH;
    }
  }

  private static AppendResult tryAppend(
      Deque<ProducerBatch> queue,
      long timestamp,
      byte[] key,
      byte[] value,
      Header[] headers,
      CompletableFuture<RecordMetadata> future) {
    ProducerBatch last = queue.peekLast();
    if (last == null || last.isClosed()) {
      return null;
    }
    if (last.tryAppend(timestamp, key, value, headers, future)) {
      return last.isFull() || queue.size() > 1 ? AppendResult.NEW_OR_FULL_BATCH : AppendResult.APPENDED;
    }
    last.close();
    return null;
  }

  /** Partitions whose first batch may be sent at {@code nowMs}. */
  Ready ready(long nowMs) {
    List<TopicPartition> ready = new ArrayList<>();
    long nextCheckMs = Long.MAX_VALUE;
    boolean sendAll = closing || flushesInProgress.get() > 0;
    for (Map.Entry<TopicPartition, Deque<ProducerBatch>> entry : queues.entrySet()) {
      Deque<ProducerBatch> queue = entry.getValue();
      synchronized (queue) {
        ProducerBatch first = queue.peekFirst();
        if (first == null) {
          continue;
        }
        long sendAtMs;
        if (first.attempts > 0) {
          sendAtMs = first.retryAtMs;
        } else if (sendAll || queue.size() > 1 || first.isFull()) {
          sendAtMs = nowMs;
        } else {
          sendAtMs = first.createdMs + lingerMs;
        }
        if (sendAtMs <= nowMs) {
          ready.add(entry.getKey());
        } else {
          nextCheckMs = Math.min(nextCheckMs, Math.min(sendAtMs, first.deliveryDeadlineMs));
        }
      }
    }
    return new Ready(ready, nextCheckMs);
  }

  /**
   * Takes the partition's first batch, closed for appends, if it is still ready. An idempotent
   * producer's retry (a batch with a sequence) waits while {@code partitionInFlight}: retries go
   * one at a time in sequence order, so the broker never sees a later sequence before an earlier one.
   */
  ProducerBatch drain(TopicPartition partition, long nowMs, boolean partitionInFlight) {
    Deque<ProducerBatch> queue = queues.get(partition);
    synchronized (queue) {
      ProducerBatch first = queue.peekFirst();
      if (first == null || (first.attempts > 0 && first.retryAtMs > nowMs)
          || (first.hasSequence() && partitionInFlight)) {
        return null;
      }
      queue.pollFirst();
      first.close();
      return first;
    }
  }

  /** Puts a batch that will be retried back at the head of its partition's queue. */
  void reenqueue(ProducerBatch batch) {
    Deque<ProducerBatch> queue = queues.get(batch.partition);
    synchronized (queue) {
      queue.addFirst(batch);
    }
  }

  /**
   * Puts an idempotent producer's batch back in its partition's queue in sequence order:
   * after the retries of older producer ids and of lower sequences, before the rest.
   * Retries come back in any order (answers of several streams), but must be resent in order.
   */
  void reenqueueInSequenceOrder(ProducerBatch batch) {
    Deque<ProducerBatch> queue = queues.get(batch.partition);
    synchronized (queue) {
      if (queue.isEmpty() || sendsBefore(batch, queue.peekFirst())) {
        queue.addFirst(batch);
        return;
      }
      // Retries are few and at the head: a rebuild of the head is cheap.
      ArrayDeque<ProducerBatch> earlier = new ArrayDeque<>();
      while (!queue.isEmpty() && !sendsBefore(batch, queue.peekFirst())) {
        earlier.addLast(queue.pollFirst());
      }
      queue.addFirst(batch);
      while (!earlier.isEmpty()) {
        queue.addFirst(earlier.pollLast());
      }
    }
  }

  private static boolean sendsBefore(ProducerBatch batch, ProducerBatch queued) {
    if (!queued.hasSequence()) {
      return true;
    }
    if (!batch.hasSequence()) {
      return false;
    }
    if (batch.producerGeneration() != queued.producerGeneration()) {
      return batch.producerGeneration() < queued.producerGeneration();
    }
    return batch.baseSequence() < queued.baseSequence();
  }

  /** Removes and returns queued batches whose delivery timeout has passed. */
  List<ProducerBatch> expire(long nowMs) {
    List<ProducerBatch> expired = new ArrayList<>();
    for (Deque<ProducerBatch> queue : queues.values()) {
      synchronized (queue) {
        while (!queue.isEmpty() && queue.peekFirst().deliveryDeadlineMs <= nowMs) {
          ProducerBatch batch = queue.pollFirst();
          batch.close();
          expired.add(batch);
        }
      }
    }
    return expired;
  }

  /** Removes and returns every queued batch (on a forced close). */
  List<ProducerBatch> drainAll() {
    List<ProducerBatch> all = new ArrayList<>();
    for (Deque<ProducerBatch> queue : queues.values()) {
      synchronized (queue) {
        all.addAll(queue);
        queue.clear();
      }
    }
    return all;
  }

  boolean hasQueuedBatches() {
    for (Deque<ProducerBatch> queue : queues.values()) {
      synchronized (queue) {
        if (!queue.isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  /** Called once a batch is acknowledged or failed for good. */
  void completed(ProducerBatch batch) {
    incomplete.remove(batch);
    batch.release(pool);
  }

  /** Makes every queued batch ready and waits until those batches are done. */
  void flush(Runnable wakeSender) {
    flushesInProgress.incrementAndGet();
    try {
      wakeSender.run();
      for (ProducerBatch batch : List.copyOf(incomplete)) {
        batch.done.join();
      }
    } finally {
      flushesInProgress.decrementAndGet();
    }
  }

  void beginClose() {
    closing = true;
  }
}
