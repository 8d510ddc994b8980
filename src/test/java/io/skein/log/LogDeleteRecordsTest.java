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

class LogDeleteRecordsTest {

  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);

  /** Five rolled segments of 10 records and an active one of 5: offsets 0..54. */
  private Log sixSegments(LogConfig config) throws IOException {
    Log log = Log.open(dir, config, clock);
    for (int segment = 0; segment < 5; segment++) {
      log.appendAsLeader(batch(10, START_MS), 0);
      log.roll();
    }
    log.appendAsLeader(batch(5, START_MS), 0);
    return log;
  }

  @Test
  void deletingRecordsMovesTheStartRemovesWholeSegmentsBelowItAndSurvivesReopen() throws IOException {
    LogConfig config = config();
    try (Log log = sixSegments(config)) {
      log.updateHighWatermark(55);
      assertEquals(23, log.deleteRecordsBefore(23));
      assertEquals(23, log.logStartOffset());
      assertEquals(4, log.numberOfSegments(), "segments 0-9 and 10-19 are gone; 20-29 holds the new start");
      OffsetOutOfRangeException below =
          assertThrows(OffsetOutOfRangeException.class, () -> log.read(22, 1000, Long.MAX_VALUE));
      assertEquals(23, below.logStartOffset());
      assertEquals(20, batches(log.read(23, 1, Long.MAX_VALUE).records()).get(0).baseOffset());
      assertEquals(23, log.deleteRecordsBefore(5), "never moves back");
    }
    try (Log reopened = Log.open(dir, config, clock)) {
      assertEquals(23, reopened.logStartOffset());
    }
  }

  @Test
  void onlyCommittedRecordsCanBeDeletedAndTheActiveSegmentStays() throws IOException {
    try (Log log = sixSegments(config())) {
      log.updateHighWatermark(40);
      OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(41));
      assertEquals(0, e.logStartOffset());
      assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(-3));
      assertEquals(0, log.logStartOffset());

      log.updateHighWatermark(55);
      assertEquals(55, log.deleteRecordsBefore(55));
      assertEquals(1, log.numberOfSegments(), "only the active segment is left");
      assertEquals(55, log.logEndOffset());
      log.appendAsLeader(batch(1, START_MS), 0);
      assertEquals(55, batches(log.read(55, 1000, Long.MAX_VALUE).records()).get(0).baseOffset());
    }
  }
}
