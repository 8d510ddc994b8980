package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batches;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.RecordBatch;

class LogProperties {

  @Property(tries = 50)
  void appendReadIndexAndReopenInvariantsHold(
      @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 30) Integer> recordCounts,
      @ForAll @IntRange(min = 100, max = 3000) int segmentBytes,
      @ForAll @IntRange(min = 0, max = 1500) int indexIntervalBytes,
      @ForAll @IntRange(min = 24, max = 200) int segmentIndexBytes,
      @ForAll boolean cleanShutdown)
      throws IOException {
    Path dir = Files.createTempDirectory("log-properties");
    LogConfig config =
        LogConfig.fromMap(
            Map.of(
                LogConfig.SEGMENT_BYTES, Integer.toString(segmentBytes),
                LogConfig.INDEX_INTERVAL_BYTES, Integer.toString(indexIntervalBytes),
                LogConfig.SEGMENT_INDEX_BYTES, Integer.toString(segmentIndexBytes)),
            LogConfig.defaults());
    LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
    try {
      Log log = Log.open(dir, config, clock);
      long expectedOffset = 0;
      for (int i = 0; i < recordCounts.size(); i++) {
        LogAppendInfo info =
            log.appendAsLeader(
                LogTestSupport.batch(Compression.NONE, recordCounts.get(i), START_MS + i, "p" + i),
                0);
        assertEquals(expectedOffset, info.firstOffset(), "offsets are contiguous from 0");
        expectedOffset = info.lastOffset() + 1;
      }
      assertEquals(expectedOffset, log.logEndOffset());
      assertEveryOffsetReadsBack(log);
      assertIndexInvariants(log);
      byte[] before = LogTestSupport.readAll(log);

      Log reopened;
      if (cleanShutdown) {
        log.close();
        reopened = Log.open(dir, config, clock);
      } else {
        reopened = Log.open(dir, config, clock); // the first instance is abandoned, as in a crash
      }
      try {
        assertEquals(expectedOffset, reopened.logEndOffset());
        assertArrayEquals(before, LogTestSupport.readAll(reopened));
        assertEveryOffsetReadsBack(reopened);
        assertIndexInvariants(reopened);
        assertEquals(
            expectedOffset,
            reopened.appendAsLeader(LogTestSupport.batch(2, START_MS), 1).firstOffset());
      } finally {
        reopened.close();
      }
    } finally {
      LogTestSupport.deleteRecursively(dir);
    }
  }

  private static void assertEveryOffsetReadsBack(Log log) throws IOException {
    for (long offset = log.logStartOffset(); offset < log.logEndOffset(); offset++) {
      List<RecordBatch> read = batches(log.read(offset, 1, Long.MAX_VALUE).records());
      assertEquals(1, read.size());
      RecordBatch holder = read.get(0);
      holder.ensureValid();
      assertTrue(
          holder.baseOffset() <= offset && offset <= holder.lastOffset(),
          "offset "
              + offset
              + " read back batch ["
              + holder.baseOffset()
              + ", "
              + holder.lastOffset()
              + "]");
    }
  }

  /**
   * Index entries increase, and a lookup for every offset lands at or before the batch that holds
   * it.
   */
  private static void assertIndexInvariants(Log log) throws IOException {
    for (LogSegment segment : log.segments()) {
      assertNull(segment.offsetIndex().sanityProblem(segment.size()));
      assertNull(segment.timeIndex().sanityProblem(segment.nextOffset()));
      ByteBuffer bytes =
          log.read(segment.baseOffset, Integer.MAX_VALUE, segment.nextOffset()).records();
      if (segment.isEmpty()) {
        continue;
      }
      assertEquals(segment.size(), bytes.remaining(), "the segment reads back whole");
      int position = 0;
      for (RecordBatch batch : batches(bytes)) {
        for (long offset = batch.baseOffset(); offset <= batch.lastOffset(); offset++) {
          int looked = segment.offsetIndex().lookupPosition(offset);
          assertTrue(
              looked <= position,
              "lookup(" + offset + ")=" + looked + " is past the batch at " + position);
        }
        position += batch.sizeInBytes();
      }
    }
  }
}
