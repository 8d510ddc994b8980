package io.skein.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Records for one partition, written straight into one Kafka v2 batch as they are sent.
 * Appends happen under the partition's lock in the accumulator; once closed, the batch
 * belongs to the sender thread, which sends it (maybe several times) and completes it.
 */
final class ProducerBatch {

  final TopicPartition partition;
  final long createdMs;
  final long deliveryDeadlineMs;
  /** Completes when every record of the batch is acknowledged or failed; flush waits on it. */
  final CompletableFuture<Void> done = new CompletableFuture<>();

  private final ByteBuffer buffer;
  private final int allocatedSize;
  private final MemoryRecordsBuilder builder;
  private CompletableFuture<?>[] futures = new CompletableFuture<?>[16];
  private long[] timestamps = new long[16];
  private int recordCount;
  private boolean closed;
  /** The batch bytes, written when first sent (so a producer id goes in before the one CRC). */
  private ByteString records;

  // Sender-thread state.
  int attempts;
  long retryAtMs;
  /** The idempotent producer's identity this batch is written with, or NO_SEQUENCE for none yet. */
  private int baseSequence = RecordBatch.NO_SEQUENCE;
  /** Which of the producer's ids (counted from 0, one more at each reset) {@link #baseSequence} belongs to. */
  private int producerGeneration = -1;

  ProducerBatch(
      TopicPartition partition,
      ByteBuffer buffer,
      int allocatedSize,
      Compression compression,
      long nowMs,
      long deliveryTimeoutMs) {
    this.partition = partition;
    this.buffer = buffer;
    this.allocatedSize = allocatedSize;
    this.createdMs = nowMs;
    this.deliveryDeadlineMs = nowMs + deliveryTimeoutMs;
    this.builder = MemoryRecords.builder(buffer, compression, TimestampType.CREATE_TIME, 0L);
  }

  /** Appends a record if it fits; the first record always fits (its buffer was sized for it). */
  boolean tryAppend(
      long timestamp, byte[] key, byte[] value, Header[] headers, CompletableFuture<RecordMetadata> future) {
    if (closed || !builder.hasRoomFor(timestamp, key, value, headers)) {
      return false;
    }
    builder.append(timestamp, key, value, headers);
    if (recordCount == futures.length) {
      futures = Arrays.copyOf(futures, recordCount * 2);
      timestamps = Arrays.copyOf(timestamps, recordCount * 2);
    }
    futures[recordCount] = future;
    timestamps[recordCount] = timestamp;
    recordCount++;
    return true;
  }

  boolean isFull() {
    return closed || builder.isFull();
  }

  boolean isClosed() {
    return closed;
  }

  /** Ends appends. Idempotent. */
  void close() {
    if (!closed) {
      closed = true;
      builder.closeForRecordAppends();
    }
  }

  /**
   * Writes an idempotent producer's id, epoch and first sequence into the closed batch; once
   * it was sent, by rewriting its header and CRC in place. Only while it is not in flight.
   */
  void setProducerState(long producerId, short epoch, int baseSequence, int producerGeneration) {
    if (records == null) {
      builder.setProducerState(producerId, epoch, baseSequence, false);
    } else {
      builder.reopenAndRewriteProducerState(producerId, epoch, baseSequence, false);
      records = UnsafeByteOperations.unsafeWrap(builder.build().buffer());
    }
    this.baseSequence = baseSequence;
    this.producerGeneration = producerGeneration;
  }

  /**
   * Forgets the sequence of a batch the broker refused under an older producer id, so it is
   * written again with the current one when next sent.
   */
  void clearSequence() {
    baseSequence = RecordBatch.NO_SEQUENCE;
    producerGeneration = -1;
  }

  boolean hasSequence() {
    return baseSequence != RecordBatch.NO_SEQUENCE;
  }

  int baseSequence() {
    return baseSequence;
  }

  int lastSequence() {
    return DefaultRecordBatch.incrementSequence(baseSequence, recordCount - 1);
  }

  int producerGeneration() {
    return producerGeneration;
  }

  /** The batch bytes of a closed batch, for the sender thread. */
  ByteString records() {
    if (records == null) {
      // The builder's buffer is not touched again until the batch is released, so the
      // request can carry it without a copy.
      records = UnsafeByteOperations.unsafeWrap(builder.build().buffer());
    }
    return records;
  }

  int recordCount() {
    return recordCount;
  }

  /** Completes each record's future with its offset (base + index), or -1 for acks=0. */
  @SuppressWarnings("unchecked")
  void complete(long baseOffset, long logAppendTime) {
    for (int i = 0; i < recordCount; i++) {
      long offset = baseOffset < 0 ? -1 : baseOffset + i;
      long timestamp = logAppendTime >= 0 ? logAppendTime : timestamps[i];
      ((CompletableFuture<RecordMetadata>) futures[i])
          .complete(new RecordMetadata(partition.topic(), partition.partition(), offset, timestamp));
    }
    done.complete(null);
  }

  void fail(SkeinException error) {
    for (int i = 0; i < recordCount; i++) {
      futures[i].completeExceptionally(error);
    }
    done.complete(null);
  }

  boolean isDone() {
    return done.isDone();
  }

  void release(BufferPool pool) {
    pool.deallocate(buffer, allocatedSize);
  }
}
