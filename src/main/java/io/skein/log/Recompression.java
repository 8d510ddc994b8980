package io.skein.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * A topic's {@code compression.type} other than {@code producer}: batches written with another
 * codec are rebuilt with the topic's, as Kafka's broker does, keeping each batch's records,
 * offsets deltas, timestamps, producer id, epoch, base sequence and transactional flag. Control
 * batches (transaction markers) are never compressed and stay as they are.
 */
final class Recompression {

  private Recompression() {}

  /** {@code records} itself when every data batch already has {@code codec}, else a rebuilt copy. */
  static MemoryRecords to(CompressionType codec, MemoryRecords records) {
    int size = 0;
    boolean needed = false;
    for (MutableRecordBatch batch : records.batches()) {
      needed |= !batch.isControlBatch() && batch.compressionType() != codec;
      size += batch.sizeInBytes();
    }
    if (!needed) {
      return records;
    }
    // The builder grows its buffer if the new codec packs worse.
    ByteBuffer out = ByteBuffer.allocate(size);
    for (MutableRecordBatch batch : records.batches()) {
      if (batch.isControlBatch() || batch.compressionType() == codec) {
        out = room(out, batch.sizeInBytes());
        batch.writeTo(out);
        continue;
      }
      MemoryRecordsBuilder rebuilt = MemoryRecords.builder(ByteBuffer.allocate(batch.sizeInBytes()), batch.magic(),
          Compression.of(codec).build(), batch.timestampType(), batch.baseOffset(), RecordBatch.NO_TIMESTAMP,
          batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.isTransactional(), false,
          batch.partitionLeaderEpoch());
      for (Record record : batch) {
        rebuilt.appendWithOffset(record.offset(), record.timestamp(), record.key(), record.value(), record.headers());
      }
      ByteBuffer built = rebuilt.build().buffer();
      out = room(out, built.remaining());
      out.put(built);
    }
    out.flip();
    return MemoryRecords.readableRecords(out);
  }

  /** {@code buffer}, or a larger copy of it, with room for {@code needed} more bytes. */
  private static ByteBuffer room(ByteBuffer buffer, int needed) {
    if (buffer.remaining() >= needed) {
      return buffer;
    }
    ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + needed));
    buffer.flip();
    larger.put(buffer);
    return larger;
  }
}
