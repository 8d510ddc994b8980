package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batch;
import static io.skein.log.LogTestSupport.batches;
import static io.skein.log.LogTestSupport.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash recovery. An unclean shutdown is simulated by dropping the Log without close(): files stay
 * as written (flushed or not, the OS page cache keeps them), and no clean-shutdown marker is left.
 */
class LogRecoveryTest {
  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
  private final LogConfig config = config("segment.bytes", 1000, "index.interval.bytes", 100);

  /**
   * Appends 40 batches of 3 records (offsets 0..119) with increasing timestamps, and leaves without
   * close.
   */
  private Log writeUncleanly() throws IOException {
    Log log = Log.open(dir, config, clock);
    for (int i = 0; i < 40; i++) {
      log.appendAsLeader(
          batch(org.apache.kafka.common.compress.Compression.NONE, 3, START_MS + i, "r" + i), 0);
    }
    assertTrue(log.numberOfSegments() >= 4);
    return log;
  }

  private Path activeLogFile(Log log) {
    List<LogSegment> segments = log.segments();
    return segments.get(segments.size() - 1).logFile();
  }

  @Test
  void segmentTruncatedMidBatchRecoversToLastWholeBatch() throws IOException {
    Log crashed = writeUncleanly();
    Path active = activeLogFile(crashed);
    long size = Files.size(active);
    try (RandomAccessFile file = new RandomAccessFile(active.toFile(), "rw")) {
      file.setLength(size - 10);
    }
    try (Log log = Log.open(dir, config, clock)) {
      assertEquals(117, log.logEndOffset());
      LogAppendInfo info = log.appendAsLeader(batch(2, START_MS), 1);
      assertEquals(117, info.firstOffset());
      assertEquals(119, log.logEndOffset());
      assertEquals(117, batches(log.read(117, 1000, Long.MAX_VALUE).records()).get(0).baseOffset());
    }
    try (Log log = Log.open(dir, config, clock)) {
      assertEquals(119, log.logEndOffset());
    }
  }

  @Test
  void flippedByteInLastBatchDropsIt() throws IOException {
    Log crashed = writeUncleanly();
    Path active = activeLogFile(crashed);
    try (RandomAccessFile file = new RandomAccessFile(active.toFile(), "rw")) {
      long at = file.length() - 2; // inside the last record's value
      file.seek(at);
      int b = file.read();
      file.seek(at);
      file.write(b ^ 0x40);
    }
    try (Log log = Log.open(dir, config, clock)) {
      assertEquals(117, log.logEndOffset());
      for (RecordBatch read : batches(log.read(110, 100_000, Long.MAX_VALUE).records())) {
        read.ensureValid();
      }
      assertEquals(117, log.appendAsLeader(batch(1, START_MS), 0).firstOffset());
    }
  }

  @Test
  void withoutARecoveryPointCorruptionInAnOlderSegmentDropsItsTailAndAllLaterSegments()
      throws IOException {
    Log crashed = writeUncleanly();
    Files.delete(
        dir.resolve(LogOffsetsCheckpoint.FILE_NAME)); // no recovery point: validate every segment
    LogSegment second = crashed.segments().get(1);
    try (RandomAccessFile file = new RandomAccessFile(second.logFile().toFile(), "rw")) {
      file.seek(BatchHeader.RECORD_BATCH_OVERHEAD + 5); // inside the first batch's records
      file.write(0xFF);
    }
    try (Log log = Log.open(dir, config, clock)) {
      assertEquals(second.baseOffset, log.logEndOffset());
      assertEquals(2, log.numberOfSegments());
    }
  }

  @Test
  void missingIndexesAreRebuiltAfterCleanShutdown() throws IOException {
    try (Log log = writeUncleanly()) {
      log.flush();
    }
    List<Path> indexes = new ArrayList<>();
    try (var files = Files.list(dir)) {
      files
          .filter(f -> f.toString().endsWith(".index") || f.toString().endsWith(".timeindex"))
          .forEach(indexes::add);
    }
    assertTrue(indexes.size() >= 8);
    for (Path index : indexes) {
      Files.delete(index);
    }
    try (Log log = Log.open(dir, config, clock)) {
      assertRebuiltAndServing(log);
    }
  }

  @Test
  void corruptIndexIsRebuilt() throws IOException {
    try (Log log = writeUncleanly()) {
      log.flush();
    }
    Path firstIndex = dir.resolve(LogSegment.fileName(0, LogSegment.INDEX_SUFFIX));
    Path firstTimeIndex = dir.resolve(LogSegment.fileName(0, LogSegment.TIME_INDEX_SUFFIX));
    assertTrue(Files.size(firstIndex) >= 2 * OffsetIndex.ENTRY_SIZE);
    byte[] bytes = Files.readAllBytes(firstIndex);
    bytes[OffsetIndex.ENTRY_SIZE + 3] = 0; // second entry's relative offset now below the first's
    bytes[OffsetIndex.ENTRY_SIZE + 2] = 0;
    Files.write(firstIndex, bytes);
    Files.write(firstTimeIndex, new byte[5]); // not a whole number of entries
    try (Log log = Log.open(dir, config, clock)) {
      assertRebuiltAndServing(log);
      assertEquals(
          null, log.segments().get(0).offsetIndex().sanityProblem(log.segments().get(0).size()));
      assertTrue(log.segments().get(0).offsetIndex().entries() >= 2);
    }
  }

  private void assertRebuiltAndServing(Log log) throws IOException {
    assertEquals(120, log.logEndOffset());
    for (long offset = 0; offset < 120; offset += 7) {
      RecordBatch read = batches(log.read(offset, 1, Long.MAX_VALUE).records()).get(0);
      assertTrue(read.baseOffset() <= offset && offset <= read.lastOffset());
    }
    assertEquals(
        Optional.of(new TimestampAndOffset(START_MS + 20, 60)),
        log.offsetForTimestamp(START_MS + 20));
    for (LogSegment segment : log.segments()) {
      assertEquals(null, segment.offsetIndex().sanityProblem(segment.size()));
      assertEquals(null, segment.timeIndex().sanityProblem(segment.nextOffset()));
    }
  }

  @Test
  void cleanCloseSkipsRecoveryAndStillServesReads() throws IOException {
    byte[] before;
    try (Log log = writeUncleanly()) {
      before = LogTestSupport.readAll(log);
    }
    assertTrue(Files.exists(dir.resolve(Log.CLEAN_SHUTDOWN_FILE)));
    try (Log log = Log.open(dir, config, clock)) {
      assertFalse(Files.exists(dir.resolve(Log.CLEAN_SHUTDOWN_FILE)));
      assertEquals(120, log.logEndOffset());
      assertArrayEquals(before, LogTestSupport.readAll(log));
      assertEquals(120, log.appendAsLeader(batch(1, START_MS), 0).firstOffset());
      for (LogSegment segment : log.segments()) {
        assertEquals(null, segment.offsetIndex().sanityProblem(segment.size()));
      }
    }
    for (LogSegment segment : reopenSegments()) {
      assertEquals(0, Files.size(segment.offsetIndex().file()) % OffsetIndex.ENTRY_SIZE);
    }
  }

  private List<LogSegment> reopenSegments() throws IOException {
    try (Log log = Log.open(dir, config, clock)) {
      return log.segments();
    }
  }

  @Test
  void indexesArePreallocatedAndTrimmedOnRollAndClose() throws IOException {
    LogConfig small =
        config("segment.bytes", 1000, "index.interval.bytes", 100, "segment.index.bytes", 4096);
    try (Log log = Log.open(dir, small, clock)) {
      for (int i = 0; i < 40; i++) {
        log.appendAsLeader(batch(3, START_MS + i), 0);
      }
      List<LogSegment> segments = log.segments();
      LogSegment active = segments.get(segments.size() - 1);
      assertEquals(4096, Files.size(active.offsetIndex().file()));
      for (LogSegment inactive : segments.subList(0, segments.size() - 1)) {
        assertEquals(
            inactive.offsetIndex().entries() * OffsetIndex.ENTRY_SIZE,
            Files.size(inactive.offsetIndex().file()));
        assertEquals(
            inactive.timeIndex().entries() * TimeIndex.ENTRY_SIZE,
            Files.size(inactive.timeIndex().file()));
        assertEquals(
            inactive.maxTimestamp(),
            inactive.timeIndex().lastTimestamp(),
            "the closing entry records the segment's largest timestamp");
      }
    }
    try (Log log = Log.open(dir, small, clock)) {
      LogSegment active = log.segments().get(log.numberOfSegments() - 1);
      assertEquals(4096, Files.size(active.offsetIndex().file()));
      assertEquals(
          4092, Files.size(active.timeIndex().file()), "rounded down to whole 12-byte entries");
    }
  }

  @Test
  void strayFilesFromInterruptedOperationsAreDeleted() throws IOException {
    try (Log log = writeUncleanly()) {
      log.flush();
    }
    Path deleted = Files.createFile(dir.resolve(LogSegment.fileName(999, ".log.deleted")));
    Path temp = Files.createFile(dir.resolve("log-offsets-checkpoint.tmp"));
    Path cleaned = Files.createFile(dir.resolve(LogSegment.fileName(5, ".log.cleaned")));
    Path orphanIndex =
        Files.createFile(dir.resolve(LogSegment.fileName(12345, LogSegment.INDEX_SUFFIX)));
    try (Log log = Log.open(dir, config, clock)) {
      assertEquals(120, log.logEndOffset());
    }
    for (Path stray : List.of(deleted, temp, cleaned, orphanIndex)) {
      assertFalse(Files.exists(stray), stray.toString());
    }
  }
}
