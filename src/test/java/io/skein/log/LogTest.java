package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batch;
import static io.skein.log.LogTestSupport.batches;
import static io.skein.log.LogTestSupport.concat;
import static io.skein.log.LogTestSupport.config;
import static io.skein.log.LogTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogTest {
  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);

  @Test
  void emptyLogStartsAtZero() throws IOException {
    try (Log log = Log.open(dir.resolve("p0"), LogConfig.defaults(), clock)) {
      assertEquals(0, log.logStartOffset());
      assertEquals(0, log.logEndOffset());
      assertEquals(-1, log.latestEpoch());
      LogReadResult empty = log.read(0, 1000, Long.MAX_VALUE);
      assertTrue(empty.isEmpty());
      assertEquals(0, empty.nextOffset());
    }
  }

  @Test
  void appendsAcrossManySegmentsReadBackFromAnyOffset() throws IOException {
    LogConfig config = config("segment.bytes", 1024, "index.interval.bytes", 200);
    try (Log log = Log.open(dir, config, clock)) {
      long expectedOffset = 0;
      for (int i = 0; i < 100; i++) {
        int count = 1 + i % 5;
        LogAppendInfo info =
            log.appendAsLeader(batch(Compression.NONE, count, START_MS + i, "b" + i), 0);
        assertEquals(expectedOffset, info.firstOffset());
        assertEquals(expectedOffset + count - 1, info.lastOffset());
        assertEquals(count, info.recordCount());
        assertEquals(1, info.batchCount());
        expectedOffset += count;
      }
      assertEquals(expectedOffset, log.logEndOffset());
      assertTrue(log.numberOfSegments() > 5, "segments: " + log.numberOfSegments());
      for (long offset = 0; offset < expectedOffset; offset++) {
        LogReadResult result = log.read(offset, 1, Long.MAX_VALUE);
        List<RecordBatch> read = batches(result.records());
        assertEquals(1, read.size(), "minOneMessage returns exactly one batch for maxBytes=1");
        RecordBatch first = read.get(0);
        first.ensureValid();
        assertTrue(first.baseOffset() <= offset && offset <= first.lastOffset());
        assertEquals(first.baseOffset(), result.firstBatchBaseOffset());
        assertEquals(first.lastOffset() + 1, result.nextOffset());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "gzip", "lz4", "zstd", "snappy"})
  void compressedBatchesRoundTrip(String codec) throws IOException {
    Compression compression = Compression.of(codec).build();
    try (Log log = Log.open(dir, config("segment.bytes", 2048), clock)) {
      for (int i = 0; i < 20; i++) {
        log.appendAsLeader(batch(compression, 10, START_MS, "c" + i), 3);
      }
      long offset = 0;
      while (offset < log.logEndOffset()) {
        LogReadResult result = log.read(offset, 100_000, Long.MAX_VALUE);
        for (RecordBatch read : batches(result.records())) {
          read.ensureValid();
          assertEquals(compression.type(), read.compressionType());
          assertEquals(3, read.partitionLeaderEpoch());
          int i = 0;
          for (Record record : read) {
            assertEquals(offset, record.offset());
            assertEquals("v-c" + (offset / 10) + "-" + i++, value(record));
            offset++;
          }
        }
        assertEquals(offset, result.nextOffset());
      }
      assertEquals(200, offset);
    }
  }

  @Test
  void logAppendTimeIsStampedOnEveryRecord() throws IOException {
    try (Log log = Log.open(dir, config("message.timestamp.type", "LogAppendTime"), clock)) {
      LogAppendInfo info = log.appendAsLeader(batch(Compression.gzip().build(), 3, 42, "t"), 0);
      assertEquals(START_MS, info.logAppendTime());
      assertEquals(START_MS, info.maxTimestamp());
      RecordBatch read = batches(log.read(0, 10_000, Long.MAX_VALUE).records()).get(0);
      read.ensureValid();
      assertEquals(TimestampType.LOG_APPEND_TIME, read.timestampType());
      for (Record record : read) {
        assertEquals(START_MS, record.timestamp());
      }
    }
    try (Log log = Log.open(dir.resolve("create"), LogConfig.defaults(), clock)) {
      LogAppendInfo info = log.appendAsLeader(batch(3, 42), 0);
      assertEquals(-1, info.logAppendTime());
      assertEquals(42, info.maxTimestamp());
    }
  }

  @Test
  void readRespectsMaxBytesMaxOffsetAndMinOneMessage() throws IOException {
    try (Log log = Log.open(dir, LogConfig.defaults(), clock)) {
      for (int i = 0; i < 10; i++) {
        log.appendAsLeader(batch(5, START_MS), 0); // batches [0..4], [5..9], ...
      }
      int batchSize = batch(5, START_MS).sizeInBytes();
      LogReadResult three = log.read(7, 3 * batchSize, Long.MAX_VALUE);
      assertEquals(
          List.of(5L, 10L, 15L),
          batches(three.records()).stream().map(RecordBatch::baseOffset).toList());
      assertEquals(20, three.nextOffset());
      assertEquals(5, three.firstBatchBaseOffset());

      LogReadResult bounded = log.read(0, Integer.MAX_VALUE, 15);
      assertEquals(3, batches(bounded.records()).size());
      assertEquals(15, bounded.nextOffset());

      LogReadResult insideBatch = log.read(0, Integer.MAX_VALUE, 3);
      assertTrue(
          insideBatch.isEmpty(), "a batch reaching past maxOffsetExclusive is never returned");
      assertEquals(0, insideBatch.nextOffset());

      LogReadResult tiny = log.read(12, 10, Long.MAX_VALUE);
      assertEquals(1, batches(tiny.records()).size());

      assertTrue(log.read(50, 100, Long.MAX_VALUE).isEmpty());
      assertTrue(log.read(20, 100, 20).isEmpty());
      OffsetOutOfRangeException e =
          assertThrows(OffsetOutOfRangeException.class, () -> log.read(51, 100, Long.MAX_VALUE));
      assertEquals(51, e.requestedOffset());
      assertEquals(0, e.logStartOffset());
      assertEquals(50, e.logEndOffset());
    }
  }

  @Test
  void readIntoALargerPooledBufferStopsAtTheIndexedBound() throws IOException {
    // Every batch indexed: the read is bounded by the first indexed batch above the limit.
    try (Log log = Log.open(dir, config("index.interval.bytes", 1), clock)) {
      for (int i = 0; i < 20; i++) {
        log.appendAsLeader(batch(5, START_MS), 0); // batches [0..4], [5..9], ...
      }
      DirectBuffers pool = new DirectBuffers(1 << 20, 2);
      LogReadResult result = log.read(12, 1 << 20, 42, pool::acquire);
      assertTrue(result.records().isDirect());
      assertEquals(
          List.of(10L, 15L, 20L, 25L, 30L, 35L),
          batches(result.records()).stream().map(RecordBatch::baseOffset).toList());
      assertEquals(40, result.nextOffset());
      pool.release(result.records());
      assertTrue(pool.acquire(100).isDirect());
    }
  }

  @Test
  void aBatchOfImpossibleSizeIsReportedNotLoopedOn() throws IOException {
    Path partition = dir.resolve("p0");
    try (Log log = Log.open(partition, LogConfig.defaults(), clock)) {
      log.appendAsLeader(batch(5, START_MS), 0);
      log.appendAsLeader(batch(5, START_MS), 0);
    }
    Path segment = partition.resolve("00000000000000000000.log");
    int firstSize = batch(5, START_MS).sizeInBytes();
    try (var channel = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
      // The second batch's length field (offset 8 in its header) says 0 bytes follow.
      channel.write(ByteBuffer.allocate(4).putInt(0, 0), firstSize + 8);
    }
    LogSegment read = LogSegment.open(partition, 0);
    try {
      assertThrows(CorruptRecordException.class, () -> read.read(5, 1000, Long.MAX_VALUE, ByteBuffer::allocate));
    } finally {
      read.close();
    }
  }

  @Test
  void offsetForTimestampAcrossSegments() throws IOException {
    try (Log log = Log.open(dir, config("segment.bytes", 500, "index.interval.bytes", 1), clock)) {
      for (int i = 0; i < 30; i++) {
        // each batch: 2 records with timestamps 1000 + 10 i and 1000 + 10 i + 5
        log.appendAsLeader(
            MemoryRecords.withRecords(
                Compression.NONE,
                new SimpleRecord(1000 + 10L * i, "a".getBytes()),
                new SimpleRecord(1005 + 10L * i, "b".getBytes())),
            0);
      }
      assertTrue(log.numberOfSegments() > 3);
      assertEquals(Optional.of(new TimestampAndOffset(1000, 0)), log.offsetForTimestamp(0));
      assertEquals(Optional.of(new TimestampAndOffset(1000, 0)), log.offsetForTimestamp(1000));
      assertEquals(Optional.of(new TimestampAndOffset(1005, 1)), log.offsetForTimestamp(1001));
      for (int i = 0; i < 30; i++) {
        assertEquals(
            Optional.of(new TimestampAndOffset(1000 + 10L * i, 2L * i)),
            log.offsetForTimestamp(1000 + 10L * i - 4));
        assertEquals(
            Optional.of(new TimestampAndOffset(1005 + 10L * i, 2L * i + 1)),
            log.offsetForTimestamp(1000 + 10L * i + 3));
      }
      assertEquals(Optional.empty(), log.offsetForTimestamp(1000 + 10 * 29 + 6));
    }
  }

  @Test
  void offsetOfMaxTimestampIsTheFirstRecordWithTheLargestTimestampInAnySegment() throws IOException {
    try (Log log = Log.open(dir, config("segment.bytes", 500, "index.interval.bytes", 1), clock)) {
      assertEquals(Optional.empty(), log.offsetOfMaxTimestamp());
      for (int i = 0; i < 30; i++) {
        // The largest timestamp, 5000, first at offset 21 and again at 41.
        long timestamp = i == 10 || i == 20 ? 5000 : 1000 + i;
        log.appendAsLeader(
            MemoryRecords.withRecords(
                Compression.NONE,
                new SimpleRecord(1000, "a".getBytes()),
                new SimpleRecord(timestamp, "b".getBytes())),
            0);
      }
      assertTrue(log.numberOfSegments() > 3);
      assertEquals(Optional.of(new TimestampAndOffset(5000, 21)), log.offsetOfMaxTimestamp());
    }
  }

  @Test
  void rollsBySizeAndByTime() throws IOException {
    int batchBytes = batch(1, START_MS).sizeInBytes();
    try (Log log =
        Log.open(dir, config("segment.bytes", 3 * batchBytes, "segment.ms", 60_000), clock)) {
      for (int i = 0; i < 3; i++) {
        log.appendAsLeader(batch(1, START_MS), 0);
      }
      assertEquals(1, log.numberOfSegments());
      log.appendAsLeader(batch(1, START_MS), 0);
      assertEquals(2, log.numberOfSegments(), "fourth batch does not fit segment.bytes");

      clock.advance(60_000);
      log.appendAsLeader(batch(1, START_MS), 0);
      assertEquals(2, log.numberOfSegments(), "segment.ms not yet exceeded");
      clock.advance(1);
      log.appendAsLeader(batch(1, START_MS), 0);
      assertEquals(
          3, log.numberOfSegments(), "segment.ms exceeded since the segment's first batch");
      assertEquals(List.of(0L, 3L, 5L), log.segments().stream().map(s -> s.baseOffset).toList());
      assertEquals(5, log.recoveryPoint(), "roll fsyncs the old segment");
    }
  }

  @Test
  void rollWithEmptyActiveSegmentIsANoOp() throws IOException {
    try (Log log = Log.open(dir, LogConfig.defaults(), clock)) {
      log.roll();
      assertEquals(1, log.numberOfSegments());
      log.appendAsLeader(batch(2, START_MS), 0);
      log.roll();
      assertEquals(2, log.numberOfSegments());
      assertEquals(2, log.segments().get(1).baseOffset);
    }
  }

  @Test
  void rejectsInvalidAppendsWithoutWriting() throws IOException {
    try (Log log = Log.open(dir, config("max.message.bytes", 200), clock)) {
      log.appendAsLeader(batch(1, START_MS), 0);
      long size = log.sizeInBytes();

      MemoryRecords big = batch(Compression.NONE, 20, START_MS, "big");
      RecordTooLargeException tooLarge =
          assertThrows(
              RecordTooLargeException.class,
              () -> log.appendAsLeader(concat(batch(1, START_MS), big), 0));
      assertEquals(200, tooLarge.maxMessageBytes());

      MemoryRecords badCrc = batch(2, START_MS);
      int last = badCrc.sizeInBytes() - 1;
      badCrc.buffer().put(last, (byte) (badCrc.buffer().get(last) ^ 1));
      assertThrows(
          CorruptRecordException.class,
          () -> log.appendAsLeader(concat(batch(1, START_MS), badCrc), 0));

      MemoryRecords badMagic = batch(2, START_MS);
      badMagic.buffer().put(BatchHeader.MAGIC_OFFSET, (byte) 1);
      CorruptRecordException magic =
          assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(badMagic, 0));
      assertTrue(magic.getMessage().contains("magic"), magic.getMessage());

      MemoryRecords whole = batch(2, START_MS);
      ByteBuffer truncated = whole.buffer().duplicate();
      truncated.limit(truncated.limit() - 3);
      assertThrows(
          CorruptRecordException.class,
          () -> log.appendAsLeader(MemoryRecords.readableRecords(truncated.slice()), 0));
      ByteBuffer headerOnly = whole.buffer().duplicate();
      headerOnly.limit(30);
      assertThrows(
          CorruptRecordException.class,
          () -> log.appendAsLeader(MemoryRecords.readableRecords(headerOnly.slice()), 0));
      assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(MemoryRecords.EMPTY, 0));

      MemoryRecords badCount = batch(3, START_MS);
      badCount.buffer().putInt(BatchHeader.RECORDS_COUNT_OFFSET, 2);
      assertThrows(CorruptRecordException.class, () -> log.appendAsLeader(badCount, 0));

      assertEquals(1, log.logEndOffset());
      assertEquals(size, log.sizeInBytes());
      assertEquals(2, log.appendAsLeader(batch(1, START_MS), 0).lastOffset() + 1);
    }
  }

  @Test
  void followerAppendMustContinueAtLogEnd() throws IOException {
    try (Log leader = Log.open(dir.resolve("leader"), LogConfig.defaults(), clock);
        Log follower = Log.open(dir.resolve("follower"), LogConfig.defaults(), clock)) {
      leader.appendAsLeader(batch(3, START_MS), 1);
      leader.appendAsLeader(batch(2, START_MS), 4);
      LogReadResult fetched = leader.read(0, Integer.MAX_VALUE, Long.MAX_VALUE);
      LogAppendInfo info =
          follower.appendAsFollower(MemoryRecords.readableRecords(fetched.records()));
      assertEquals(0, info.firstOffset());
      assertEquals(4, info.lastOffset());
      assertEquals(5, follower.logEndOffset());
      assertEquals(4, follower.latestEpoch());
      assertEquals(new EpochEndOffset(1, 3), follower.endOffsetForEpoch(1));
      UnexpectedAppendOffsetException e =
          assertThrows(
              UnexpectedAppendOffsetException.class,
              () ->
                  follower.appendAsFollower(
                      MemoryRecords.readableRecords(leader.read(3, 1000, 5).records())));
      assertEquals(3, e.firstOffset());
      assertEquals(5, follower.logEndOffset());
    }
  }

  @Test
  void truncateToAndLeaderEpochsSurviveReopen() throws IOException {
    try (Log log = Log.open(dir, config("segment.bytes", 300), clock)) {
      log.appendAsLeader(batch(5, START_MS), 0); // 0..4
      log.appendAsLeader(batch(5, START_MS), 1); // 5..9
      log.appendAsLeader(batch(5, START_MS), 1); // 10..14
      log.appendAsLeader(batch(5, START_MS), 3); // 15..19
      log.appendAsLeader(batch(5, START_MS), 3); // 20..24
      assertEquals(3, log.latestEpoch());
      assertEquals(new EpochEndOffset(0, 5), log.endOffsetForEpoch(0));
      assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(1));
      assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(2), "KIP-279: the epoch below");
      assertEquals(new EpochEndOffset(3, 25), log.endOffsetForEpoch(3));
      assertEquals(new EpochEndOffset(3, 25), log.endOffsetForEpoch(4));
      assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(-1));
      log.updateHighWatermark(22);

      log.truncateTo(17); // drops the whole batch holding 17
      assertEquals(15, log.logEndOffset());
      assertEquals(15, log.highWatermark());
      assertEquals(1, log.latestEpoch());
      assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(1));
      assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(3));
      LogAppendInfo info = log.appendAsLeader(batch(2, START_MS), 5);
      assertEquals(15, info.firstOffset());
    }
    try (Log log = Log.open(dir, config("segment.bytes", 300), clock)) {
      assertEquals(17, log.logEndOffset());
      assertEquals(5, log.latestEpoch());
      assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(1));
      assertEquals(new EpochEndOffset(5, 17), log.endOffsetForEpoch(5));
      assertEquals(15, log.highWatermark());
      assertEquals(15, batches(log.read(15, 1000, Long.MAX_VALUE).records()).get(0).baseOffset());
      log.truncateTo(0);
      assertEquals(0, log.logEndOffset());
      assertEquals(-1, log.latestEpoch());
      assertEquals(1, log.numberOfSegments());
      assertEquals(0, log.appendAsLeader(batch(1, START_MS), 6).firstOffset());
    }
  }

  @Test
  void flushMessagesAdvancesTheRecoveryPointWhileDefaultsDoNot() throws IOException {
    try (Log log = Log.open(dir.resolve("defaults"), LogConfig.defaults(), clock)) {
      for (int i = 0; i < 10; i++) {
        log.appendAsLeader(batch(10, START_MS), 0);
      }
      assertEquals(0, log.recoveryPoint(), "defaults leave flushing to the OS");
      log.flushIfDue();
      assertEquals(0, log.recoveryPoint());
    }
    try (Log log = Log.open(dir.resolve("every3"), config("flush.messages", 3), clock)) {
      log.appendAsLeader(batch(2, START_MS), 0);
      assertEquals(0, log.recoveryPoint());
      log.appendAsLeader(batch(1, START_MS), 0);
      assertEquals(3, log.recoveryPoint());
    }
    try (Log log = Log.open(dir.resolve("timed"), config("flush.ms", 1000), clock)) {
      log.appendAsLeader(batch(2, START_MS), 0);
      log.flushIfDue();
      assertEquals(0, log.recoveryPoint());
      clock.advance(1000);
      log.flushIfDue();
      assertEquals(2, log.recoveryPoint());
    }
  }

  @Test
  void highWatermarkIsClampedAndCheckpointed() throws IOException {
    try (Log log = Log.open(dir, LogConfig.defaults(), clock)) {
      log.appendAsLeader(batch(10, START_MS), 0);
      log.updateHighWatermark(100);
      assertEquals(10, log.highWatermark());
      log.updateHighWatermark(7);
      assertEquals(7, log.read(0, 100, Long.MAX_VALUE).highWatermark());
    }
    try (Log log = Log.open(dir, LogConfig.defaults(), clock)) {
      assertEquals(7, log.highWatermark());
    }
  }

  @Test
  void closeAndDeleteRemovesTheDirectory() throws IOException {
    Path logDir = dir.resolve("gone");
    Log log = Log.open(logDir, LogConfig.defaults(), clock);
    log.appendAsLeader(batch(1, START_MS), 0);
    log.closeAndDelete();
    assertFalse(logDir.toFile().exists());
  }
}
