package io.skein.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.internals.BufferSupplier;

/**
 * Compacts one log at a time, keeping the latest record of every key: the work of one cleaner
 * thread, which owns this object and its buffers.
 *
 * <p>A clean builds a key to latest offset map over the dirty section (as far as the map holds),
 * then rewrites every segment from the log start to where the map ends, a group of small segments
 * into one, keeping a record if no later record has its key. Offsets stay as they were, so the log
 * has gaps; each kept batch keeps its base and last offset, producer id, epoch and base sequence,
 * and its leader epoch. Tombstones (null values) are kept until delete.retention.ms after the clean
 * that first saw them: that clean writes the deadline into their batch (KIP-534's delete horizon),
 * a later clean drops them. Records without a key are dropped, as Kafka's cleaner does. Control
 * batches (transaction markers) are kept whole until transactions teach the cleaner when they may
 * go. An emptied batch is kept as a bare header when it is the last batch of a producer in the
 * cleaned range (its sequence numbers are what idempotence checks) or the last batch of a group,
 * which keeps every cleaned segment ending at the offset where its originals ended: an open that
 * completes an interrupted swap relies on that.
 *
 * <p>Every segment the clean reads is inactive and wholly below the high watermark, so no writer
 * changes its bytes; the swap ({@link Log#replaceSegments}) checks they are still the log's.
 */
final class Cleaner {
  /** Bytes read from a segment at a time (more if one batch is larger). */
  static final int READ_CHUNK_BYTES = 1024 * 1024;

  private static final MemoryRecords.RecordFilter.BatchRetentionResult KEEP_EMPTY =
      new MemoryRecords.RecordFilter.BatchRetentionResult(
          MemoryRecords.RecordFilter.BatchRetention.RETAIN_EMPTY, false);
  private static final MemoryRecords.RecordFilter.BatchRetentionResult DROP_EMPTY =
      new MemoryRecords.RecordFilter.BatchRetentionResult(
          MemoryRecords.RecordFilter.BatchRetention.DELETE_EMPTY, false);

  /** Raised inside a clean when it is told to stop. */
  static final class Aborted extends Exception {
    Aborted() {
      super(null, null, false, false);
    }
  }

  /** What one clean did. */
  record Stats(
      long bytesRead,
      long bytesWritten,
      long recordsRead,
      long recordsKept,
      int segmentsBefore,
      int segmentsAfter,
      long cleanedToOffset,
      long durationMs) {}

  private final OffsetMap offsetMap;
  private final Throttler throttler;
  private final Clock clock;
  private final BufferSupplier decompression = BufferSupplier.create();
  private ByteBuffer readBuffer = ByteBuffer.allocate(READ_CHUNK_BYTES);
  private ByteBuffer writeBuffer = ByteBuffer.allocate(READ_CHUNK_BYTES);
  private long bytesRead;
  private long bytesWritten;
  private long recordsRead;
  private long recordsKept;
  private long latestDeleteHorizonMs;

  Cleaner(int offsetMapBytes, Throttler throttler, Clock clock) {
    this.offsetMap = new OffsetMap(offsetMapBytes);
    this.throttler = throttler;
    this.clock = clock;
  }

  /**
   * Compacts {@code log}'s cleanable section as it is now. Returns null if it has no dirty records
   * or the log changed under the clean (retention or truncation took a segment, or it closed);
   * {@code aborted} is polled between chunks and stops the clean with {@link Aborted}.
   */
  Stats clean(Log log, BooleanSupplier aborted) throws IOException, Aborted {
    long startMs = clock.millis();
    CleanableSection section = CleanableSection.of(log, startMs);
    if (!section.hasDirtyRecords() && !CleanableSection.tombstonesExpired(log, startMs)) {
      return null;
    }
    latestDeleteHorizonMs = RecordBatch.NO_TIMESTAMP;
    bytesRead = 0;
    bytesWritten = 0;
    recordsRead = 0;
    recordsKept = 0;
    try {
      List<LogSegment> segments = log.segments();
      long mapEnd = buildOffsetMap(segments, section, aborted);
      List<LogSegment> toClean = new ArrayList<>();
      for (LogSegment segment : segments) {
        if (segment.baseOffset >= mapEnd) {
          break;
        }
        toClean.add(segment);
      }
      Map<Long, Long> lastBatchOfProducer = lastBatchOfEachProducer(toClean);
      List<List<LogSegment>> groups = group(toClean, log.config());
      for (List<LogSegment> group : groups) {
        LogSegment cleaned = cleanGroup(log, group, lastBatchOfProducer, startMs, aborted);
        if (!log.replaceSegments(group, cleaned)) {
          return null;
        }
      }
      log.checkpointCleanedTo(mapEnd, latestDeleteHorizonMs);
      return new Stats(
          bytesRead,
          bytesWritten,
          recordsRead,
          recordsKept,
          toClean.size(),
          groups.size(),
          mapEnd,
          clock.millis() - startMs);
    } catch (ClosedChannelException e) {
      // Retention, truncation or close took a segment we were reading: the log moved on.
      return null;
    }
  }

  /**
   * Puts every keyed record of the dirty section in the offset map, stopping at the first batch
   * that might not fit. Returns the offset where the map ends.
   */
  private long buildOffsetMap(
      List<LogSegment> segments, CleanableSection section, BooleanSupplier aborted)
      throws IOException, Aborted {
    offsetMap.clear();
    long start = section.firstDirtyOffset();
    for (LogSegment segment : segments) {
      if (segment.baseOffset >= section.endOffset()) {
        break;
      }
      if (segment.nextOffset() <= start) {
        continue;
      }
      long offset = Math.max(start, segment.baseOffset);
      while (true) {
        checkAborted(aborted);
        LogSegment.Read read =
            segment.read(offset, READ_CHUNK_BYTES, section.endOffset(), this::readBuffer);
        if (read == null || !read.records().hasRemaining()) {
          break;
        }
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(read.records()).batches()) {
          if (batch.isControlBatch()) {
            continue;
          }
          Integer count = batch.countOrNull();
          int records = count == null ? 0 : count;
          if (offsetMap.size() + records > offsetMap.capacity()) {
            if (offsetMap.size() == 0) {
              throw new IllegalStateException(
                  "log.cleaner.dedupe.buffer.size holds "
                      + offsetMap.capacity()
                      + " keys per cleaner thread, fewer than one batch's "
                      + records);
            }
            return batch.baseOffset();
          }
          for (Record record : batch) {
            if (record.offset() >= start && record.hasKey()) {
              offsetMap.put(record.key(), record.offset());
            }
          }
        }
        bytesRead += read.records().remaining();
        throttler.throttle(read.records().remaining(), aborted);
        offset = read.nextOffset();
      }
    }
    return section.endOffset();
  }

  /** Producer id to the last offset of its last batch in {@code segments}. */
  private static Map<Long, Long> lastBatchOfEachProducer(List<LogSegment> segments)
      throws IOException {
    Map<Long, Long> last = new HashMap<>();
    for (LogSegment segment : segments) {
      segment.forEachBatchHeader(
          header -> {
            long producerId = BatchHeader.producerId(header, 0);
            if (producerId != RecordBatch.NO_PRODUCER_ID) {
              last.put(producerId, BatchHeader.lastOffset(header, 0));
            }
          });
    }
    return last;
  }

  /**
   * Consecutive segments whose cleaned copy fits one segment: at most segment.bytes in all (their
   * sizes before cleaning, so the copy surely fits) and offsets relative to the first within an
   * int.
   */
  static List<List<LogSegment>> group(List<LogSegment> segments, LogConfig config) {
    List<List<LogSegment>> groups = new ArrayList<>();
    List<LogSegment> current = new ArrayList<>();
    long bytes = 0;
    for (LogSegment segment : segments) {
      if (!current.isEmpty()
          && (bytes + segment.size() > config.segmentBytes()
              || segment.nextOffset() - 1 - current.get(0).baseOffset > Integer.MAX_VALUE)) {
        groups.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(segment);
      bytes += segment.size();
    }
    if (!current.isEmpty()) {
      groups.add(current);
    }
    return groups;
  }

  /** Writes the kept batches of {@code group} into a new {@code .cleaned} segment. */
  private LogSegment cleanGroup(
      Log log,
      List<LogSegment> group,
      Map<Long, Long> lastBatchOfProducer,
      long nowMs,
      BooleanSupplier aborted)
      throws IOException, Aborted {
    LogConfig config = log.config();
    LogSegment last = group.get(group.size() - 1);
    LogSegment cleaned =
        LogSegment.createCleaned(log.dir(), group.get(0).baseOffset, config.segmentIndexBytes());
    KeepLatestFilter filter =
        new KeepLatestFilter(
            nowMs, config.deleteRetentionMs(), last.nextOffset() - 1, lastBatchOfProducer);
    try {
      for (LogSegment segment : group) {
        long offset = segment.baseOffset;
        while (true) {
          checkAborted(aborted);
          LogSegment.Read read =
              segment.read(offset, READ_CHUNK_BYTES, Long.MAX_VALUE, this::readBuffer);
          if (read == null || !read.records().hasRemaining()) {
            break;
          }
          ByteBuffer input = read.records();
          int chunkBytes = input.remaining();
          while (input.hasRemaining()) {
            ByteBuffer output = writeBuffer(input.remaining());
            MemoryRecords.FilterResult result =
                MemoryRecords.readableRecords(input.slice())
                    .filterTo(filter, output, decompression, Integer.MAX_VALUE);
            // filterTo hands back a larger buffer (and stops early) when the output outgrew ours.
            writeBuffer = result.outputBuffer();
            input.position(input.position() + result.bytesRead());
            recordsRead += result.messagesRead();
            recordsKept += result.messagesRetained();
            ByteBuffer kept = writeBuffer.duplicate().flip();
            if (kept.hasRemaining()) {
              cleaned.append(kept, lastOffsetOf(kept), nowMs, config.indexIntervalBytes());
              noteDeleteHorizons(kept, nowMs);
              bytesWritten += kept.remaining();
              throttler.throttle(kept.remaining(), aborted);
            }
          }
          bytesRead += chunkBytes;
          throttler.throttle(chunkBytes, aborted);
          offset = read.nextOffset();
        }
      }
      cleaned.onBecomeInactive();
      cleaned.flush();
      return cleaned;
    } catch (IOException | RuntimeException | Aborted e) {
      cleaned.closeAndDeleteFiles();
      throw e;
    }
  }

  /**
   * Notes the horizons still ahead of {@code nowMs}. A kept batch whose horizon has passed has no
   * tombstone left (this clean dropped them) but keeps the mark when rewritten, as Kafka's does:
   * counted, it would make the log look due for another clean at once, forever.
   */
  private void noteDeleteHorizons(ByteBuffer batches, long nowMs) {
    for (int position = batches.position(); position < batches.limit(); ) {
      long horizon = BatchHeader.deleteHorizon(batches, position);
      if (horizon > nowMs) {
        latestDeleteHorizonMs = Math.max(latestDeleteHorizonMs, horizon);
      }
      position += BatchHeader.batchSize(batches, position);
    }
  }

  private static long lastOffsetOf(ByteBuffer batches) {
    long last = -1;
    for (int position = batches.position(); position < batches.limit(); ) {
      last = BatchHeader.lastOffset(batches, position);
      position += BatchHeader.batchSize(batches, position);
    }
    return last;
  }

  private ByteBuffer readBuffer(int capacity) {
    if (readBuffer.capacity() < capacity) {
      readBuffer = ByteBuffer.allocate(capacity);
    }
    return readBuffer;
  }

  /** The write buffer, cleared, with room for at least {@code capacity} bytes. */
  private ByteBuffer writeBuffer(int capacity) {
    if (writeBuffer.capacity() < capacity) {
      writeBuffer = ByteBuffer.allocate(capacity);
    }
    return writeBuffer.clear();
  }

  private static void checkAborted(BooleanSupplier aborted) throws Aborted {
    if (aborted.getAsBoolean()) {
      throw new Aborted();
    }
  }

  /** Keeps what {@link Cleaner}'s class comment says is kept. */
  private final class KeepLatestFilter extends MemoryRecords.RecordFilter {
    private final long keepLastOffset;
    private final Map<Long, Long> lastBatchOfProducer;

    KeepLatestFilter(
        long nowMs,
        long deleteRetentionMs,
        long keepLastOffset,
        Map<Long, Long> lastBatchOfProducer) {
      super(nowMs, deleteRetentionMs);
      this.keepLastOffset = keepLastOffset;
      this.lastBatchOfProducer = lastBatchOfProducer;
    }

    @Override
    protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
      boolean lastOfGroup = batch.lastOffset() == keepLastOffset;
      boolean lastOfProducer =
          batch.hasProducerId()
              && lastBatchOfProducer.getOrDefault(batch.producerId(), -1L) == batch.lastOffset();
      return lastOfGroup || lastOfProducer ? KEEP_EMPTY : DROP_EMPTY;
    }

    @Override
    protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
      if (batch.isControlBatch()) {
        return true;
      }
      if (!record.hasKey()) {
        return false;
      }
      if (offsetMap.get(record.key()) > record.offset()) {
        return false;
      }
      if (!record.hasValue()) {
        OptionalLong deleteHorizon = batch.deleteHorizonMs();
        return deleteHorizon.isEmpty() || currentTime < deleteHorizon.getAsLong();
      }
      return true;
    }
  }
}
