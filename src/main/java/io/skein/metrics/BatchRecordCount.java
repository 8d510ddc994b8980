package io.skein.metrics;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.Records;

/**
 * The number of records in Kafka v2 record batches, read from each batch's header (its records
 * count field), so counting costs one look per batch and no decompression.
 */
public final class BatchRecordCount {

  /** The records count is the last field of the v2 batch header. */
  private static final int RECORDS_COUNT_OFFSET = DefaultRecordBatch.RECORD_BATCH_OVERHEAD - Integer.BYTES;

  private BatchRecordCount() {}

  /**
   * Records in the whole batches between {@code batches}' position and limit; a truncated
   * batch at the end (a fetch can end in one) and batches of older formats count none.
   */
  public static long of(ByteBuffer batches) {
    long records = 0;
    int position = batches.position();
    int limit = batches.limit();
    while (limit - position >= DefaultRecordBatch.RECORD_BATCH_OVERHEAD) {
      int size = Records.LOG_OVERHEAD + batches.getInt(position + Records.SIZE_OFFSET);
      if (size < DefaultRecordBatch.RECORD_BATCH_OVERHEAD || size > limit - position) {
        break;
      }
      if (batches.get(position + Records.MAGIC_OFFSET) == RecordBatch.MAGIC_VALUE_V2) {
        records += batches.getInt(position + RECORDS_COUNT_OFFSET);
      }
      position += size;
    }
    return records;
  }
}
