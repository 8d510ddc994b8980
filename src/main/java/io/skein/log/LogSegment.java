package io.skein.log;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * One file of record batches, {@code <base offset>.log}, with its offset and time indexes.
 *
 * <p>Invariants: the file holds whole v2 batches back to back from position 0; batch offsets
 * strictly increase and are at or above the base offset; last offsets fit an int relative to the
 * base; the size fits an int.
 *
 * <p>One writer appends. Readers on other threads see only bytes below {@link #size}, which is
 * published (volatile) after the bytes and index entries are written; they read with positional
 * reads so they share the channel.
 */
final class LogSegment {
  static final String LOG_SUFFIX = ".log";
  static final String INDEX_SUFFIX = ".index";
  static final String TIME_INDEX_SUFFIX = ".timeindex";
  static final String DELETED_SUFFIX = ".deleted";

  /** A segment the cleaner is still writing; never part of the log, deleted on open. */
  static final String CLEANED_SUFFIX = ".cleaned";

  /**
   * A cleaned segment that replaces the segments whose offsets it covers; once its log file has
   * this suffix, an open completes the replacement (see {@link Log}).
   */
  static final String SWAP_SUFFIX = ".swap";

  private static final int FILE_NAME_DIGITS = 20;

  final long baseOffset;
  private Path logFile;
  private final FileChannel channel;
  /**
   * Holders of {@link #channel}: the segment itself until it is closed or deleted, and each
   * {@link LogSlice} not yet sent. The channel closes when the last lets go, so a slice on its
   * way to a socket outlives the segment's removal (the file's bytes stay readable through the
   * open channel once unlinked); at 0 it is closed and cannot be held again.
   */
  private final AtomicInteger channelHolders = new AtomicInteger(1);
  private final AtomicBoolean segmentLetGo = new AtomicBoolean();
  private final OffsetIndex offsetIndex;
  private final TimeIndex timeIndex;

  /**
   * Whether both index files were on disk when the segment was opened; a missing one must be
   * rebuilt.
   */
  private final boolean indexFilesFound;

  private volatile int size;
  private volatile long nextOffset;
  private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
  private int bytesSinceLastIndexEntry;

  /**
   * Wall-clock time of the segment's first append (or of opening it with data), the start of its
   * segment.ms.
   */
  private long rollClockStartMs;

  private LogSegment(
      long baseOffset,
      Path logFile,
      FileChannel channel,
      OffsetIndex offsetIndex,
      TimeIndex timeIndex,
      boolean indexFilesFound,
      int size) {
    this.baseOffset = baseOffset;
    this.logFile = logFile;
    this.channel = channel;
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    this.indexFilesFound = indexFilesFound;
    this.size = size;
    this.nextOffset = baseOffset;
  }

  static String fileName(long baseOffset, String suffix) {
    return String.format("%0" + FILE_NAME_DIGITS + "d%s", baseOffset, suffix);
  }

  /**
   * The base offset a segment file name encodes, or -1 if the name is not {@code <20
   * digits><suffix>}.
   */
  static long parseBaseOffset(String fileName, String suffix) {
    if (!fileName.endsWith(suffix) || fileName.length() != FILE_NAME_DIGITS + suffix.length()) {
      return -1;
    }
    for (int i = 0; i < FILE_NAME_DIGITS; i++) {
      if (!Character.isDigit(fileName.charAt(i))) {
        return -1;
      }
    }
    try {
      return Long.parseLong(fileName.substring(0, FILE_NAME_DIGITS));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A new empty segment with indexes preallocated to {@code indexBytes}. */
  static LogSegment create(Path dir, long baseOffset, int indexBytes) throws IOException {
    return create(dir, baseOffset, indexBytes, "");
  }

  /**
   * A new empty segment for the cleaner to fill, its file names ending in {@link #CLEANED_SUFFIX}.
   */
  static LogSegment createCleaned(Path dir, long baseOffset, int indexBytes) throws IOException {
    return create(dir, baseOffset, indexBytes, CLEANED_SUFFIX);
  }

  private static LogSegment create(Path dir, long baseOffset, int indexBytes, String fileSuffix)
      throws IOException {
    Path logFile = dir.resolve(fileName(baseOffset, LOG_SUFFIX) + fileSuffix);
    Path indexFile = dir.resolve(fileName(baseOffset, INDEX_SUFFIX) + fileSuffix);
    Path timeIndexFile = dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX) + fileSuffix);
    Files.deleteIfExists(indexFile);
    Files.deleteIfExists(timeIndexFile);
    FileChannel channel =
        FileChannel.open(
            logFile,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    return new LogSegment(
        baseOffset,
        logFile,
        channel,
        new OffsetIndex(indexFile, baseOffset, indexBytes),
        new TimeIndex(timeIndexFile, baseOffset, indexBytes),
        true,
        0);
  }

  /**
   * The offset after the last whole batch of the log file {@code logFile} of a segment based at
   * {@code baseOffset}: where its data ends, read from the batch headers alone.
   */
  static long nextOffsetOf(Path logFile, long baseOffset) throws IOException {
    try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.READ)) {
      long fileSize = channel.size();
      ByteBuffer header = ByteBuffer.allocate(BatchHeader.RECORD_BATCH_OVERHEAD);
      long next = baseOffset;
      long position = 0;
      while (position + BatchHeader.RECORD_BATCH_OVERHEAD <= fileSize) {
        header.clear();
        while (header.hasRemaining()) {
          if (channel.read(header, position + header.position()) < 0) {
            throw new EOFException(logFile + " ended inside a batch header at " + position);
          }
        }
        header.flip();
        if (BatchHeader.framingProblem(header, 0, fileSize - position) != null) {
          break;
        }
        next = BatchHeader.lastOffset(header, 0) + 1;
        position += BatchHeader.batchSize(header, 0);
      }
      return next;
    }
  }

  /**
   * An existing segment, indexes mapped as found (a missing index file is created empty). The
   * caller then either {@link #loadClean() trusts} or {@link #recover recovers} it.
   */
  static LogSegment open(Path dir, long baseOffset) throws IOException {
    Path logFile = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
    Path indexFile = dir.resolve(fileName(baseOffset, INDEX_SUFFIX));
    Path timeIndexFile = dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX));
    boolean indexFilesFound = Files.exists(indexFile) && Files.exists(timeIndexFile);
    FileChannel channel =
        FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
    long fileSize = channel.size();
    // Invariant: positions are ints. A larger file cannot be ours; recovery keeps its valid
    // int-sized prefix.
    int size = (int) Math.min(fileSize, Integer.MAX_VALUE);
    return new LogSegment(
        baseOffset,
        logFile,
        channel,
        new OffsetIndex(indexFile, baseOffset, 0),
        new TimeIndex(timeIndexFile, baseOffset, 0),
        indexFilesFound,
        size);
  }

  int size() {
    return size;
  }

  long nextOffset() {
    return nextOffset;
  }

  boolean isEmpty() {
    return size == 0;
  }

  long rollClockStartMs() {
    return rollClockStartMs;
  }

  void startRollClock(long nowMs) {
    rollClockStartMs = nowMs;
  }

  Path logFile() {
    return logFile;
  }

  OffsetIndex offsetIndex() {
    return offsetIndex;
  }

  TimeIndex timeIndex() {
    return timeIndex;
  }

  /**
   * Whether no more index entries fit; the log rolls rather than leave the rest of the segment
   * unindexed.
   */
  boolean indexesFull() {
    return offsetIndex.isFull() || timeIndex.isFull();
  }

  /** The largest record timestamp in the segment, NO_TIMESTAMP if no record has one. */
  long maxTimestamp() {
    return Math.max(maxTimestamp, timeIndex.lastTimestamp());
  }

  /**
   * The largest record timestamp in the segment, or the file's modification time if no record has
   * one.
   */
  long largestTimestamp() throws IOException {
    long largest = Math.max(maxTimestamp, timeIndex.lastTimestamp());
    return largest != RecordBatch.NO_TIMESTAMP
        ? largest
        : Files.getLastModifiedTime(logFile).toMillis();
  }

  /**
   * Appends validated whole batches ending at {@code lastOffset}, indexing every
   * index.interval.bytes. Reads one header per batch from the buffer in place: no allocation per
   * batch or record.
   */
  void append(ByteBuffer batches, long lastOffset, long nowMs, int indexIntervalBytes)
      throws IOException {
    int start = size;
    int bytes = batches.remaining();
    int first = batches.position();
    if (BatchHeader.baseOffset(batches, first) < nextOffset) {
      throw new IllegalStateException(
          "append at offset "
              + BatchHeader.baseOffset(batches, first)
              + " would not increase on segment "
              + baseOffset
              + "'s next offset "
              + nextOffset);
    }
    if (lastOffset - baseOffset > Integer.MAX_VALUE || (long) start + bytes > Integer.MAX_VALUE) {
      throw new IllegalStateException(
          "append would overflow segment " + baseOffset + "'s relative offsets or positions");
    }
    if (start == 0) {
      rollClockStartMs = nowMs;
    }
    ByteBuffer source = batches.duplicate();
    while (source.hasRemaining()) {
      channel.write(source, start + (long) (source.position() - first));
    }
    for (int position = first; position < batches.limit(); ) {
      int batchSize = BatchHeader.batchSize(batches, position);
      indexBatch(
          BatchHeader.baseOffset(batches, position),
          BatchHeader.lastOffset(batches, position),
          BatchHeader.maxTimestamp(batches, position),
          start + position - first,
          batchSize,
          indexIntervalBytes);
      position += batchSize;
    }
    nextOffset = lastOffset + 1;
    size = start + bytes; // publishes the batches to readers
  }

  private void indexBatch(
      long batchBaseOffset,
      long batchLastOffset,
      long batchMaxTimestamp,
      int position,
      int batchSize,
      int indexIntervalBytes) {
    if (batchMaxTimestamp > maxTimestamp) {
      maxTimestamp = batchMaxTimestamp;
    }
    if (bytesSinceLastIndexEntry >= indexIntervalBytes) {
      offsetIndex.append(batchBaseOffset, position);
      timeIndex.maybeAppend(maxTimestamp, batchLastOffset, false);
      bytesSinceLastIndexEntry = 0;
    }
    bytesSinceLastIndexEntry += batchSize;
  }

  /** Result of reading from a segment: whole batches and where they start and end. */
  record Read(ByteBuffer records, long firstBatchBaseOffset, long nextOffset) {}

  /**
   * Whole batches from the one holding {@code startOffset}, stopping before a batch with an offset
   * at or above {@code maxOffsetExclusive} and before exceeding {@code maxBytes}, except that the
   * first batch is always returned whole. Null if the segment has no batch at or after {@code
   * startOffset}.
   *
   * <p>The bytes go into a buffer from {@code buffers} (asked for at least the given capacity) in
   * one read: the offset index bounds the span, and the cut after the last qualifying batch is
   * found in memory rather than by reading each batch header from the file.
   */
  Read read(
      long startOffset, int maxBytes, long maxOffsetExclusive, IntFunction<ByteBuffer> buffers)
      throws IOException {
    int limit = size;
    ByteBuffer header = ByteBuffer.allocate(BatchHeader.RECORD_BATCH_OVERHEAD);
    int begin = firstBatchHolding(startOffset, header, limit);
    if (begin >= limit) {
      return null;
    }
    long firstBase = BatchHeader.baseOffset(header, 0);
    int firstSize = checkedBatchSize(header, 0, begin);
    if (BatchHeader.lastOffset(header, 0) >= maxOffsetExclusive) {
      return new Read(ByteBuffer.allocate(0), -1, startOffset);
    }
    // Batches from the first indexed one above maxOffsetExclusive on cannot qualify.
    int above = offsetIndex.firstPositionAbove(maxOffsetExclusive);
    int end = above > begin ? Math.min(above, limit) : limit;
    int span = Math.max(firstSize, Math.min(maxBytes, end - begin));
    if ((long) begin + span > limit) {
      throw new CorruptRecordException("segment " + logFile + " ends inside the batch at " + begin);
    }
    ByteBuffer records = buffers.apply(span);
    records.clear().limit(span);
    readFully(records, begin);
    records.flip();
    int cut = 0;
    long next = startOffset;
    while (span - cut >= BatchHeader.RECORD_BATCH_OVERHEAD) {
      int batchSize = checkedBatchSize(records, cut, begin + cut);
      long last = BatchHeader.lastOffset(records, cut);
      if (batchSize > span - cut
          || last >= maxOffsetExclusive
          || (cut > 0 && cut + batchSize > maxBytes)) {
        break;
      }
      cut += batchSize;
      next = last + 1;
    }
    records.limit(cut);
    return new Read(records, firstBase, next);
  }

  /**
   * The position of the first batch ending at or after {@code offset}, its header read into
   * {@code header}; {@code limit} or beyond if there is none below it.
   */
  private int firstBatchHolding(long offset, ByteBuffer header, int limit) throws IOException {
    int position = offsetIndex.lookupPosition(offset);
    while (position < limit) {
      readHeader(header, position, limit);
      if (BatchHeader.lastOffset(header, 0) >= offset) {
        break;
      }
      position += checkedBatchSize(header, 0, position);
    }
    return position;
  }

  /**
   * The same batches as {@link #read}, as a span of this segment's file rather than a copy of
   * it: null if the segment has none, an empty slice if the first is at or above {@code
   * maxOffsetExclusive}. The slice holds the file open until it is released.
   *
   * <p>Only batch headers are read, and only near the span's ends: the offset index says where
   * the batches that surely qualify end (below the index entry for {@code maxOffsetExclusive}
   * and below the last one within {@code maxBytes}), and headers are walked from there.
   */
  LogSlice slice(long startOffset, int maxBytes, long maxOffsetExclusive, long highWatermark,
      long logStartOffset, long logEndOffset) throws IOException {
    int limit = size;
    ByteBuffer header = ByteBuffer.allocate(BatchHeader.RECORD_BATCH_OVERHEAD);
    int begin = firstBatchHolding(startOffset, header, limit);
    if (begin >= limit) {
      return null;
    }
    long firstBase = BatchHeader.baseOffset(header, 0);
    long byteLimit = (long) begin + maxBytes;
    int end = Math.max(begin, Math.min(offsetIndex.lookupPosition(maxOffsetExclusive),
        offsetIndex.lastPositionAtOrBelow((int) Math.min(byteLimit, Integer.MAX_VALUE))));
    long next = end == begin ? startOffset : -1;
    while (end < limit) {
      readHeader(header, end, limit);
      int batchSize = checkedBatchSize(header, 0, end);
      long last = BatchHeader.lastOffset(header, 0);
      if (last >= maxOffsetExclusive || (end > begin && end + batchSize > byteLimit)) {
        break;
      }
      if ((long) end + batchSize > limit) {
        throw new CorruptRecordException("segment " + logFile + " ends inside the batch at " + end);
      }
      end += batchSize;
      next = last + 1;
    }
    if (end == begin) {
      return LogSlice.empty(startOffset, highWatermark, logStartOffset, logEndOffset);
    }
    if (next < 0) {
      // The walk started past the first batch and took none: the last batch taken ends at end.
      next = lastOffsetOfBatchEndingAt(begin, end, header, limit) + 1;
    }
    hold();
    return new LogSlice(channel, begin, end - begin, firstBase, next, highWatermark, logStartOffset,
        logEndOffset, this::letGo);
  }

  /** The last offset of the batch that ends at {@code end}, walking from the indexed one before it. */
  private long lastOffsetOfBatchEndingAt(int begin, int end, ByteBuffer header, int limit) throws IOException {
    int position = Math.max(begin, offsetIndex.lastPositionAtOrBelow(end - 1));
    long last = -1;
    while (position < end) {
      readHeader(header, position, limit);
      last = BatchHeader.lastOffset(header, 0);
      position += checkedBatchSize(header, 0, position);
    }
    return last;
  }

  /** One more holder of the channel; ClosedChannelException once it closed, as a read would get. */
  private void hold() throws ClosedChannelException {
    int holders;
    do {
      holders = channelHolders.get();
      if (holders == 0) {
        throw new ClosedChannelException();
      }
    } while (!channelHolders.compareAndSet(holders, holders + 1));
  }

  private void letGo() {
    if (channelHolders.decrementAndGet() == 0) {
      try {
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException("could not close " + logFile, e);
      }
    }
  }

  /** The segment no longer holds its channel: closed now, or when the last slice is released. */
  private void letGoOfChannel() {
    if (segmentLetGo.compareAndSet(false, true)) {
      letGo();
    }
  }

  /**
   * The size of the batch at {@code batchStart} in {@code buffer}, refusing one that cannot be a
   * batch.
   */
  private int checkedBatchSize(ByteBuffer buffer, int batchStart, int filePosition) {
    int batchSize = BatchHeader.batchSize(buffer, batchStart);
    if (batchSize < BatchHeader.RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordException(
          "segment "
              + logFile
              + " has a batch of impossible size "
              + batchSize
              + " at "
              + filePosition);
    }
    return batchSize;
  }

  /** The first record at or after {@code timestamp}, or null if this segment has none. */
  TimestampAndOffset findOffsetForTimestamp(long timestamp) throws IOException {
    long olderThrough = timeIndex.lastOffsetOlderThan(timestamp);
    long from = olderThrough < 0 ? baseOffset : olderThrough + 1;
    int limit = size;
    ByteBuffer header = ByteBuffer.allocate(BatchHeader.RECORD_BATCH_OVERHEAD);
    int position = offsetIndex.lookupPosition(from);
    while (position < limit) {
      readHeader(header, position, limit);
      int batchSize = BatchHeader.batchSize(header, 0);
      if (BatchHeader.lastOffset(header, 0) >= from
          && BatchHeader.maxTimestamp(header, 0) >= timestamp) {
        ByteBuffer batchBytes = ByteBuffer.allocate(batchSize);
        readFully(batchBytes, position);
        batchBytes.flip();
        for (Record record : MemoryRecords.readableRecords(batchBytes).batchIterator().next()) {
          if (record.timestamp() >= timestamp) {
            return new TimestampAndOffset(record.timestamp(), record.offset());
          }
        }
      }
      position += batchSize;
    }
    return null;
  }

  /**
   * Why the segment cannot be trusted as found on a clean open, or null. Also loads its end offset
   * and stats.
   */
  String loadClean() throws IOException {
    if (!indexFilesFound && size > 0) {
      return "index file missing";
    }
    String problem = offsetIndex.sanityProblem(size);
    if (problem != null) {
      return problem;
    }
    problem = scanStats(offsetIndex.lastPosition());
    if (problem != null) {
      return problem;
    }
    maxTimestamp = Math.max(maxTimestamp, timeIndex.lastTimestamp());
    return timeIndex.sanityProblem(nextOffset);
  }

  /**
   * Scans headers from {@code fromPosition} (a batch start) to the end, setting the next offset,
   * the largest timestamp seen and the bytes since the last index entry. Returns why the tail is
   * malformed, or null.
   */
  private String scanStats(int fromPosition) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(BatchHeader.RECORD_BATCH_OVERHEAD);
    long next = baseOffset;
    long largest = RecordBatch.NO_TIMESTAMP;
    int position = fromPosition;
    while (position < size) {
      String problem = readHeaderChecked(header, position, size);
      if (problem != null) {
        return problem + " at position " + position;
      }
      if (BatchHeader.baseOffset(header, 0) < next) {
        return "batch at position "
            + position
            + " has offset "
            + BatchHeader.baseOffset(header, 0)
            + " below "
            + next;
      }
      next = BatchHeader.lastOffset(header, 0) + 1;
      largest = Math.max(largest, BatchHeader.maxTimestamp(header, 0));
      position += BatchHeader.batchSize(header, 0);
    }
    nextOffset = next;
    maxTimestamp = largest;
    bytesSinceLastIndexEntry = size - fromPosition;
    return null;
  }

  /**
   * Outcome of recovering a segment: the bytes cut off its tail and why (null reason when none
   * were).
   */
  record Recovery(int validBytes, long truncatedBytes, String reason) {}

  /** Told of each batch that recovery found valid, in offset order. */
  interface RecoveredBatch {
    void accept(int partitionLeaderEpoch, long baseOffset) throws IOException;
  }

  /**
   * Validates every batch (framing, magic, CRC, record count, increasing offsets at or above {@code
   * minOffset}), rebuilds both indexes, tells {@code recovered} of each valid batch, and truncates
   * the file at the first invalid or incomplete batch.
   */
  Recovery recover(
      long minOffset, int indexBytes, int indexIntervalBytes, RecoveredBatch recovered)
      throws IOException {
    offsetIndex.reset();
    timeIndex.reset();
    offsetIndex.resize(indexBytes);
    timeIndex.resize(indexBytes);
    maxTimestamp = RecordBatch.NO_TIMESTAMP;
    bytesSinceLastIndexEntry = 0;
    long fileSize = channel.size();
    long limit = Math.min(fileSize, Integer.MAX_VALUE);
    ByteBuffer header = ByteBuffer.allocate(BatchHeader.RECORD_BATCH_OVERHEAD);
    long next = Math.max(baseOffset, minOffset);
    int position = 0;
    String reason = null;
    while (position < limit) {
      reason = readHeaderChecked(header, position, limit);
      if (reason == null) {
        reason = checkStoredBatch(header, next);
      }
      if (reason == null) {
        int batchSize = BatchHeader.batchSize(header, 0);
        ByteBuffer batchBytes = ByteBuffer.allocate(batchSize);
        readFully(batchBytes, position);
        batchBytes.flip();
        if (!MemoryRecords.readableRecords(batchBytes).batchIterator().next().isValid()) {
          reason = "CRC mismatch";
        }
      }
      if (reason != null) {
        break;
      }
      indexBatch(
          BatchHeader.baseOffset(header, 0),
          BatchHeader.lastOffset(header, 0),
          BatchHeader.maxTimestamp(header, 0),
          position,
          BatchHeader.batchSize(header, 0),
          indexIntervalBytes);
      recovered.accept(
          BatchHeader.partitionLeaderEpoch(header, 0), BatchHeader.baseOffset(header, 0));
      next = BatchHeader.lastOffset(header, 0) + 1;
      position += BatchHeader.batchSize(header, 0);
    }
    long truncated = fileSize - position;
    if (truncated > 0) {
      channel.truncate(position);
      reason = reason != null ? reason : "segment larger than " + Integer.MAX_VALUE + " bytes";
    }
    size = position;
    nextOffset = next;
    return new Recovery(position, truncated, truncated > 0 ? reason : null);
  }

  private String checkStoredBatch(ByteBuffer header, long expectedAtLeast) {
    long base = BatchHeader.baseOffset(header, 0);
    long last = BatchHeader.lastOffset(header, 0);
    if (base < expectedAtLeast) {
      return "batch offset " + base + " does not increase on " + (expectedAtLeast - 1);
    }
    if (last - baseOffset > Integer.MAX_VALUE) {
      return "batch offset " + last + " does not fit the segment's relative offsets";
    }
    // Compaction removes records but keeps each batch's offset span, so a stored batch may hold
    // fewer records than its span (none at all for a batch kept only for its producer state).
    int count = header.getInt(BatchHeader.RECORDS_COUNT_OFFSET);
    if (count < 0 || (long) count > (long) BatchHeader.lastOffsetDelta(header, 0) + 1) {
      return "record count "
          + count
          + " does not fit lastOffsetDelta "
          + BatchHeader.lastOffsetDelta(header, 0);
    }
    return null;
  }

  /** Drops the batch holding {@code offset} and everything after it. Returns the bytes dropped. */
  long truncateTo(long offset) throws IOException {
    int limit = size;
    ByteBuffer header = ByteBuffer.allocate(BatchHeader.RECORD_BATCH_OVERHEAD);
    int position = offsetIndex.lookupPosition(offset);
    while (position < limit) {
      readHeader(header, position, limit);
      if (BatchHeader.lastOffset(header, 0) >= offset) {
        break;
      }
      position += BatchHeader.batchSize(header, 0);
    }
    if (position >= limit) {
      return 0;
    }
    long cutBase = BatchHeader.baseOffset(header, 0);
    size = position;
    channel.truncate(position);
    offsetIndex.truncateTo(cutBase);
    timeIndex.truncateTo(cutBase);
    String problem = scanStats(0);
    if (problem != null) {
      throw new IllegalStateException(
          "segment " + logFile + " is malformed below the truncation point: " + problem);
    }
    bytesSinceLastIndexEntry = size - offsetIndex.lastPosition();
    return (long) limit - position;
  }

  /**
   * The segment stops taking appends: record its largest timestamp in the time index and trim the
   * indexes.
   */
  void onBecomeInactive() throws IOException {
    if (size > 0) {
      timeIndex.maybeAppend(maxTimestamp, nextOffset - 1, true);
    }
    offsetIndex.trimToValidSize();
    timeIndex.trimToValidSize();
  }

  /** The segment takes appends again: give the indexes room. */
  void makeActive(int indexBytes) throws IOException {
    offsetIndex.resize(indexBytes);
    timeIndex.resize(indexBytes);
  }

  void flush() throws IOException {
    channel.force(true);
    offsetIndex.flush();
    timeIndex.flush();
  }

  void close() throws IOException {
    letGoOfChannel();
  }

  /**
   * Closes and deletes the files, renaming them to .deleted first so a crash midway leaves only
   * strays.
   */
  void delete() throws IOException {
    letGoOfChannel();
    Path deletedLog = logFile.resolveSibling(logFile.getFileName() + DELETED_SUFFIX);
    Files.move(logFile, deletedLog);
    logFile = deletedLog;
    for (MappedIndex index : new MappedIndex[] {offsetIndex, timeIndex}) {
      if (Files.exists(index.file())) {
        index.renameTo(index.file().resolveSibling(index.file().getFileName() + DELETED_SUFFIX));
      }
    }
    Files.deleteIfExists(logFile);
    offsetIndex.deleteIfExists();
    timeIndex.deleteIfExists();
  }

  /**
   * Renames the three files from names ending in {@code from} to names ending in {@code to} (either
   * may be empty, the plain name), the indexes first and the log file last: the log file's name
   * decides what an open makes of the segment. Readers keep reading through the open channel.
   */
  void changeFileSuffixes(String from, String to) throws IOException {
    for (MappedIndex index : new MappedIndex[] {offsetIndex, timeIndex}) {
      if (Files.exists(index.file())) {
        index.renameTo(renamed(index.file(), from, to));
      }
    }
    Path target = renamed(logFile, from, to);
    Files.move(logFile, target);
    logFile = target;
  }

  private static Path renamed(Path file, String from, String to) {
    String name = file.getFileName().toString();
    if (!name.endsWith(from)) {
      throw new IllegalStateException(file + " does not end in '" + from + "'");
    }
    return file.resolveSibling(name.substring(0, name.length() - from.length()) + to);
  }

  /**
   * Closes the segment and deletes its files under whatever names they have now; for a segment that
   * is no longer part of the log.
   */
  void closeAndDeleteFiles() throws IOException {
    letGoOfChannel();
    Files.deleteIfExists(logFile);
    offsetIndex.deleteIfExists();
    timeIndex.deleteIfExists();
  }

  /** The first batch's base timestamp, or NO_TIMESTAMP if the segment is empty. */
  long firstBatchTimestamp() throws IOException {
    int limit = size;
    if (limit < BatchHeader.RECORD_BATCH_OVERHEAD) {
      return RecordBatch.NO_TIMESTAMP;
    }
    ByteBuffer header = ByteBuffer.allocate(BatchHeader.RECORD_BATCH_OVERHEAD);
    readHeader(header, 0, limit);
    return BatchHeader.baseTimestamp(header, 0);
  }

  /** Receives batch headers, each at position 0 of a buffer reused for the next one. */
  @FunctionalInterface
  interface HeaderVisitor {
    void visit(ByteBuffer header);
  }

  /** Reads every batch header in file order, without the records. */
  void forEachBatchHeader(HeaderVisitor visitor) throws IOException {
    int limit = size;
    ByteBuffer header = ByteBuffer.allocate(BatchHeader.RECORD_BATCH_OVERHEAD);
    for (int position = 0; position < limit; ) {
      readHeader(header, position, limit);
      int batchSize = checkedBatchSize(header, 0, position);
      visitor.visit(header);
      position += batchSize;
    }
  }

  /** Reads the header at {@code position}, failing if the segment ends before a whole header. */
  private void readHeader(ByteBuffer header, int position, int limit) throws IOException {
    if (limit - position < BatchHeader.RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordException(
          "segment " + logFile + " ends inside a batch header at " + position);
    }
    header.clear();
    readFully(header, position);
    header.flip();
  }

  /**
   * Reads as much of a header as is there and checks its framing against the bytes left; null if
   * sound.
   */
  private String readHeaderChecked(ByteBuffer header, int position, long limit) throws IOException {
    header.clear();
    header.limit((int) Math.min(BatchHeader.RECORD_BATCH_OVERHEAD, limit - position));
    readFully(header, position);
    header.flip();
    return BatchHeader.framingProblem(header, 0, limit - position);
  }

  private void readFully(ByteBuffer destination, long position) throws IOException {
    long at = position;
    while (destination.hasRemaining()) {
      int read = channel.read(destination, at);
      if (read < 0) {
        throw new EOFException("segment " + logFile + " ended at " + at + " while reading");
      }
      at += read;
    }
  }

  @Override
  public String toString() {
    return "LogSegment("
        + logFile.getFileName()
        + ", size="
        + size
        + ", nextOffset="
        + nextOffset
        + ")";
  }
}
