package io.skein.log;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Layout of the fixed 61-byte header of a Kafka v2 record batch, read in place from a buffer at a
 * batch start. Reading fields this way lets the append and scan paths walk batches without
 * allocating per batch.
 */
final class BatchHeader {
  static final int BASE_OFFSET_OFFSET = 0;
  static final int LENGTH_OFFSET = 8;
  static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
  static final int MAGIC_OFFSET = 16;
  static final int ATTRIBUTES_OFFSET = 21;
  static final int LAST_OFFSET_DELTA_OFFSET = 23;
  static final int BASE_TIMESTAMP_OFFSET = 27;
  static final int MAX_TIMESTAMP_OFFSET = 35;
  static final int PRODUCER_ID_OFFSET = 43;
  static final int PRODUCER_EPOCH_OFFSET = 51;
  static final int BASE_SEQUENCE_OFFSET = 53;
  static final int RECORDS_COUNT_OFFSET = 57;
  static final int RECORD_BATCH_OVERHEAD = 61;

  /**
   * The length field counts the bytes after itself, so a batch occupies length + LOG_OVERHEAD
   * bytes.
   */
  static final int LOG_OVERHEAD = 12;

  /** Invariant: the length field covers at least the rest of the fixed header. */
  static final int MIN_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

  /** The only batch format this log stores. */
  static final byte MAGIC_V2 = RecordBatch.MAGIC_VALUE_V2;

  private BatchHeader() {}

  static long baseOffset(ByteBuffer buffer, int batchStart) {
    return buffer.getLong(batchStart + BASE_OFFSET_OFFSET);
  }

  static int lengthField(ByteBuffer buffer, int batchStart) {
    return buffer.getInt(batchStart + LENGTH_OFFSET);
  }

  static int batchSize(ByteBuffer buffer, int batchStart) {
    return lengthField(buffer, batchStart) + LOG_OVERHEAD;
  }

  static byte magic(ByteBuffer buffer, int batchStart) {
    return buffer.get(batchStart + MAGIC_OFFSET);
  }

  static int lastOffsetDelta(ByteBuffer buffer, int batchStart) {
    return buffer.getInt(batchStart + LAST_OFFSET_DELTA_OFFSET);
  }

  static long lastOffset(ByteBuffer buffer, int batchStart) {
    return baseOffset(buffer, batchStart) + lastOffsetDelta(buffer, batchStart);
  }

  /** Attributes bit 6 (KIP-534): the base timestamp is the batch's delete horizon. */
  static final int DELETE_HORIZON_FLAG = 0x40;

  /** The time after which the cleaner may drop the batch's tombstones, or NO_TIMESTAMP. */
  static long deleteHorizon(ByteBuffer buffer, int batchStart) {
    return (buffer.getShort(batchStart + ATTRIBUTES_OFFSET) & DELETE_HORIZON_FLAG) != 0
        ? baseTimestamp(buffer, batchStart)
        : RecordBatch.NO_TIMESTAMP;
  }

  /**
   * The first record's timestamp, or the delete horizon in a batch the cleaner marked (attributes
   * bit 6, KIP-534).
   */
  static long baseTimestamp(ByteBuffer buffer, int batchStart) {
    return buffer.getLong(batchStart + BASE_TIMESTAMP_OFFSET);
  }

  static long maxTimestamp(ByteBuffer buffer, int batchStart) {
    return buffer.getLong(batchStart + MAX_TIMESTAMP_OFFSET);
  }

  static int partitionLeaderEpoch(ByteBuffer buffer, int batchStart) {
    return buffer.getInt(batchStart + PARTITION_LEADER_EPOCH_OFFSET);
  }

  /** The idempotent producer's id, or {@link RecordBatch#NO_PRODUCER_ID} (-1). */
  static long producerId(ByteBuffer buffer, int batchStart) {
    return buffer.getLong(batchStart + PRODUCER_ID_OFFSET);
  }

  static short producerEpoch(ByteBuffer buffer, int batchStart) {
    return buffer.getShort(batchStart + PRODUCER_EPOCH_OFFSET);
  }

  static int baseSequence(ByteBuffer buffer, int batchStart) {
    return buffer.getInt(batchStart + BASE_SEQUENCE_OFFSET);
  }

  /** The sequence of the batch's last record; sequences wrap from Integer.MAX_VALUE to 0. */
  static int lastSequence(ByteBuffer buffer, int batchStart) {
    long last = (long) baseSequence(buffer, batchStart) + lastOffsetDelta(buffer, batchStart);
    return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
  }

  /**
   * Checks that a complete v2 batch header starts at {@code batchStart} and that the batch its
   * length field describes ends within {@code available} bytes. Returns null if so, else why not.
   */
  static String framingProblem(ByteBuffer header, int batchStart, long available) {
    if (available < RECORD_BATCH_OVERHEAD) {
      return "incomplete batch header: "
          + available
          + " bytes left, a header needs "
          + RECORD_BATCH_OVERHEAD;
    }
    int length = lengthField(header, batchStart);
    if (length < MIN_LENGTH) {
      return "batch length field " + length + " is smaller than the header (" + MIN_LENGTH + ")";
    }
    if ((long) length + LOG_OVERHEAD > available) {
      return "incomplete batch: length field says "
          + ((long) length + LOG_OVERHEAD)
          + " bytes, only "
          + available
          + " left";
    }
    byte magic = magic(header, batchStart);
    if (magic != MAGIC_V2) {
      return "unsupported batch magic " + magic + " (only v2 batches are stored)";
    }
    if (lastOffsetDelta(header, batchStart) < 0) {
      return "negative lastOffsetDelta " + lastOffsetDelta(header, batchStart);
    }
    return null;
  }
}
