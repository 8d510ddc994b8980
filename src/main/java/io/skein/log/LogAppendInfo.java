package io.skein.log;

/**
 * What an append wrote.
 *
 * @param logAppendTime the broker time stamped on the batches, or -1 unless the log uses
 *     LogAppendTime
 * @param maxTimestamp the largest record timestamp appended (after LogAppendTime was applied)
 * @param validBytes bytes written to the log
 * @param duplicate the append repeated an idempotent producer's batch already stored at these
 *     offsets; nothing was written
 */
public record LogAppendInfo(
    long firstOffset,
    long lastOffset,
    long logAppendTime,
    long maxTimestamp,
    int recordCount,
    int batchCount,
    int validBytes,
    boolean duplicate) {

  static LogAppendInfo duplicate(long firstOffset, long lastOffset) {
    return new LogAppendInfo(firstOffset, lastOffset, -1, -1, 0, 0, 0, true);
  }
}
