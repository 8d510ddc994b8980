package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batch;
import static io.skein.log.LogTestSupport.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a log tells its listener: how it opened, each roll, each fsync, each retention deletion. */
class LogListenerTest {
  private static final long HOUR = 3_600_000L;

  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
  private final Recording listener = new Recording();

  private static final class Recording implements LogListener {
    final List<OpenedAs> opens = new ArrayList<>();
    final List<Long> openNanos = new ArrayList<>();
    int rolls;
    int flushes;
    long flushNanos;
    int deletedSegments;
    long deletedBytes;

    @Override
    public void opened(OpenedAs as, long nanos) {
      opens.add(as);
      openNanos.add(nanos);
    }

    @Override
    public void rolled() {
      rolls++;
    }

    @Override
    public void flushed(long nanos) {
      flushes++;
      flushNanos += nanos;
    }

    @Override
    public void retentionDeleted(int segments, long bytes) {
      deletedSegments += segments;
      deletedBytes += bytes;
    }
  }

  @Test
  void anOpenSaysWhetherTheLogIsNewClosedCleanlyOrRecoveredAndHowLongItTook() throws IOException {
    Log created = Log.open(dir, config(), clock, listener);
    created.appendAsLeader(batch(5, START_MS), 0);
    created.close();
    Log reopened = Log.open(dir, config(), clock, listener);
    reopened.appendAsLeader(batch(5, START_MS), 0);
    // Dropped without close(): the next open recovers it.
    Log recovered = Log.open(dir, config(), clock, listener);
    assertEquals(
        List.of(LogListener.OpenedAs.NEW, LogListener.OpenedAs.CLEAN, LogListener.OpenedAs.RECOVERED),
        listener.opens);
    assertTrue(listener.openNanos.stream().allMatch(nanos -> nanos > 0), "each open is timed");
    assertEquals(10, recovered.logEndOffset());
    recovered.close();
  }

  @Test
  void aRollCountsOnceAndAnEmptyActiveSegmentDoesNotRoll() throws IOException {
    try (Log log = Log.open(dir, config(), clock, listener)) {
      log.roll();
      assertEquals(0, listener.rolls, "nothing to roll");
      log.appendAsLeader(batch(5, START_MS), 0);
      log.roll();
      assertEquals(1, listener.rolls);
      log.roll();
      assertEquals(1, listener.rolls, "the new segment is empty");
    }
  }

  @Test
  void aFullSegmentRollsOnAppendAndCounts() throws IOException {
    try (Log log = Log.open(dir, config("segment.bytes", 200), clock, listener)) {
      for (int i = 0; i < 4; i++) {
        log.appendAsLeader(batch(5, START_MS), 0);
      }
      assertEquals(log.numberOfSegments() - 1, listener.rolls);
      assertTrue(listener.rolls >= 1, "200 bytes hold one batch of 5 records: " + log.numberOfSegments());
    }
  }

  @Test
  void eachFlushAndEachRollFsyncsAndIsTimed() throws IOException {
    try (Log log = Log.open(dir, config(), clock, listener)) {
      log.appendAsLeader(batch(5, START_MS), 0);
      log.flush();
      assertEquals(1, listener.flushes);
      log.appendAsLeader(batch(5, START_MS), 0);
      log.roll();
      assertEquals(2, listener.flushes, "a roll fsyncs the segment it closes");
      assertTrue(listener.flushNanos > 0);
    }
  }

  @Test
  void retentionReportsTheSegmentsAndBytesItDeleted() throws IOException {
    try (Log log = Log.open(dir, config("retention.ms", HOUR), clock, listener)) {
      log.appendAsLeader(batch(5, START_MS), 0);
      log.roll();
      long firstSegmentBytes = log.sizeInBytes();
      log.appendAsLeader(batch(5, START_MS + 2 * HOUR), 0);
      log.roll();
      log.appendAsLeader(batch(5, START_MS + 2 * HOUR), 0);
      clock.advance(HOUR + 1);
      assertEquals(1, log.deleteRetainedSegments(), "only the first segment is past retention.ms");
      assertEquals(1, listener.deletedSegments);
      assertEquals(firstSegmentBytes, listener.deletedBytes);
      assertEquals(0, log.deleteRetainedSegments());
      assertEquals(1, listener.deletedSegments, "a run that deletes nothing reports nothing more");
    }
  }
}
