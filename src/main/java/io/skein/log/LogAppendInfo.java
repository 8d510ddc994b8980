package io.skein.log;

/**
 * What an append wrote.
 *
 * @param logAppendTime the broker time stamped on the batches, or -1 unless the log uses
 *     LogAppendTime
 * @param maxTimestamp the largest record timestamp appended (after LogAppendTime was applied)
 * @param validBytes bytes written to the log
 */
public record LogAppendInfo(
    long firstOffset,
    long lastOffset,
    long logAppendTime,
    long maxTimestamp,
    int recordCount,
    int batchCount,
    int validBytes) {}
