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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
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
 *
 * <p>The {@link LogCleaner} is the one other thread that changes the log: it writes cleaned copies
 * of inactive segments on its own thread, reading them like any reader, and then {@link
 * #replaceSegments swaps} them in. The swap and every writer operation that adds or removes
 * segments (roll, truncation, retention, flush, close) hold {@code layoutLock}; appends that do not
 * roll never take it, so the cleaner does not slow the write path. The lock is taken rather than
 * the swap handed to the writer because the writer is an actor in the layer above, which the
 * storage engine must not know; the swap only renames files, so the writer waits milliseconds at
 * most, and only when it rolls. The swap checks under the lock that the segments it replaces are
 * still the log's: if retention or truncation removed one meanwhile, the cleaned copy is dropped.
 *
 * <p>Swap protocol, crash-safe at every step: the cleaned segment is written and fsynced as {@code
 * .cleaned} files; renamed to {@code .swap} (from here on it replaces the old segments); the old
 * segments' files are renamed to {@code .deleted}; the {@code .swap} files take the plain names;
 * the old files are deleted. An open deletes {@code .cleaned} files (the old segments are intact)
 * and completes a swap it finds: it deletes every old segment within the swap file's offsets and
 * gives the swap file its plain name, rebuilding its indexes. A reader still on a replaced segment
 * finds its channel closed and reads again from the current segments.
 */
public final class Log implements Closeable {
  static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";

  /** How often a read retries after the segment it read was swapped out under it. */
  private static final int READ_ATTEMPTS = 4;

  private static final Logger LOG = LoggerFactory.getLogger(Log.class);

  /** How much of the log one step of rebuilding the producer state reads. */
  private static final int REPLAY_READ_BYTES = 1 << 20;

  private final Path dir;
  private final Clock clock;
  private final ConcurrentSkipListMap<Long, LogSegment> segments;
  private final LeaderEpochCache epochCache;
  private final ProducerStateManager producerState;
  private final LogOffsetsCheckpoint offsetsCheckpoint;
  private final CleanerCheckpoint cleanerCheckpoint;
  private final LogListener listener;

  /** Guards the set of segments between the writer and the cleaner's swap (see class comment). */
  private final ReentrantLock layoutLock = new ReentrantLock();

  private volatile LogConfig config;

  /** Offsets below this have been compacted; the dirty section starts here. */
  private volatile long cleanedOffset;

  /**
   * The latest delete horizon the last clean left in the log, NO_TIMESTAMP if it left no
   * tombstones; once past, a clean would drop them all. Not kept across restarts, as in Kafka.
   */
  private volatile long latestDeleteHorizonMs = RecordBatch.NO_TIMESTAMP;

  /** Steps of a swap, for tests that stop it where a crash could. */
  private SwapObserver swapObserver = step -> {};

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
      CleanerCheckpoint cleanerCheckpoint,
      long logStartOffset,
      long highWatermark,
      long cleanedOffset,
      LogListener listener) {
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.segments = segments;
    this.epochCache = epochCache;
    this.producerState = new ProducerStateManager(dir);
    this.offsetsCheckpoint = offsetsCheckpoint;
    this.cleanerCheckpoint = cleanerCheckpoint;
    this.listener = listener;
    this.cleanedOffset = cleanedOffset;
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
    return open(dir, config, clock, LogListener.NONE);
  }

  /** As {@link #open(Path, LogConfig, Clock)}, telling {@code listener} what the log does. */
  public static Log open(Path dir, LogConfig config, Clock clock, LogListener listener)
      throws IOException {
    long startNanos = System.nanoTime();
    Files.createDirectories(dir);
    LogLoader.completeInterruptedSwaps(dir);
    LogLoader.deleteStrayFiles(dir);
    LogOffsetsCheckpoint offsetsCheckpoint = new LogOffsetsCheckpoint(dir);
    LogOffsetsCheckpoint.Offsets saved = offsetsCheckpoint.read();
    Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
    boolean cleanShutdown = Files.exists(marker);
    LeaderEpochCache epochCache = LeaderEpochCache.load(dir);
    // Recovery tells the cache of every batch it validates, so a lost checkpoint is rebuilt by
    // recovering every segment, and one written before a crash learns of the batches after it.
    ConcurrentSkipListMap<Long, LogSegment> segments =
        LogLoader.loadSegments(
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
    CleanerCheckpoint cleanerCheckpoint = new CleanerCheckpoint(dir);
    long cleanedOffset = Math.min(cleanerCheckpoint.read(), logEndOffset);
    Log log =
        new Log(
            dir,
            config,
            clock,
            segments,
            epochCache,
            offsetsCheckpoint,
            cleanerCheckpoint,
            logStartOffset,
            highWatermark,
            cleanedOffset,
            listener);
    log.writeOffsetsCheckpoint();
    log.loadProducerState(logEndOffset);
    LogListener.OpenedAs openedAs =
        newLog
            ? LogListener.OpenedAs.NEW
            : cleanShutdown ? LogListener.OpenedAs.CLEAN : LogListener.OpenedAs.RECOVERED;
    listener.opened(openedAs, System.nanoTime() - startNanos);
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
   * Validates every batch, then assigns offsets from the log end, stamps {@code leaderEpoch} (and
   * the append time under LogAppendTime) in place, and appends. Nothing is written if any batch is
   * invalid.
   */
  public LogAppendInfo appendAsLeader(MemoryRecords appended, int leaderEpoch) throws IOException {
    ensureOpen();
    LogConfig current = config;
    int recordCount = AppendValidation.checkBatches(appended, current.maxMessageBytes(), true);
    if (current.compact()) {
      AppendValidation.requireKeys(appended, dir.getFileName().toString());
    }
    ProducerStateManager.BatchMetadata duplicate = checkProducer(appended.buffer());
    if (duplicate != null) {
      return LogAppendInfo.duplicate(duplicate.firstOffset(), duplicate.lastOffset());
    }
    MemoryRecords records = current.storedCompression()
        .map(codec -> Recompression.to(codec, appended)).orElse(appended);
    if (records != appended) {
      AppendValidation.checkBatches(records, current.maxMessageBytes(), true);
    }
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
    producerState.onBatchesStored(records.buffer());
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
        records.sizeInBytes(),
        false);
  }

  /**
   * An idempotent producer's batch must come alone (as Kafka requires of every produce request):
   * the batch it repeats, or null if it is new; throws if it is out of order or fenced.
   */
  private ProducerStateManager.BatchMetadata checkProducer(ByteBuffer batches) {
    int first = batches.position();
    long producerId = BatchHeader.producerId(batches, first);
    boolean single = first + BatchHeader.batchSize(batches, first) == batches.limit();
    if (!single) {
      for (int position = first; position < batches.limit(); ) {
        if (BatchHeader.producerId(batches, position) != RecordBatch.NO_PRODUCER_ID) {
          throw new InvalidRecordException(
              "A batch of an idempotent producer must be the only batch of its append");
        }
        position += BatchHeader.batchSize(batches, position);
      }
      return null;
    }
    if (producerId == RecordBatch.NO_PRODUCER_ID) {
      return null;
    }
    return producerState.checkLeaderBatch(
        producerId,
        BatchHeader.producerEpoch(batches, first),
        BatchHeader.baseSequence(batches, first),
        BatchHeader.lastSequence(batches, first));
  }

  /**
   * Appends batches that already carry offsets and epochs (replication); they must start at the log
   * end offset.
   */
  public LogAppendInfo appendAsFollower(MemoryRecords records) throws IOException {
    ensureOpen();
    int recordCount = AppendValidation.checkBatches(records, Integer.MAX_VALUE, false);
    ByteBuffer buffer = records.buffer();
    long expectedBase = logEndOffset;
    long firstOffset = BatchHeader.baseOffset(buffer, buffer.position());
    // Above the log end is fine: the leader's log is compacted there, so offsets have gaps.
    if (firstOffset < expectedBase) {
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
    producerState.onBatchesStored(buffer);
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
        records.sizeInBytes(),
        false);
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
      } else if (current.compact()
          && now - active.rollClockStartMs() > current.maxCompactionLagMs()) {
        // The cleaner never touches the active segment: roll so that it can meet the lag.
        rollReason = "max.compaction.lag.ms";
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
  public LogReadResult read(
      long offset, int maxBytes, long maxOffsetExclusive, IntFunction<ByteBuffer> buffers)
      throws IOException {
    return readRetrying(offset, maxOffsetExclusive,
        // A failed attempt may have had the caller's one buffer: later ones read into our own.
        (retry, limit, start, end) ->
            readSegments(offset, maxBytes, limit, retry ? ByteBuffer::allocate : buffers, start, end),
        (start, end) -> new LogReadResult(ByteBuffer.allocate(0), -1, offset, highWatermark, start, end));
  }

  /**
   * The batches {@link #read(long, int, long)} returns, as a span of a segment file to send
   * without copying it (see {@link LogSlice}); the caller releases a non-empty one.
   */
  public LogSlice slice(long offset, int maxBytes, long maxOffsetExclusive) throws IOException {
    return readRetrying(offset, maxOffsetExclusive,
        (retry, limit, start, end) -> sliceSegments(offset, maxBytes, limit, start, end),
        (start, end) -> LogSlice.empty(offset, highWatermark, start, end));
  }

  /** One try at reading from the segments, with the range as it was when the read began. */
  private interface ReadAttempt<T> {
    T read(boolean retry, long limit, long start, long end) throws IOException;
  }

  /** What a read returns when there is nothing below its limit. */
  private interface NothingToRead<T> {
    T at(long start, long end);
  }

  /** Runs {@code attempt}, again if the segment it read was removed under it. */
  private <T> T readRetrying(long offset, long maxOffsetExclusive, ReadAttempt<T> reader, NothingToRead<T> nothing)
      throws IOException {
    long end = logEndOffset;
    long start = logStartOffset;
    if (offset < start || offset > end) {
      throw new OffsetOutOfRangeException(offset, start, end);
    }
    long limit = Math.min(maxOffsetExclusive, end);
    for (int attempt = 1; offset < limit; attempt++) {
      try {
        T result = reader.read(attempt > 1, limit, start, end);
        return result != null ? result : nothing.at(start, end);
      } catch (ClosedChannelException e) {
        // Retention deleted the segment while we read it: report the range as it is now.
        if (offset < logStartOffset) {
          throw new OffsetOutOfRangeException(offset, logStartOffset, logEndOffset);
        }
        // Or the cleaner swapped it for its cleaned copy, which the map now holds.
        if (attempt == READ_ATTEMPTS || closed) {
          throw e;
        }
      }
    }
    return nothing.at(start, end);
  }

  /**
   * Reads from the segment holding {@code offset}, or from the next one holding any batch at or
   * after it: compaction may have removed {@code offset}, and the read moves on to what is there.
   */
  private LogReadResult readSegments(
      long offset, int maxBytes, long limit, IntFunction<ByteBuffer> buffers, long start, long end)
      throws IOException {
    LogSegment.Read read = fromSegments(offset, segment -> segment.read(offset, maxBytes, limit, buffers));
    return read == null ? null
        : new LogReadResult(read.records(), read.firstBatchBaseOffset(), read.nextOffset(), highWatermark, start, end);
  }

  /** {@link #readSegments}, as a slice. */
  private LogSlice sliceSegments(long offset, int maxBytes, long limit, long start, long end) throws IOException {
    return fromSegments(offset, segment -> segment.slice(offset, maxBytes, limit, highWatermark, start, end));
  }

  private interface SegmentRead<T> {
    /** Null if the segment has no batch at or after the offset. */
    T from(LogSegment segment) throws IOException;
  }

  /** The first segment's answer, from the one holding {@code offset} on; null if none has any. */
  private <T> T fromSegments(long offset, SegmentRead<T> read) throws IOException {
    Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
    if (entry == null) {
      entry = segments.firstEntry();
    }
    for (; entry != null; entry = segments.higherEntry(entry.getKey())) {
      T answer = read.from(entry.getValue());
      if (answer != null) {
        return answer;
      }
    }
    return null;
  }

  /**
   * The first record whose timestamp is at or after {@code timestampMs}, with that timestamp; empty
   * if none.
   */
  public Optional<TimestampAndOffset> offsetForTimestamp(long timestampMs) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return findOffsetForTimestamp(timestampMs);
      } catch (ClosedChannelException e) {
        // A segment was deleted or swapped for its cleaned copy while we searched it.
        if (attempt == READ_ATTEMPTS || closed) {
          throw e;
        }
      }
    }
  }

  /**
   * KIP-734: the first record with the largest timestamp in the log, with that timestamp; empty
   * if no record has one. The first record at or after the largest timestamp is that record.
   */
  public Optional<TimestampAndOffset> offsetOfMaxTimestamp() throws IOException {
    long largest = RecordBatch.NO_TIMESTAMP;
    for (LogSegment segment : segments.values()) {
      largest = Math.max(largest, segment.maxTimestamp());
    }
    return largest == RecordBatch.NO_TIMESTAMP ? Optional.empty() : offsetForTimestamp(largest);
  }

  private Optional<TimestampAndOffset> findOffsetForTimestamp(long timestampMs) throws IOException {
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

  public LogConfig config() {
    return config;
  }

  /** Offsets below this are compacted: where the next clean's dirty section starts. */
  public long cleanedOffset() {
    return Math.max(cleanedOffset, logStartOffset);
  }

  public Path dir() {
    return dir;
  }

  /**
   * The share of the cleanable bytes (closed segments below the high watermark) not yet compacted;
   * 0 when nothing is cleanable, -1 when a segment went while it was looked at.
   */
  public double dirtyRatio() {
    try {
      return CleanableSection.of(this, clock.millis()).dirtyRatio();
    } catch (IOException e) {
      return -1;
    }
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
    layoutLock.lock();
    try {
      long startNanos = System.nanoTime();
      Long from = segments.floorKey(recoveryPoint);
      for (LogSegment segment :
          segments.tailMap(from == null ? segments.firstKey() : from).values()) {
        segment.flush();
      }
      listener.flushed(System.nanoTime() - startNanos);
    } finally {
      layoutLock.unlock();
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
    if (!current.delete()) {
      return 0;
    }
    layoutLock.lock();
    try {
      return deleteRetainedSegments(current);
    } finally {
      layoutLock.unlock();
    }
  }

  private int deleteRetainedSegments(LogConfig current) throws IOException {
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
          rollLocked();
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
    long deletedBytes = 0;
    for (LogSegment segment : expired) {
      segments.remove(segment.baseOffset);
      LOG.info("Retention deleted {} ({} bytes)", segment.logFile(), segment.size());
      deletedBytes += segment.size();
      segment.delete();
    }
    listener.retentionDeleted(expired.size(), deletedBytes);
    epochCache.truncateFromStart(logStartOffset);
    producerState.onLogStartMoved(logStartOffset);
    writeOffsetsCheckpoint();
    return expired.size();
  }

  /**
   * Moves the log start offset up to {@code offset} (Kafka's DeleteRecords): records below it
   * are no longer read, and segments wholly below it are deleted. Only committed records can be
   * deleted: an offset above the high watermark is out of range. A no-op at or below the current
   * start. Returns the log start offset afterwards.
   */
  public long deleteRecordsBefore(long offset) throws IOException {
    ensureOpen();
    layoutLock.lock();
    try {
      if (offset > highWatermark || offset < 0) {
        throw new OffsetOutOfRangeException(offset, logStartOffset, highWatermark);
      }
      if (offset <= logStartOffset) {
        return logStartOffset;
      }
      // Move the start first so concurrent readers get OffsetOutOfRange rather than a closed file.
      logStartOffset = offset;
      recoveryPoint = Math.max(recoveryPoint, logStartOffset);
      List<LogSegment> below = new ArrayList<>();
      for (LogSegment segment : segments.values()) {
        Long next = segments.higherKey(segment.baseOffset);
        if (segment == activeSegment() || next == null || next > offset) {
          break;
        }
        below.add(segment);
      }
      for (LogSegment segment : below) {
        segments.remove(segment.baseOffset);
        LOG.info("Deleted records below {}: removed {} ({} bytes)", offset, segment.logFile(), segment.size());
        segment.delete();
      }
      epochCache.truncateFromStart(logStartOffset);
      producerState.onLogStartMoved(logStartOffset);
      writeOffsetsCheckpoint();
      return logStartOffset;
    } finally {
      layoutLock.unlock();
    }
  }

  /**
   * Starts a new active segment at the log end offset; a no-op while the active segment is empty.
   */
  public void roll() throws IOException {
    ensureOpen();
    layoutLock.lock();
    try {
      rollLocked();
    } finally {
      layoutLock.unlock();
    }
  }

  private void rollLocked() throws IOException {
    LogSegment active = activeSegment();
    if (active.isEmpty()) {
      return;
    }
    long newBase = logEndOffset;
    active.onBecomeInactive();
    long flushStartNanos = System.nanoTime();
    active.flush();
    listener.flushed(System.nanoTime() - flushStartNanos);
    segments.put(newBase, LogSegment.create(dir, newBase, config.segmentIndexBytes()));
    producerState.takeSnapshot(newBase);
    CheckpointFile.fsyncDirectory(dir);
    // Every earlier segment was fsynced when it rolled, so everything below the new base is
    // durable.
    recoveryPoint = newBase;
    unflushedRecords = 0;
    writeOffsetsCheckpoint();
    listener.rolled();
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
    layoutLock.lock();
    try {
      truncateLocked(offset);
    } finally {
      layoutLock.unlock();
    }
  }

  private void truncateLocked(long offset) throws IOException {
    if (offset <= logStartOffset) {
      truncateFullyLocked(offset);
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
    cleanedOffset = Math.min(cleanedOffset, logEndOffset);
    epochCache.truncateFromEnd(logEndOffset);
    writeOffsetsCheckpoint();
    loadProducerState(logEndOffset);
  }

  /**
   * Drops the whole log and starts it empty at {@code offset}, which may lie beyond the log end: a
   * follower that fell behind its leader's log start continues from there.
   */
  public void truncateFullyAndStartAt(long offset) throws IOException {
    ensureOpen();
    layoutLock.lock();
    try {
      truncateFullyLocked(offset);
    } finally {
      layoutLock.unlock();
    }
  }

  private void truncateFullyLocked(long offset) throws IOException {
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
    cleanedOffset = offset;
    unflushedRecords = 0;
    epochCache.clear();
    producerState.clear();
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

  /**
   * Forgets idempotent producers that have not written for {@code expirationMs} (Kafka's
   * producer.id.expiration.ms); returns how many.
   */
  public int removeExpiredProducers(long expirationMs) {
    ensureOpen();
    return producerState.removeExpired(clock.millis(), expirationMs);
  }

  /** How many idempotent producers this log knows. */
  public int producerCount() {
    return producerState.producerCount();
  }

  /**
   * Rebuilds the producers as of {@code endOffset}: the newest snapshot at or below it, then the
   * stored batches after that snapshot.
   */
  private void loadProducerState(long endOffset) throws IOException {
    long from = Math.max(producerState.loadSnapshotAtOrBelow(endOffset), logStartOffset);
    while (from < endOffset) {
      LogReadResult read = read(from, REPLAY_READ_BYTES, endOffset);
      if (!read.records().hasRemaining()) {
        break;
      }
      producerState.onBatchesStored(read.records());
      from = read.nextOffset();
    }
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
    layoutLock.lock();
    try {
      LogSegment active = activeSegment();
      active.onBecomeInactive();
      flush();
      producerState.takeSnapshot(logEndOffset);
      closed = true;
      for (LogSegment segment : segments.values()) {
        segment.close();
      }
    } finally {
      layoutLock.unlock();
    }
    Files.createFile(dir.resolve(CLEAN_SHUTDOWN_FILE));
    CheckpointFile.fsyncDirectory(dir);
  }

  /** Closes without flushing and removes the directory with everything in it. */
  public void closeAndDelete() throws IOException {
    layoutLock.lock();
    try {
      closed = true;
      for (LogSegment segment : segments.values()) {
        segment.close();
      }
      segments.clear();
    } finally {
      layoutLock.unlock();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(file);
      }
    }
  }

  private LogSegment activeSegment() {
    return segments.lastEntry().getValue();
  }

  /** A step of {@link #replaceSegments}, named for tests that simulate a crash there. */
  enum SwapStep {
    CLEANED_WRITTEN,
    RENAMED_TO_SWAP,
    FIRST_OLD_RENAMED_TO_DELETED,
    ALL_OLD_RENAMED_TO_DELETED,
    SWAP_INSTALLED
  }

  /** Sees each step of a swap; a test's observer may throw to leave the files as a crash would. */
  @FunctionalInterface
  interface SwapObserver {
    void reached(SwapStep step) throws IOException;
  }

  void observeSwaps(SwapObserver observer) {
    swapObserver = observer;
  }

  /**
   * Replaces {@code replaced} (consecutive inactive segments, oldest first) with {@code cleaned}, a
   * flushed inactive segment whose files end in {@code .cleaned}, based at the first one's base
   * offset and ending where the last one ends. Returns false, leaving the log as it was and
   * deleting the cleaned files, if the log closed or any of {@code replaced} left the log
   * meanwhile.
   */
  boolean replaceSegments(List<LogSegment> replaced, LogSegment cleaned) throws IOException {
    layoutLock.lock();
    try {
      boolean current = !closed && replaced.get(0).baseOffset == cleaned.baseOffset;
      for (LogSegment old : replaced) {
        current &= segments.get(old.baseOffset) == old && old != activeSegment();
      }
      if (!current) {
        cleaned.closeAndDeleteFiles();
        return false;
      }
      swapObserver.reached(SwapStep.CLEANED_WRITTEN);
      cleaned.changeFileSuffixes(LogSegment.CLEANED_SUFFIX, LogSegment.SWAP_SUFFIX);
      CheckpointFile.fsyncDirectory(dir);
      swapObserver.reached(SwapStep.RENAMED_TO_SWAP);
      for (int i = 0; i < replaced.size(); i++) {
        replaced.get(i).changeFileSuffixes("", LogSegment.DELETED_SUFFIX);
        if (i == 0) {
          swapObserver.reached(SwapStep.FIRST_OLD_RENAMED_TO_DELETED);
        }
      }
      swapObserver.reached(SwapStep.ALL_OLD_RENAMED_TO_DELETED);
      cleaned.changeFileSuffixes(LogSegment.SWAP_SUFFIX, "");
      CheckpointFile.fsyncDirectory(dir);
      swapObserver.reached(SwapStep.SWAP_INSTALLED);
      // The cleaned segment takes the first one's key, so no offset is ever without a segment.
      segments.put(cleaned.baseOffset, cleaned);
      for (LogSegment old : replaced.subList(1, replaced.size())) {
        segments.remove(old.baseOffset);
      }
      for (LogSegment old : replaced) {
        old.closeAndDeleteFiles();
      }
      return true;
    } finally {
      layoutLock.unlock();
    }
  }

  long latestDeleteHorizonMs() {
    return latestDeleteHorizonMs;
  }

  /** Records that offsets below {@code offset} are compacted, durably. */
  void checkpointCleanedTo(long offset, long latestDeleteHorizonMs) throws IOException {
    layoutLock.lock();
    try {
      if (closed) {
        return;
      }
      cleanedOffset = Math.min(offset, logEndOffset);
      this.latestDeleteHorizonMs = latestDeleteHorizonMs;
      cleanerCheckpoint.write(cleanedOffset);
    } finally {
      layoutLock.unlock();
    }
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
