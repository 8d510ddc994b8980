package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batch;
import static io.skein.log.LogTestSupport.batches;
import static io.skein.log.LogTestSupport.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogRetentionTest {
  private static final long HOUR = 3_600_000L;

  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);

  /**
   * Five segments of 2 batches x 5 records; segment i holds records timestamped START_MS + i hours.
   */
  private Log fiveSegments(LogConfig config) throws IOException {
    Log log = Log.open(dir, config, clock);
    for (int segment = 0; segment < 5; segment++) {
      log.appendAsLeader(batch(5, START_MS + segment * HOUR), segment);
      log.appendAsLeader(batch(5, START_MS + segment * HOUR), segment);
      log.roll();
    }
    log.appendAsLeader(batch(5, START_MS + 5 * HOUR), 5);
    assertEquals(6, log.numberOfSegments());
    return log;
  }

  @Test
  void retentionByTimeDeletesExpiredSegmentsAndSurvivesReopen() throws IOException {
    LogConfig config = config("retention.ms", 2 * HOUR);
    try (Log log = fiveSegments(config)) {
      clock.advance(2 * HOUR); // segment 0 is 2 h old: not yet past
      assertEquals(0, log.deleteRetainedSegments());
      clock.advance(HOUR + 1); // segments 0 and 1 are now older than 2 h
      assertEquals(2, log.deleteRetainedSegments());
      assertEquals(20, log.logStartOffset());
      assertEquals(4, log.numberOfSegments());
      OffsetOutOfRangeException e =
          assertThrows(OffsetOutOfRangeException.class, () -> log.read(19, 1000, Long.MAX_VALUE));
      assertEquals(20, e.logStartOffset());
      assertEquals(55, e.logEndOffset());
      assertEquals(20, batches(log.read(20, 1, Long.MAX_VALUE).records()).get(0).baseOffset());
      assertEquals(
          new EpochEndOffset(2, 30),
          log.endOffsetForEpoch(2),
          "epochs before the log start are dropped");
      assertEquals(
          new EpochEndOffset(0, 20),
          log.endOffsetForEpoch(0),
          "below the earliest epoch: itself, ending at the earliest epoch's start");
    }
    try (Log log = Log.open(dir, config, clock)) {
      assertEquals(20, log.logStartOffset());
      assertEquals(55, log.logEndOffset());
      assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 1000, Long.MAX_VALUE));
    }
  }

  @Test
  void expiredActiveSegmentIsRolledThenDeleted() throws IOException {
    try (Log log = fiveSegments(config("retention.ms", HOUR))) {
      clock.advance(100 * HOUR);
      assertEquals(6, log.deleteRetainedSegments());
      assertEquals(1, log.numberOfSegments());
      assertEquals(55, log.logStartOffset());
      assertEquals(55, log.logEndOffset());
      assertEquals(0, log.deleteRetainedSegments(), "an empty active segment is never deleted");
      assertEquals(55, log.appendAsLeader(batch(1, clock.millis()), 6).firstOffset());
    }
  }

  @Test
  void retentionBySizeKeepsAtLeastRetentionBytes() throws IOException {
    int segmentBytes = 2 * batch(5, START_MS).sizeInBytes();
    try (Log log = fiveSegments(config("retention.bytes", 2L * segmentBytes + 1))) {
      long total = log.sizeInBytes();
      assertEquals(5L * segmentBytes + segmentBytes / 2, total);
      // Deleting 3 segments leaves 2.5 segments >= retention.bytes; a 4th would leave 1.5 <
      // retention.bytes.
      assertEquals(3, log.deleteRetainedSegments());
      assertEquals(30, log.logStartOffset());
      assertEquals(0, log.deleteRetainedSegments());
    }
    try (Log log = Log.open(dir, LogConfig.defaults(), clock)) {
      assertEquals(30, log.logStartOffset());
    }
  }

  @Test
  void unlimitedRetentionDeletesNothing() throws IOException {
    try (Log log = fiveSegments(config("retention.ms", -1, "retention.bytes", -1))) {
      clock.advance(1000 * HOUR);
      assertEquals(0, log.deleteRetainedSegments());
      assertEquals(0, log.logStartOffset());
    }
  }
}
