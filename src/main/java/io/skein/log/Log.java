package io.skein.log;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition's log: segments of Kafka v2 record batches in one directory, with sparse offset and
 * time indexes, roll by size and age, retention by time and size, crash recovery, a high watermark
 * and a leader epoch cache.
 *
 * <p>Threading: one writer thread appends, rolls, truncates, applies retention, flushes and closes.
 * Any thread may {@link #read} and {@link #offsetForTimestamp} concurrently: the segment map is
 * concurrent, segment sizes and the log end offset are volatile and published after the bytes are
 * written, and files are read positionally.
 */
public final class Log implements Closeable {
  static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";

  /**
   * Suffixes left by interrupted operations (deletion, checkpoint writes, compaction); removed on
   * open.
   */
  private static final List<String> STRAY_SUFFIXES =
      List.of(LogSegment.DELETED_SUFFIX, CheckpointFile.TEMP_SUFFIX, ".cleaned", ".swap");

  private static final Logger LOG = LoggerFactory.getLogger(Log.class);

  private final Path dir;
  private final Clock clock;
  private final ConcurrentSkipListMap<Long, LogSegment> segments;
  private final LeaderEpochCache epochCache;
  private final LogOffsetsCheckpoint offsetsCheckpoint;
  private volatile LogConfig config;
  private volatile long logStartOffset;
  private volatile long logEndOffset;
  private volatile long highWatermark;
  private volatile boolean closed;

  /** Every offset below this is fsynced. */
  private long recoveryPoint;

  private long unflushedRecords;
  private long lastFlushMs;

  private Log(
      Path dir,
      LogConfig config,
      Clock clock,
      ConcurrentSkipListMap<Long, LogSegment> segments,
      LeaderEpochCache epochCache,
      LogOffsetsCheckpoint offsetsCheckpoint,
      long logStartOffset,
      long highWatermark) {
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.segments = segments;
    this.epochCache = epochCache;
    this.offsetsCheckpoint = offsetsCheckpoint;
    this.logEndOffset = segments.lastEntry().getValue().nextOffset();
    this.logStartOffset = logStartOffset;
    this.highWatermark = highWatermark;
    this.recoveryPoint = logEndOffset;
    this.lastFlushMs = clock.millis();
  }

  /**
   * Opens the log in {@code dir}, creating the directory if missing, recovering it if it was not
   * closed cleanly.
   */
  public static Log open(Path dir, LogConfig config, Clock clock) throws IOException {
    Files.createDirectories(dir);
    deleteStrayFiles(dir);
    LogOffsetsCheckpoint offsetsCheckpoint = new LogOffsetsCheckpoint(dir);
    LogOffsetsCheckpoint.Offsets saved = offsetsCheckpoint.read();
    Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
    boolean cleanShutdown = Files.exists(marker);
    LeaderEpochCache epochCache = LeaderEpochCache.load(dir);
    // Recovery tells the cache of every batch it validates, so a lost checkpoint is rebuilt by
    // recovering every segment, and one written before a crash learns of the batches after it.
    ConcurrentSkipListMap<Long, LogSegment> segments =
        loadSegments(
            dir,
            config,
            cleanShutdown && !epochCache.lost(),
            epochCache.lost() ? -1 : saved.recoveryPoint(),
            (epoch, baseOffset) -> {
              if (epoch > epochCache.latestEpoch()) {
                epochCache.assign(epoch, baseOffset);
              }
            });
    boolean newLog = segments.isEmpty();
    if (newLog) {
      segments.put(
          saved.logStartOffset(),
          LogSegment.create(dir, saved.logStartOffset(), config.segmentIndexBytes()));
    }
    LogSegment active = segments.lastEntry().getValue();
    for (LogSegment segment : segments.headMap(active.baseOffset).values()) {
      segment.onBecomeInactive();
    }
    active.makeActive(config.segmentIndexBytes());
    long now = clock.millis();
    if (!active.isEmpty()) {
      active.startRollClock(now);
    }
    long logEndOffset = active.nextOffset();
    long logStartOffset =
        Math.min(Math.max(saved.logStartOffset(), segments.firstKey()), logEndOffset);
    long highWatermark = Math.min(Math.max(saved.highWatermark(), logStartOffset), logEndOffset);
    epochCache.truncateFromEnd(logEndOffset);
    epochCache.truncateFromStart(logStartOffset);
    Files.deleteIfExists(marker);
    CheckpointFile.fsyncDirectory(dir);
    Log log =
        new Log(
            dir,
            config,
            clock,
            segments,
            epochCache,
            offsetsCheckpoint,
            logStartOffset,
            highWatermark);
    log.writeOffsetsCheckpoint();
    LOG.info(
        "Opened {} log {}: offsets [{}, {}), {} segments",
        newLog ? "new" : cleanShutdown ? "cleanly closed" : "recovered",
        dir,
        logStartOffset,
        logEndOffset,
        segments.size());
    return log;
  }

  /**
   * Opens every segment. After a clean shutdown each is trusted once its indexes pass a sanity
   * check; otherwise segments from the one holding the recovery point on are validated batch by
   * batch (all of them for a negative recovery point). At the first bad batch the segment is
   * truncated and every later segment deleted. Recovered segments are fsynced.
   */
  private static ConcurrentSkipListMap<Long, LogSegment> loadSegments(
      Path dir,
      LogConfig config,
      boolean cleanShutdown,
      long recoveryPoint,
      LogSegment.RecoveredBatch recovered)
      throws IOException {
    List<Long> baseOffsets = segmentBaseOffsets(dir);
    long recoverFrom = Long.MAX_VALUE;
    if (!cleanShutdown) {
      recoverFrom = baseOffsets.isEmpty() ? 0 : baseOffsets.get(0);
      for (long base : baseOffsets) {
        if (base <= recoveryPoint) {
          recoverFrom = base;
        }
      }
    }
    ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    long previousNextOffset = 0;
    for (int i = 0; i < baseOffsets.size(); i++) {
      long base = baseOffsets.get(i);
      if (base < previousNextOffset) {
        for (LogSegment loaded : segments.values()) {
          loaded.close();
        }
        throw new CorruptRecordException(
            "Segment "
                + LogSegment.fileName(base, LogSegment.LOG_SUFFIX)
                + " in "
                + dir
                + " overlaps the previous segment, which ends at offset "
                + previousNextOffset);
      }
      LogSegment segment = LogSegment.open(dir, base);
      boolean recover = base >= recoverFrom;
      if (!recover) {
        String problem = segment.loadClean();
        if (problem != null) {
          LOG.warn("Rebuilding indexes of {} from the log: {}", segment.logFile(), problem);
          recover = true;
        }
      }
      segments.put(base, segment);
      if (recover) {
        LogSegment.Recovery recovery =
            segment.recover(
                previousNextOffset,
                config.segmentIndexBytes(),
                config.indexIntervalBytes(),
                recovered);
        segment.flush();
        if (recovery.truncatedBytes() > 0) {
          LOG.warn(
              "Recovery truncated {} at position {}: dropped {} bytes ({}); offsets from {} on are"
                  + " lost",
              segment.logFile(),
              recovery.validBytes(),
              recovery.truncatedBytes(),
              recovery.reason(),
              segment.nextOffset());
          deleteSegmentFilesAfter(dir, baseOffsets.subList(i + 1, baseOffsets.size()));
          break;
        }
      }
      previousNextOffset = segment.nextOffset();
    }
    return segments;
  }

  private static void deleteSegmentFilesAfter(Path dir, List<Long> laterBaseOffsets)
      throws IOException {
    for (long base : laterBaseOffsets) {
      Path logFile = dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX));
      LOG.warn(
          "Recovery deleted {} ({} bytes): it follows a truncated segment",
          logFile,
          Files.size(logFile));
      for (String suffix :
          List.of(LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX, LogSegment.TIME_INDEX_SUFFIX)) {
        Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, suffix)));
      }
    }
  }

  /** Base offsets of the .log files, sorted; index files without a .log file are deleted. */
  private static List<Long> segmentBaseOffsets(Path dir) throws IOException {
    List<Long> baseOffsets = new ArrayList<>();
    List<Path> orphanIndexes = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        long base = LogSegment.parseBaseOffset(name, LogSegment.LOG_SUFFIX);
        if (base >= 0) {
          baseOffsets.add(base);
          continue;
        }
        long indexBase =
            Math.max(
                LogSegment.parseBaseOffset(name, LogSegment.INDEX_SUFFIX),
                LogSegment.parseBaseOffset(name, LogSegment.TIME_INDEX_SUFFIX));
        if (indexBase >= 0
            && !Files.exists(dir.resolve(LogSegment.fileName(indexBase, LogSegment.LOG_SUFFIX)))) {
          orphanIndexes.add(file);
        }
      }
    }
    for (Path orphan : orphanIndexes) {
      LOG.warn("Deleting index file {} that has no log file", orphan);
      Files.delete(orphan);
    }
    baseOffsets.sort(Comparator.naturalOrder());
    return baseOffsets;
  }

  private static void deleteStrayFiles(Path dir) throws IOException {
    List<Path> strays = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files
          .filter(file -> STRAY_SUFFIXES.stream().anyMatch(file.getFileName().toString()::endsWith))
          .forEach(strays::add);
    }
    for (Path stray : strays) {
      LOG.info("Deleting {} left by an interrupted operation", stray);
      Files.delete(stray);
    }
  }

  /**
   * Validates every batch, then assigns offsets from the log end, stamps {@code leaderEpoch} (and
   * the append time under LogAppendTime) in place, and appends. Nothing is written if any batch is
   * invalid.
   */
  public LogAppendInfo appendAsLeader(MemoryRecords records, int leaderEpoch) throws IOException {
    ensureOpen();
    LogConfig current = config;
    int recordCount = validate(records, current.maxMessageBytes());
    long now = clock.millis();
    boolean logAppendTime = current.timestampType() == TimestampType.LOG_APPEND_TIME;
    long firstOffset = logEndOffset;
    long nextOffset = firstOffset;
    long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    int batchCount = 0;
    for (MutableRecordBatch batch : records.batches()) {
      long lastOffset = nextOffset + (batch.lastOffset() - batch.baseOffset());
      batch.setLastOffset(lastOffset);
      batch.setPartitionLeaderEpoch(leaderEpoch);
      if (logAppendTime) {
        batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, now);
      }
      maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
      nextOffset = lastOffset + 1;
      batchCount++;
    }
    write(records.buffer(), nextOffset - 1, recordCount, now);
    if (leaderEpoch != epochCache.latestEpoch()) {
      epochCache.assign(leaderEpoch, firstOffset);
    }
    maybeFlushForMessages();
    return new LogAppendInfo(
        firstOffset,
        nextOffset - 1,
        logAppendTime ? now : RecordBatch.NO_TIMESTAMP,
        maxTimestamp,
        recordCount,
        batchCount,
        records.sizeInBytes());
  }

  /**
   * Appends batches that already carry offsets and epochs (replication); they must start at the log
   * end offset.
   */
  public LogAppendInfo appendAsFollower(MemoryRecords records) throws IOException {
    ensureOpen();
    int recordCount = validate(records, Integer.MAX_VALUE);
    ByteBuffer buffer = records.buffer();
    long expectedBase = logEndOffset;
    long firstOffset = BatchHeader.baseOffset(buffer, buffer.position());
    if (firstOffset != expectedBase) {
      throw new UnexpectedAppendOffsetException(
          "Follower append starts at offset "
              + firstOffset
              + " but the log ends at "
              + expectedBase,
          firstOffset,
          expectedBase);
    }
    long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    int batchCount = 0;
    for (int position = buffer.position(); position < buffer.limit(); ) {
      if (BatchHeader.baseOffset(buffer, position) < expectedBase) {
        throw new CorruptRecordException(
            "Follower append batch "
                + batchCount
                + " has offset "
                + BatchHeader.baseOffset(buffer, position)
                + ", below the previous batch's end "
                + expectedBase);
      }
      expectedBase = BatchHeader.lastOffset(buffer, position) + 1;
      maxTimestamp = Math.max(maxTimestamp, BatchHeader.maxTimestamp(buffer, position));
      position += BatchHeader.batchSize(buffer, position);
      batchCount++;
    }
    long lastOffset = expectedBase - 1;
    write(buffer, lastOffset, recordCount, clock.millis());
    for (int position = buffer.position(); position < buffer.limit(); ) {
      int epoch = BatchHeader.partitionLeaderEpoch(buffer, position);
      if (epoch > epochCache.latestEpoch()) {
        epochCache.assign(epoch, BatchHeader.baseOffset(buffer, position));
      }
      position += BatchHeader.batchSize(buffer, position);
    }
    maybeFlushForMessages();
    return new LogAppendInfo(
        firstOffset,
        lastOffset,
        RecordBatch.NO_TIMESTAMP,
        maxTimestamp,
        recordCount,
        batchCount,
        records.sizeInBytes());
  }

  /**
   * Checks that {@code records} is one or more whole v2 batches, each at most {@code
   * maxBatchBytes}, with a matching CRC and a record count of lastOffsetDelta + 1. Returns the
   * total record count.
   */
  private static int validate(MemoryRecords records, int maxBatchBytes) {
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
      if ((long) count != (long) BatchHeader.lastOffsetDelta(buffer, position) + 1) {
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
   * Appends validated batches with offsets assigned, rolling first if the active segment cannot
   * take them.
   */
  private void write(ByteBuffer batches, long lastOffset, int recordCount, long now)
      throws IOException {
    LogSegment active = activeSegment();
    LogConfig current = config;
    if (!active.isEmpty()) {
      String rollReason = null;
      if (active.size() + (long) batches.remaining() > current.segmentBytes()) {
        rollReason = "segment.bytes";
      } else if (now - active.rollClockStartMs() > current.segmentMs()) {
        rollReason = "segment.ms";
      } else if (active.indexesFull()) {
        rollReason = "index full";
      } else if (lastOffset - active.baseOffset > Integer.MAX_VALUE) {
        rollReason = "relative offset overflow";
      }
      if (rollReason != null) {
        LOG.debug("Rolling {} ({})", active, rollReason);
        roll();
        active = activeSegment();
      }
    }
    active.append(batches, lastOffset, now, current.indexIntervalBytes());
    logEndOffset = lastOffset + 1; // publishes the append to readers
    unflushedRecords += recordCount;
  }

  private void maybeFlushForMessages() throws IOException {
    if (unflushedRecords >= config.flushMessages()) {
      flush();
    }
  }

  /**
   * Whole batches from the one holding {@code offset}, up to {@code maxBytes} (but at least one
   * batch if any is readable), none with an offset at or above {@code maxOffsetExclusive}. Reads
   * within one segment.
   */
  public LogReadResult read(long offset, int maxBytes, long maxOffsetExclusive) throws IOException {
    return read(offset, maxBytes, maxOffsetExclusive, ByteBuffer::allocate);
  }

  /**
   * {@link #read(long, int, long)} into a buffer from {@code buffers}, which is asked at most once,
   * for at least the capacity it is given; an empty result uses none of its buffers.
   */
  public LogReadResult read(long offset, int maxBytes, long maxOffsetExclusive, IntFunction<ByteBuffer> buffers)
      throws IOException {
    long end = logEndOffset;
    long start = logStartOffset;
    if (offset < start || offset > end) {
      throw new OffsetOutOfRangeException(offset, start, end);
    }
    long limit = Math.min(maxOffsetExclusive, end);
    if (offset < limit) {
      try {
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) {
          entry = segments.firstEntry();
        }
        for (; entry != null; entry = segments.higherEntry(entry.getKey())) {
          LogSegment.Read read = entry.getValue().read(offset, maxBytes, limit, buffers);
          if (read != null) {
            return new LogReadResult(
                read.records(),
                read.firstBatchBaseOffset(),
                read.nextOffset(),
                highWatermark,
                start,
                end);
          }
        }
      } catch (ClosedChannelException e) {
        // Retention deleted the segment while we read it: report the range as it is now.
        if (offset < logStartOffset) {
          throw new OffsetOutOfRangeException(offset, logStartOffset, logEndOffset);
        }
        throw e;
      }
    }
    return new LogReadResult(ByteBuffer.allocate(0), -1, offset, highWatermark, start, end);
  }

  /**
   * The first record whose timestamp is at or after {@code timestampMs}, with that timestamp; empty
   * if none.
   */
  public Optional<TimestampAndOffset> offsetForTimestamp(long timestampMs) throws IOException {
    long end = logEndOffset;
    for (LogSegment segment : segments.values()) {
      if (segment.maxTimestamp() >= timestampMs) {
        TimestampAndOffset found = segment.findOffsetForTimestamp(timestampMs);
        if (found != null) {
          return found.offset() < end ? Optional.of(found) : Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  public long logStartOffset() {
    return logStartOffset;
  }

  public long logEndOffset() {
    return logEndOffset;
  }

  public long highWatermark() {
    return highWatermark;
  }

  /**
   * Sets the high watermark, clamped to [logStartOffset, logEndOffset]; checkpointed on flush and
   * close.
   */
  public void updateHighWatermark(long hw) {
    highWatermark = Math.min(Math.max(hw, logStartOffset), logEndOffset);
  }

  public long sizeInBytes() {
    long total = 0;
    for (LogSegment segment : segments.values()) {
      total += segment.size();
    }
    return total;
  }

  public int numberOfSegments() {
    return segments.size();
  }

  /**
   * Applies to later appends, rolls and retention runs; index sizes apply to segments created from
   * now on.
   */
  public void updateConfig(LogConfig config) {
    this.config = config;
  }

  /** Offsets below this are fsynced. */
  long recoveryPoint() {
    return recoveryPoint;
  }

  List<LogSegment> segments() {
    return List.copyOf(segments.values());
  }

  /** Fsyncs everything appended so far and checkpoints the recovery point and high watermark. */
  public void flush() throws IOException {
    ensureOpen();
    long end = logEndOffset;
    Long from = segments.floorKey(recoveryPoint);
    for (LogSegment segment :
        segments.tailMap(from == null ? segments.firstKey() : from).values()) {
      segment.flush();
    }
    recoveryPoint = end;
    unflushedRecords = 0;
    lastFlushMs = clock.millis();
    writeOffsetsCheckpoint();
  }

  /** Flushes if flush.ms has passed since the last flush and there is something to flush. */
  public void flushIfDue() throws IOException {
    ensureOpen();
    if (clock.millis() - lastFlushMs >= config.flushMs() && recoveryPoint < logEndOffset) {
      flush();
    }
  }

  /**
   * Deletes whole segments, oldest first, while the oldest is past retention.ms (by its largest
   * timestamp) or the log without it is still at least retention.bytes. Never deletes the active
   * segment, but rolls it first when it is all that is left and past retention.ms. Returns how many
   * segments were deleted.
   */
  public int deleteRetainedSegments() throws IOException {
    ensureOpen();
    LogConfig current = config;
    long now = clock.millis();
    long remainingBytes = sizeInBytes();
    List<LogSegment> expired = new ArrayList<>();
    for (LogSegment segment : segments.values()) {
      boolean pastRetentionMs =
          current.retentionMs() >= 0 && now - segment.largestTimestamp() > current.retentionMs();
      boolean overRetentionBytes =
          current.retentionBytes() >= 0
              && remainingBytes - segment.size() >= current.retentionBytes();
      if (!pastRetentionMs && !overRetentionBytes) {
        break;
      }
      if (segment == activeSegment()) {
        if (pastRetentionMs && !segment.isEmpty()) {
          roll();
          expired.add(segment);
        }
        break;
      }
      expired.add(segment);
      remainingBytes -= segment.size();
    }
    if (expired.isEmpty()) {
      return 0;
    }
    long newStart = segments.higherKey(expired.get(expired.size() - 1).baseOffset);
    // Move the start first so concurrent readers get OffsetOutOfRange rather than a closed file.
    logStartOffset = Math.max(logStartOffset, newStart);
    highWatermark = Math.max(highWatermark, logStartOffset);
    recoveryPoint = Math.max(recoveryPoint, logStartOffset);
    for (LogSegment segment : expired) {
      segments.remove(segment.baseOffset);
      LOG.info("Retention deleted {} ({} bytes)", segment.logFile(), segment.size());
      segment.delete();
    }
    epochCache.truncateFromStart(logStartOffset);
    writeOffsetsCheckpoint();
    return expired.size();
  }

  /**
   * Starts a new active segment at the log end offset; a no-op while the active segment is empty.
   */
  public void roll() throws IOException {
    ensureOpen();
    LogSegment active = activeSegment();
    if (active.isEmpty()) {
      return;
    }
    long newBase = logEndOffset;
    active.onBecomeInactive();
    active.flush();
    segments.put(newBase, LogSegment.create(dir, newBase, config.segmentIndexBytes()));
    CheckpointFile.fsyncDirectory(dir);
    // Every earlier segment was fsynced when it rolled, so everything below the new base is
    // durable.
    recoveryPoint = newBase;
    unflushedRecords = 0;
    writeOffsetsCheckpoint();
  }

  /**
   * Drops every batch holding an offset at or after {@code offset}, and the epochs that start
   * there.
   */
  public void truncateTo(long offset) throws IOException {
    ensureOpen();
    if (offset < 0) {
      throw new IllegalArgumentException("Cannot truncate to negative offset " + offset);
    }
    if (offset >= logEndOffset) {
      // No batch to drop, but perhaps the epoch this replica recorded when it last led.
      epochCache.truncateFromEnd(offset);
      return;
    }
    if (offset <= logStartOffset) {
      truncateFullyAndStartAt(offset);
      return;
    }
    LogSegment holder = segments.floorEntry(offset).getValue();
    for (LogSegment later : new ArrayList<>(segments.tailMap(offset, false).values())) {
      segments.remove(later.baseOffset);
      later.delete();
    }
    long dropped = holder.truncateTo(offset);
    holder.makeActive(config.segmentIndexBytes());
    logEndOffset = holder.nextOffset();
    LOG.info(
        "Truncated log {} to offset {} (dropped {} bytes of {})",
        dir,
        logEndOffset,
        dropped,
        holder.logFile().getFileName());
    recoveryPoint = Math.min(recoveryPoint, logEndOffset);
    highWatermark = Math.min(highWatermark, logEndOffset);
    epochCache.truncateFromEnd(logEndOffset);
    writeOffsetsCheckpoint();
  }

  /**
   * Drops the whole log and starts it empty at {@code offset}, which may lie beyond the log end: a
   * follower that fell behind its leader's log start continues from there.
   */
  public void truncateFullyAndStartAt(long offset) throws IOException {
    ensureOpen();
    for (LogSegment segment : new ArrayList<>(segments.values())) {
      segments.remove(segment.baseOffset);
      segment.delete();
    }
    segments.put(offset, LogSegment.create(dir, offset, config.segmentIndexBytes()));
    CheckpointFile.fsyncDirectory(dir);
    logEndOffset = offset;
    logStartOffset = offset;
    highWatermark = offset;
    recoveryPoint = offset;
    unflushedRecords = 0;
    epochCache.clear();
    writeOffsetsCheckpoint();
    LOG.info("Truncated log {} fully; it now starts at offset {}", dir, offset);
  }

  /** KIP-279: the largest epoch at or below {@code epoch} that this log knows, and its end. */
  public EpochEndOffset endOffsetForEpoch(int epoch) {
    return epochCache.endOffsetFor(epoch, logEndOffset);
  }

  /**
   * Records that {@code epoch} starts at the log end: called when this replica starts leading at
   * that epoch, so that its answers about older epochs end where its own begins, before any append.
   */
  public void startLeaderEpoch(int epoch) throws IOException {
    ensureOpen();
    if (epoch > epochCache.latestEpoch()) {
      epochCache.assign(epoch, logEndOffset);
    }
  }

  /**
   * Leader side of a follower's fetch: a follower whose log ends at {@code fetchOffset} with a last
   * batch of {@code lastFetchedEpoch} agrees with this log only if this log has that epoch and it
   * reaches at least that far. Otherwise the answer is where the follower's epoch ends here, which
   * tells it where to truncate ({@link #divergenceTruncationOffset}). Empty when they agree or the
   * follower has no epoch to compare.
   */
  public Optional<EpochEndOffset> divergingEpoch(long fetchOffset, int lastFetchedEpoch) {
    if (lastFetchedEpoch < 0) {
      return Optional.empty();
    }
    EpochEndOffset here = endOffsetForEpoch(lastFetchedEpoch);
    if (here.isUndefined()) {
      return Optional.empty();
    }
    return here.epoch() < lastFetchedEpoch || here.endOffset() < fetchOffset
        ? Optional.of(here)
        : Optional.empty();
  }

  /**
   * Follower side: where to truncate this log after the leader answered a fetch with {@code
   * leaders}, its largest epoch at or below this log's last one and that epoch's end (KIP-279). If
   * this log has that epoch too, it keeps the shorter of both ends. If it does not, it keeps what
   * ends before its own largest epoch below the leader's, and its next fetch checks again from
   * there. Either way each round drops bytes or an epoch, so the rounds end.
   */
  public long divergenceTruncationOffset(EpochEndOffset leaders) {
    long end = logEndOffset;
    if (leaders.isUndefined()) {
      return Math.min(highWatermark, end);
    }
    EpochEndOffset own = endOffsetForEpoch(leaders.epoch());
    if (own.isUndefined()) {
      return Math.min(leaders.endOffset(), end);
    }
    if (own.epoch() == leaders.epoch()) {
      return Math.min(Math.min(own.endOffset(), leaders.endOffset()), end);
    }
    return Math.min(own.endOffset(), end);
  }

  /** The latest leader epoch with data in the log, -1 if none. */
  public int latestEpoch() {
    return epochCache.latestEpoch();
  }

  /**
   * Clean shutdown: flush, trim indexes, checkpoint, and leave a marker so the next open skips
   * recovery.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    LogSegment active = activeSegment();
    active.onBecomeInactive();
    flush();
    closed = true;
    for (LogSegment segment : segments.values()) {
      segment.close();
    }
    Files.createFile(dir.resolve(CLEAN_SHUTDOWN_FILE));
    CheckpointFile.fsyncDirectory(dir);
  }

  /** Closes without flushing and removes the directory with everything in it. */
  public void closeAndDelete() throws IOException {
    closed = true;
    for (LogSegment segment : segments.values()) {
      segment.close();
    }
    segments.clear();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(file);
      }
    }
  }

  private LogSegment activeSegment() {
    return segments.lastEntry().getValue();
  }

  private void writeOffsetsCheckpoint() throws IOException {
    offsetsCheckpoint.write(
        new LogOffsetsCheckpoint.Offsets(recoveryPoint, logStartOffset, highWatermark));
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("Log " + dir + " is closed");
    }
  }

  @Override
  public String toString() {
    return "Log("
        + dir
        + ", offsets ["
        + logStartOffset
        + ", "
        + logEndOffset
        + "), "
        + segments.size()
        + " segments)";
  }
}
