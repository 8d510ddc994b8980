package io.skein.log;

import java.nio.ByteBuffer;

/**
 * Whole record batches read from the log, ready to send as they are.
 *
 * @param records zero or more complete v2 batches, back to back
 * @param firstBatchBaseOffset base offset of the first returned batch (may be below the requested
 *     offset); -1 when empty
 * @param nextOffset last offset of the last returned batch + 1; the requested offset when empty
 */
public record LogReadResult(
    ByteBuffer records,
    long firstBatchBaseOffset,
    long nextOffset,
    long highWatermark,
    long logStartOffset,
    long logEndOffset) {

  public boolean isEmpty() {
    return !records.hasRemaining();
  }
}
