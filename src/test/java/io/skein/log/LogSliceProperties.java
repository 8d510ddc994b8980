package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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

/** A slice of the log names exactly the bytes a read of the same range copies. */
class LogSliceProperties {

  @Property(tries = 60)
  void aSliceSpansTheBatchesAReadReturns(
      @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 30) Integer> recordCounts,
      @ForAll @IntRange(min = 200, max = 4000) int segmentBytes,
      @ForAll @IntRange(min = 0, max = 1500) int indexIntervalBytes,
      @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 0, max = 2000) Integer> offsets,
      @ForAll @IntRange(min = 1, max = 3000) int maxBytes,
      @ForAll @IntRange(min = 0, max = 60) int cutBelowEnd)
      throws IOException {
    Path dir = Files.createTempDirectory("log-slice");
    LogConfig config = LogConfig.fromMap(Map.of(
            LogConfig.SEGMENT_BYTES, Integer.toString(segmentBytes),
            LogConfig.INDEX_INTERVAL_BYTES, Integer.toString(indexIntervalBytes)),
        LogConfig.defaults());
    try (Log log = Log.open(dir, config, new LogTestSupport.ManualClock(START_MS))) {
      for (int i = 0; i < recordCounts.size(); i++) {
        log.appendAsLeader(LogTestSupport.batch(Compression.NONE, recordCounts.get(i), START_MS + i, "s" + i), 0);
      }
      long end = log.logEndOffset();
      long maxOffsetExclusive = Math.max(0, end - cutBelowEnd);
      for (int wanted : offsets) {
        long offset = wanted % (end + 1);
        LogReadResult read = log.read(offset, maxBytes, maxOffsetExclusive);
        LogSlice slice = log.slice(offset, maxBytes, maxOffsetExclusive);
        try {
          String what = "offset " + offset + ", " + maxBytes + " bytes, below " + maxOffsetExclusive;
          assertEquals(read.records().remaining(), slice.size(), what);
          assertEquals(read.firstBatchBaseOffset(), slice.firstBatchBaseOffset(), what);
          assertEquals(read.nextOffset(), slice.nextOffset(), what);
          assertEquals(read.logStartOffset(), slice.logStartOffset(), what);
          assertEquals(read.logEndOffset(), slice.logEndOffset(), what);
          ByteBuffer sliced = ByteBuffer.allocate(slice.size());
          if (!slice.isEmpty()) {
            slice.readInto(sliced, 0);
          }
          assertArrayEquals(bytes(read.records()), sliced.array(), what);
        } finally {
          slice.release();
        }
      }
    } finally {
      LogTestSupport.deleteRecursively(dir);
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
