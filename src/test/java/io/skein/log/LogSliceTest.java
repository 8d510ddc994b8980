package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batch;
import static io.skein.log.LogTestSupport.config;
import static io.skein.log.LogTestSupport.keyed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A slice keeps its segment file readable until released, whatever happens to the segment meanwhile. */
class LogSliceTest {
  private static final long HOUR = 3_600_000L;

  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);

  @Test
  void aSliceOfASegmentThatRetentionDeletesStaysReadableUntilReleased() throws IOException {
    try (Log log = Log.open(dir, config("retention.ms", HOUR), clock)) {
      log.appendAsLeader(batch(5, START_MS), 0);
      log.roll();
      log.appendAsLeader(batch(5, START_MS + 2 * HOUR), 0);
      byte[] expected = bytes(log.read(0, 1 << 20, 5).records());
      LogSlice slice = log.slice(0, 1 << 20, 5);
      assertEquals(expected.length, slice.size());

      clock.advance(HOUR + 1);
      assertEquals(1, log.deleteRetainedSegments());
      assertThrows(OffsetOutOfRangeException.class, () -> log.slice(0, 1 << 20, 10));

      assertArrayEquals(expected, contents(slice), "the deleted segment's bytes are still the slice's");
      assertTrue(slice.channel().isOpen());
      slice.release();
      assertFalse(slice.channel().isOpen(), "the last holder closed the deleted segment's file");
      slice.release();
    }
  }

  @Test
  void aSliceOutlivesItsLogsCloseAndTheFileClosesWithTheLastHolder() throws IOException {
    Log log = Log.open(dir, LogConfig.defaults(), clock);
    log.appendAsLeader(batch(3, START_MS), 0);
    LogSlice first = log.slice(0, 1 << 20, 3);
    LogSlice second = log.slice(1, 1 << 20, 3);
    log.close();
    assertEquals(3, first.nextOffset());
    assertArrayEquals(contents(first), contents(second), "both start at the batch holding their offset");
    first.release();
    assertTrue(second.channel().isOpen());
    second.release();
    assertFalse(second.channel().isOpen());
  }

  @Test
  void aSegmentWhoseChannelClosedCannotBeSlicedAgain() throws IOException {
    Log log = Log.open(dir, LogConfig.defaults(), clock);
    log.appendAsLeader(batch(3, START_MS), 0);
    LogSegment segment = log.segments().iterator().next();
    log.close();
    assertThrows(ClosedChannelException.class, () -> segment.slice(0, 100, 3, 3, 0, 3));
  }

  @Test
  void aSliceOfASegmentTheCleanerReplacedStillHoldsTheOldBatches() throws Exception {
    LogConfig compact = config("cleanup.policy", "compact", "segment.bytes", 400);
    try (Log log = Log.open(dir, compact, clock)) {
      for (int i = 0; i < 12; i++) {
        log.appendAsLeader(keyed(START_MS + i, "k", "v" + i), 0);
      }
      log.roll();
      log.updateHighWatermark(log.logEndOffset());
      byte[] before = bytes(log.read(0, 1 << 20, log.highWatermark()).records());
      LogSlice slice = log.slice(0, 1 << 20, log.highWatermark());

      new Cleaner(1 << 20, new Throttler(Long.MAX_VALUE), clock).clean(log, () -> false);
      assertTrue(LogTestSupport.readAll(log).length < before.length, "the cleaner dropped the old values");
      assertEquals(before.length, slice.size());
      assertArrayEquals(before, contents(slice));
      slice.release();
    }
  }

  private static byte[] contents(LogSlice slice) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(slice.size());
    slice.readInto(buffer, 0);
    return buffer.array();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
