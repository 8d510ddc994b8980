package io.skein.log;

import java.io.IOException;
import java.util.List;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * What of a log the cleaner may compact now: the inactive segments from the log start up to the
 * first that is not wholly below the high watermark or not older than min.compaction.lag.ms
 * (segment granularity, as Kafka), split at the clean offset into a clean and a dirty part.
 *
 * @param firstDirtyOffset where the dirty part starts (the log's clean offset)
 * @param endOffset where the cleanable segments end; nothing at or above it is cleaned
 * @param cleanBytes bytes of the segments wholly below {@code firstDirtyOffset}
 * @param dirtyBytes bytes of the other cleanable segments
 * @param firstDirtyTimestamp the first batch timestamp of the first dirty segment, NO_TIMESTAMP if
 *     there is none
 */
record CleanableSection(
    long firstDirtyOffset,
    long endOffset,
    long cleanBytes,
    long dirtyBytes,
    long firstDirtyTimestamp) {

  static CleanableSection of(Log log, long nowMs) throws IOException {
    LogConfig config = log.config();
    List<LogSegment> segments = log.segments();
    long highWatermark = log.highWatermark();
    long firstDirty = log.cleanedOffset();
    long end = segments.get(0).baseOffset;
    long cleanBytes = 0;
    long dirtyBytes = 0;
    long firstDirtyTimestamp = RecordBatch.NO_TIMESTAMP;
    // The last segment is the active one, never cleaned.
    for (LogSegment segment : segments.subList(0, segments.size() - 1)) {
      if (segment.nextOffset() > highWatermark
          || (config.minCompactionLagMs() > 0
              && segment.largestTimestamp() > nowMs - config.minCompactionLagMs())) {
        break;
      }
      if (segment.nextOffset() <= firstDirty) {
        cleanBytes += segment.size();
      } else {
        if (dirtyBytes == 0) {
          firstDirtyTimestamp = segment.firstBatchTimestamp();
        }
        dirtyBytes += segment.size();
      }
      end = segment.nextOffset();
    }
    return new CleanableSection(
        Math.min(firstDirty, end), end, cleanBytes, dirtyBytes, firstDirtyTimestamp);
  }

  /** Dirty bytes over all cleanable bytes, 0 when there are none. */
  double dirtyRatio() {
    long total = cleanBytes + dirtyBytes;
    return total == 0 ? 0 : (double) dirtyBytes / total;
  }

  boolean hasDirtyRecords() {
    return firstDirtyOffset < endOffset;
  }

  /** Whether a dirty record has waited longer than max.compaction.lag.ms. */
  boolean pastMaxCompactionLag(long nowMs, LogConfig config) {
    return hasDirtyRecords()
        && firstDirtyTimestamp != RecordBatch.NO_TIMESTAMP
        && nowMs - firstDirtyTimestamp > config.maxCompactionLagMs();
  }

  /** Whether the cleaner should compact the log now. */
  boolean cleanable(long nowMs, LogConfig config) {
    return hasDirtyRecords()
        && (dirtyRatio() >= config.minCleanableDirtyRatio() || pastMaxCompactionLag(nowMs, config));
  }

  /**
   * Whether a clean would drop tombstones now though nothing may be dirty: the latest delete
   * horizon the last clean left has passed. The cleaner turns to such logs when none is dirty
   * enough, so that deleted keys go from a topic that is no longer written (as Kafka, KIP-534).
   */
  static boolean tombstonesExpired(Log log, long nowMs) {
    long horizon = log.latestDeleteHorizonMs();
    return horizon != RecordBatch.NO_TIMESTAMP && horizon <= nowMs;
  }
}
