package io.skein.log;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.internals.ByteUtils;

/** What a log checks of batches before it appends them: framing, size, CRC, and keys on a compacted topic. */
final class AppendValidation {

  private AppendValidation() {}

  /**
   * Checks that {@code records} is one or more whole v2 batches, each at most {@code
   * maxBatchBytes}, with a matching CRC and a record count of lastOffsetDelta + 1 ({@code
   * exactCounts}) or at most that (batches a compacted leader kept part of). Returns the total
   * record count.
   */
  static int checkBatches(MemoryRecords records, int maxBatchBytes, boolean exactCounts) {
    ByteBuffer buffer = records.buffer();
    int end = buffer.limit();
    if (buffer.position() == end) {
      throw new CorruptRecordException("Append holds no record batches");
    }
    long recordCount = 0;
    int batchIndex = 0;
    for (int position = buffer.position(); position < end; batchIndex++) {
      String problem = BatchHeader.framingProblem(buffer, position, end - position);
      if (problem != null) {
        throw new CorruptRecordException(
            "Batch " + batchIndex + " at byte " + position + ": " + problem);
      }
      int batchSize = BatchHeader.batchSize(buffer, position);
      if (batchSize > maxBatchBytes) {
        throw new RecordTooLargeException(batchSize, maxBatchBytes);
      }
      int count = buffer.getInt(position + BatchHeader.RECORDS_COUNT_OFFSET);
      long span = (long) BatchHeader.lastOffsetDelta(buffer, position) + 1;
      if (exactCounts ? count != span : count < 0 || count > span) {
        throw new CorruptRecordException(
            "Batch "
                + batchIndex
                + " at byte "
                + position
                + ": record count "
                + count
                + " does not match lastOffsetDelta "
                + BatchHeader.lastOffsetDelta(buffer, position));
      }
      recordCount += count;
      position += batchSize;
    }
    // Framing is sound, so this iterates exactly the batches checked above.
    batchIndex = 0;
    for (MutableRecordBatch batch : records.batches()) {
      if (!batch.isValid()) {
        throw new CorruptRecordException(
            "Batch " + batchIndex + ": CRC mismatch (stored " + batch.checksum() + ")");
      }
      batchIndex++;
    }
    if (recordCount > Integer.MAX_VALUE) {
      throw new CorruptRecordException(
          "Append holds " + recordCount + " records, more than fit one request");
    }
    return (int) recordCount;
  }

  /**
   * Refuses a record without a key, as Kafka does on a compacted topic: no later record could ever
   * replace it. Uncompressed records are walked in place up to their key length.
   */
  static void requireKeys(MemoryRecords records, String logName) {
    ByteBuffer buffer = records.buffer();
    ByteBuffer cursor = buffer.duplicate();
    int position = buffer.position();
    try {
      for (MutableRecordBatch batch : records.batches()) {
        if (batch.compressionType() != CompressionType.NONE) {
          for (Record record : batch) {
            if (!record.hasKey()) {
              throw keyless(logName);
            }
          }
        } else {
          cursor.position(position + BatchHeader.RECORD_BATCH_OVERHEAD);
          int count = buffer.getInt(position + BatchHeader.RECORDS_COUNT_OFFSET);
          for (int i = 0; i < count; i++) {
            int length = ByteUtils.readVarint(cursor);
            int recordStart = cursor.position();
            cursor.get(); // attributes
            ByteUtils.readVarlong(cursor); // timestamp delta
            ByteUtils.readVarint(cursor); // offset delta
            if (ByteUtils.readVarint(cursor) < 0) {
              throw keyless(logName);
            }
            cursor.position(recordStart + length);
          }
        }
        position += batch.sizeInBytes();
      }
    } catch (BufferUnderflowException | IllegalArgumentException | KafkaException e) {
      throw new CorruptRecordException("Malformed record in a batch: " + e.getMessage());
    }
  }

  private static CorruptRecordException keyless(String logName) {
    return new CorruptRecordException("Compacted topic cannot accept message without key in log " + logName);
  }
}
