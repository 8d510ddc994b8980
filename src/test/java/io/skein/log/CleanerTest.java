package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batches;
import static io.skein.log.LogTestSupport.config;
import static io.skein.log.LogTestSupport.keyed;
import static io.skein.log.LogTestSupport.latestValues;
import static io.skein.log.LogTestSupport.readRecords;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LogTestSupport.Stored;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanerTest {
  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
  private final LogConfig compact =
      config("cleanup.policy", "compact", "segment.bytes", 600, "index.interval.bytes", 150);

  private Cleaner cleaner(int offsetMapBytes) {
    return new Cleaner(offsetMapBytes, new Throttler(Long.MAX_VALUE), clock);
  }

  /** Batches of three records over {@code keys} keys, the value naming the batch and slot. */
  private static void fill(Log log, int batchCount, int keys, String tag) throws IOException {
    for (int i = 0; i < batchCount; i++) {
      String[] keysAndValues = new String[6];
      for (int j = 0; j < 3; j++) {
        keysAndValues[2 * j] = "k" + ((i * 3 + j) % keys);
        keysAndValues[2 * j + 1] = tag + "-" + i + "-" + j;
      }
      log.appendAsLeader(keyed(START_MS + i, keysAndValues), 0);
    }
  }

  private static void commitAll(Log log) throws IOException {
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
  }

  @Test
  void keepsTheLatestRecordOfEveryKeyAtItsOffsetAndGroupsSmallSegments() throws Exception {
    try (Log log = Log.open(dir, compact, clock)) {
      fill(log, 40, 7, "a");
      commitAll(log);
      List<Stored> before = readRecords(log);
      int segmentsBefore = log.numberOfSegments();
      long sizeBefore = log.sizeInBytes();

      Cleaner.Stats stats = cleaner(1 << 16).clean(log, () -> false);

      assertNotNull(stats);
      List<Stored> after = readRecords(log);
      assertEquals(latestValues(before), latestValues(after));
      assertEquals(7, after.size(), "one record per key is left");
      Set<Stored> original = new HashSet<>(before);
      long previous = -1;
      for (Stored record : after) {
        assertTrue(original.contains(record), record + " is the record that was at its offset");
        assertTrue(record.offset() > previous, "offsets increase");
        previous = record.offset();
      }
      assertEquals(120, log.logEndOffset(), "the log end does not move");
      assertEquals(120, log.cleanedOffset());
      assertEquals(120, stats.cleanedToOffset());
      assertTrue(log.sizeInBytes() < sizeBefore / 4, log.sizeInBytes() + " of " + sizeBefore);
      // Groups are sized by the segments before cleaning, as in Kafka: the next clean merges.
      assertEquals(segmentsBefore, log.numberOfSegments());
      fill(log, 2, 7, "b");
      commitAll(log);
      cleaner(1 << 16).clean(log, () -> false);
      assertTrue(
          log.numberOfSegments() <= 3,
          "the small cleaned segments are grouped: " + log.numberOfSegments() + " segments");
      assertEquals(7, readRecords(log).size());
      assertEquals(126, log.appendAsLeader(keyed(START_MS, "k1", "new"), 0).firstOffset());
    }
  }

  @Test
  void everyOffsetReadsTheNextRecordPresentAndIndexesStayValid() throws Exception {
    try (Log log = Log.open(dir, compact, clock)) {
      fill(log, 30, 5, "a");
      commitAll(log);
      cleaner(1 << 16).clean(log, () -> false);
      List<Stored> kept = readRecords(log);
      for (long offset = 0; offset < log.logEndOffset(); offset++) {
        long wanted = offset;
        Stored next = kept.stream().filter(r -> r.offset() >= wanted).findFirst().orElseThrow();
        List<RecordBatch> read = batches(log.read(offset, 1, Long.MAX_VALUE).records());
        assertFalse(read.isEmpty(), "offset " + offset + " reads on");
        assertTrue(read.get(0).lastOffset() >= offset);
        boolean found = false;
        for (org.apache.kafka.common.record.internal.Record record : read.get(0)) {
          found |= record.offset() == next.offset();
        }
        assertTrue(found || read.get(0).countOrNull() == 0, "offset " + offset + " finds " + next);
      }
      for (LogSegment segment : log.segments()) {
        assertNull(segment.offsetIndex().sanityProblem(segment.size()));
        assertNull(segment.timeIndex().sanityProblem(segment.nextOffset()));
      }
    }
  }

  @Test
  void neverCleansTheActiveSegmentOrPastTheHighWatermark() throws Exception {
    try (Log log = Log.open(dir, compact, clock)) {
      fill(log, 20, 3, "a");
      log.roll();
      long highWatermark = log.segments().get(2).baseOffset;
      log.updateHighWatermark(highWatermark);
      fill(log, 2, 3, "active");
      List<LogSegment> aboveHighWatermark =
          log.segments().stream().filter(s -> s.nextOffset() > highWatermark).toList();
      byte[] before = readFrom(log, highWatermark);

      cleaner(1 << 16).clean(log, () -> false);

      assertEquals(highWatermark, log.cleanedOffset());
      assertArrayEquals(before, readFrom(log, highWatermark), "nothing above the HW changed");
      for (LogSegment segment : aboveHighWatermark) {
        assertTrue(log.segments().contains(segment), segment + " is untouched");
      }
    }
  }

  private static byte[] readFrom(Log log, long offset) throws IOException {
    ByteBuffer all = ByteBuffer.allocate((int) log.sizeInBytes());
    while (offset < log.logEndOffset()) {
      LogReadResult result = log.read(offset, Integer.MAX_VALUE, Long.MAX_VALUE);
      all.put(result.records());
      offset = result.nextOffset();
    }
    all.flip();
    byte[] bytes = new byte[all.remaining()];
    all.get(bytes);
    return bytes;
  }

  @Test
  void tombstonesStayForDeleteRetentionMsAfterTheirFirstCleanThenGo() throws Exception {
    LogConfig config =
        config("cleanup.policy", "compact", "segment.bytes", 600, "delete.retention.ms", 1000);
    try (Log log = Log.open(dir, config, clock)) {
      log.appendAsLeader(keyed(START_MS, "gone", "v1", "kept", "v1"), 0);
      log.appendAsLeader(keyed(START_MS, "gone", null), 0);
      commitAll(log);
      Cleaner cleaner = cleaner(1 << 16);
      cleaner.clean(log, () -> false);
      Map<String, String> afterFirst = latestValues(readRecords(log));
      assertTrue(afterFirst.containsKey("gone"), "the tombstone is still readable");
      assertNull(afterFirst.get("gone"));
      assertEquals(2, readRecords(log).size(), "the overwritten value is gone");

      clock.advance(999);
      log.appendAsLeader(keyed(START_MS, "other", "x"), 0);
      commitAll(log);
      cleaner.clean(log, () -> false);
      assertTrue(latestValues(readRecords(log)).containsKey("gone"), "not yet past the horizon");

      clock.advance(2);
      log.appendAsLeader(keyed(START_MS, "other", "y"), 0);
      commitAll(log);
      cleaner.clean(log, () -> false);
      Map<String, String> latest = latestValues(readRecords(log));
      assertFalse(latest.containsKey("gone"), "the tombstone is removed: " + latest);
      assertEquals(Map.of("kept", "v1", "other", "y"), latest);
    }
  }

  @Test
  void oncePastTheirHorizonTombstonesGoAndTheLogIsNotCleanedAgainForThem() throws Exception {
    LogConfig config =
        config("cleanup.policy", "compact", "segment.bytes", 600, "delete.retention.ms", 1000);
    try (Log log = Log.open(dir, config, clock)) {
      // The batch keeps a live value when its tombstone goes: rewritten, it still carries the horizon.
      log.appendAsLeader(keyed(START_MS, "gone", "v1"), 0);
      log.appendAsLeader(keyed(START_MS, "gone", null, "kept", "v1"), 0);
      commitAll(log);
      Cleaner cleaner = cleaner(1 << 16);
      assertNotNull(cleaner.clean(log, () -> false));
      assertTrue(latestValues(readRecords(log)).containsKey("gone"), "the tombstone stays until its horizon");

      clock.advance(1001);
      assertTrue(CleanableSection.tombstonesExpired(log, clock.millis()), "the horizon passed");
      assertNotNull(cleaner.clean(log, () -> false));
      assertEquals(Map.of("kept", "v1"), latestValues(readRecords(log)));
      assertFalse(CleanableSection.tombstonesExpired(log, clock.millis()),
          "no tombstone is left to remove, so the log needs no clean");
      assertNull(cleaner.clean(log, () -> false), "nothing dirty, no tombstone: no clean");
    }
  }

  @Test
  void recordsWithoutKeyWrittenBeforeThePolicyChangedAreDroppedAsKafkaDoes() throws Exception {
    try (Log log = Log.open(dir, LogConfig.defaults(), clock)) {
      log.appendAsLeader(keyed(START_MS, null, "keyless", "k", "v"), 0);
      commitAll(log);
      log.updateConfig(compact);
      cleaner(1 << 16).clean(log, () -> false);
      assertEquals(List.of(new Stored(1, "k", "v")), readRecords(log));
    }
  }

  @Test
  void aCompactedLogRefusesRecordsWithoutKeyCompressedOrNot() throws Exception {
    try (Log log = Log.open(dir.resolve("compacted"), compact, clock);
        Log plain = Log.open(dir.resolve("plain"), LogConfig.defaults(), clock)) {
      MemoryRecords lz4 =
          MemoryRecords.withRecords(
              Compression.lz4().build(),
              new SimpleRecord(START_MS, "k".getBytes(), "v".getBytes()),
              new SimpleRecord(START_MS, null, "keyless".getBytes()));
      for (MemoryRecords keyless : List.of(keyed(START_MS, "k", "v", null, "keyless"), lz4)) {
        CorruptRecordException e =
            assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(keyless, 0));
        assertTrue(e.getMessage().contains("without key"), e.getMessage());
      }
      assertEquals(0, log.logEndOffset(), "nothing of a refused batch is written");
      assertEquals(0, plain.appendAsLeader(keyed(START_MS, null, "fine"), 0).firstOffset());
      assertEquals(0, log.appendAsLeader(keyed(START_MS, "k", null), 0).firstOffset());
    }
  }

  @Test
  void aFullOffsetMapCleansWhatItHoldsAndTheNextCleanGoesOn() throws Exception {
    try (Log log = Log.open(dir, compact, clock)) {
      fill(log, 40, 40, "a"); // 120 records, 40 keys
      fill(log, 10, 40, "b");
      commitAll(log);
      Map<String, String> expected = latestValues(readRecords(log));
      Cleaner small = cleaner(OffsetMap.ENTRY_BYTES * 30); // 27 keys
      small.clean(log, () -> false);
      assertTrue(log.cleanedOffset() < log.logEndOffset(), "stopped at " + log.cleanedOffset());
      assertTrue(log.cleanedOffset() > 0);
      assertEquals(expected, latestValues(readRecords(log)));
      for (int i = 0; i < 20 && log.cleanedOffset() < log.logEndOffset(); i++) {
        small.clean(log, () -> false);
      }
      assertEquals(log.logEndOffset(), log.cleanedOffset());
      assertEquals(expected, latestValues(readRecords(log)));
      assertEquals(40, readRecords(log).size());
    }
  }

  @Test
  void anEmptiedBatchKeepsItsProducerStateAsAHeader() throws Exception {
    try (Log log = Log.open(dir, compact, clock)) {
      MemoryRecords idempotent =
          MemoryRecords.withIdempotentRecords(
              Compression.NONE,
              7L,
              (short) 3,
              11,
              new SimpleRecord(START_MS, "k".getBytes(), "old".getBytes()));
      log.appendAsLeader(idempotent, 0);
      log.appendAsLeader(keyed(START_MS, "k", "new"), 0);
      commitAll(log);
      cleaner(1 << 16).clean(log, () -> false);
      List<RecordBatch> read = batches(log.read(0, Integer.MAX_VALUE, Long.MAX_VALUE).records());
      RecordBatch header = read.get(0);
      assertEquals(0, header.countOrNull());
      assertEquals(7L, header.producerId());
      assertEquals((short) 3, header.producerEpoch());
      assertEquals(11, header.baseSequence());
      assertEquals(0, header.lastOffset());
      assertEquals(List.of(new Stored(1, "k", "new")), readRecords(log));
    }
  }

  @Test
  void aCleanedLogReopensAsItWasAndItsFollowerCopyAppends() throws Exception {
    List<Stored> cleaned;
    try (Log log = Log.open(dir.resolve("leader"), compact, clock)) {
      fill(log, 30, 4, "a");
      commitAll(log);
      cleaner(1 << 16).clean(log, () -> false);
      cleaned = readRecords(log);
      try (Log follower = Log.open(dir.resolve("follower"), compact, clock)) {
        long offset = 0;
        while (offset < log.logEndOffset()) {
          LogReadResult fetched = log.read(offset, 500, Long.MAX_VALUE);
          follower.appendAsFollower(MemoryRecords.readableRecords(fetched.records()));
          offset = fetched.nextOffset();
        }
        assertEquals(cleaned, readRecords(follower), "a follower copies the compacted log");
        assertEquals(log.logEndOffset(), follower.logEndOffset());
      }
    }
    try (Log reopened = Log.open(dir.resolve("leader"), compact, clock)) {
      assertEquals(cleaned, readRecords(reopened));
      assertEquals(90, reopened.cleanedOffset(), "the clean offset is checkpointed");
    }
    // Recovery validates every batch of a compacted log too.
    Files.delete(dir.resolve("leader").resolve(LogOffsetsCheckpoint.FILE_NAME));
    try (Log recovered = Log.open(dir.resolve("leader"), compact, clock)) {
      assertEquals(cleaned, readRecords(recovered));
    }
  }

  @Test
  void aSwapIsDroppedWhenRetentionTookASegmentMeanwhile() throws Exception {
    try (Log log = Log.open(dir, compact, clock)) {
      fill(log, 20, 4, "a");
      commitAll(log);
      List<Stored> before = readRecords(log);
      LogSegment first = log.segments().get(0);
      LogSegment cleaned = LogSegment.createCleaned(dir, first.baseOffset, 1024);
      log.truncateTo(0);
      assertFalse(log.replaceSegments(List.of(first), cleaned));
      assertTrue(readRecords(log).isEmpty());
      assertFalse(Files.exists(cleaned.logFile()), "the cleaned copy is deleted");
      assertTrue(before.size() > 0);
    }
  }

  @Test
  void aCleanStopsWhenAborted() throws Exception {
    try (Log log = Log.open(dir, compact, clock)) {
      fill(log, 20, 4, "a");
      commitAll(log);
      List<Stored> before = readRecords(log);
      try {
        cleaner(1 << 16).clean(log, () -> true);
        throw new AssertionError("the clean was not aborted");
      } catch (Cleaner.Aborted expected) {
        // as asked
      }
      assertEquals(before, readRecords(log));
      assertEquals(0, log.cleanedOffset());
      try (Stream<Path> files = Files.list(dir)) {
        assertTrue(files.noneMatch(f -> f.toString().endsWith(LogSegment.CLEANED_SUFFIX)));
      }
    }
  }

  @Test
  void retentionDeletesSegmentsOfCompactDeleteLogsButNotOfCompactOnes() throws Exception {
    for (String policy : List.of("compact", "compact,delete")) {
      try (Log log =
          Log.open(
              dir.resolve(policy),
              config("cleanup.policy", policy, "segment.bytes", 600, "retention.ms", 1000),
              clock)) {
        fill(log, 20, 4, "a");
        commitAll(log);
        clock.advance(10_000);
        int deleted = log.deleteRetainedSegments();
        if (policy.equals("compact")) {
          assertEquals(0, deleted, "compact alone never deletes by retention");
        } else {
          assertTrue(deleted > 0, "compact,delete applies retention.ms too");
        }
      }
    }
  }

  @Test
  void maxCompactionLagRollsTheActiveSegmentSoThatItCanBeCleaned() throws Exception {
    LogConfig config = config("cleanup.policy", "compact", "max.compaction.lag.ms", 5000);
    try (Log log = Log.open(dir, config, clock)) {
      log.appendAsLeader(keyed(START_MS, "k", "v1"), 0);
      clock.advance(4000);
      log.appendAsLeader(keyed(START_MS, "k", "v2"), 0);
      assertEquals(1, log.numberOfSegments(), "within the lag");
      clock.advance(2000);
      log.appendAsLeader(keyed(START_MS, "k", "v3"), 0);
      assertEquals(2, log.numberOfSegments(), "rolled once the first record waited 6 s");
    }
  }

  @Test
  void offsetMapKeepsTheLatestOffsetPerKeyUpToItsCapacity() {
    OffsetMap map = new OffsetMap(OffsetMap.ENTRY_BYTES * 100);
    assertEquals(90, map.capacity());
    Map<String, Long> expected = new HashMap<>();
    for (long offset = 0; offset < 300; offset++) {
      String key = "key-" + (offset % 90);
      map.put(ByteBuffer.wrap(key.getBytes()), offset);
      expected.put(key, offset);
    }
    assertEquals(90, map.size());
    for (Map.Entry<String, Long> e : expected.entrySet()) {
      ByteBuffer key = ByteBuffer.wrap(e.getKey().getBytes());
      assertEquals(e.getValue(), map.get(key));
      assertEquals(0, key.position(), "the key is left as it was");
    }
    assertEquals(-1, map.get(ByteBuffer.wrap("absent".getBytes())));
    map.clear();
    assertEquals(0, map.size());
    assertEquals(-1, map.get(ByteBuffer.wrap("key-1".getBytes())));
  }
}
