package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.batch;
import static io.skein.log.LogTestSupport.batches;
import static io.skein.log.LogTestSupport.concat;
import static io.skein.log.LogTestSupport.config;
import static io.skein.log.LogTestSupport.readRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A topic's compression.type: the producer's codec kept, or every batch stored with the topic's. */
class LogCompressionTypeTest {

  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);

  private List<RecordBatch> stored(Log log) throws Exception {
    return batches(log.read(log.logStartOffset(), Integer.MAX_VALUE, Long.MAX_VALUE).records());
  }

  @Test
  void batchesInAnotherCodecAreStoredWithTheTopicsRecordsAndOffsetsKept() throws Exception {
    try (Log log = Log.open(dir, config("compression.type", "zstd"), clock)) {
      LogAppendInfo first = log.appendAsLeader(concat(batch(Compression.NONE, 3, START_MS, "a"),
          batch(Compression.gzip().build(), 2, START_MS + 1, "b")), 4);
      LogAppendInfo second = log.appendAsLeader(batch(Compression.zstd().build(), 2, START_MS + 2, "c"), 4);

      assertEquals(0, first.firstOffset());
      assertEquals(4, first.lastOffset());
      assertEquals(5, second.firstOffset());
      List<RecordBatch> batches = stored(log);
      assertEquals(3, batches.size());
      for (RecordBatch batch : batches) {
        batch.ensureValid();
        assertEquals(CompressionType.ZSTD, batch.compressionType());
        assertEquals(4, batch.partitionLeaderEpoch());
      }
      assertEquals(List.of(0L, 3L, 5L), batches.stream().map(RecordBatch::baseOffset).toList());
      List<LogTestSupport.Stored> records = readRecords(log);
      assertEquals(List.of(
          new LogTestSupport.Stored(0, "k0", "v-a-0"), new LogTestSupport.Stored(1, "k1", "v-a-1"),
          new LogTestSupport.Stored(2, "k2", "v-a-2"), new LogTestSupport.Stored(3, "k0", "v-b-0"),
          new LogTestSupport.Stored(4, "k1", "v-b-1"), new LogTestSupport.Stored(5, "k0", "v-c-0"),
          new LogTestSupport.Stored(6, "k1", "v-c-1")), records);
      assertEquals(START_MS + 1, batches.get(1).maxTimestamp());
    }
  }

  @Test
  void uncompressedStoresCompressedBatchesPlainAndProducerKeepsEachCodec() throws Exception {
    try (Log log = Log.open(dir.resolve("plain"), config("compression.type", "uncompressed"), clock)) {
      log.appendAsLeader(batch(Compression.lz4().build(), 4, START_MS, "a"), 0);
      assertEquals(CompressionType.NONE, stored(log).get(0).compressionType());
      assertEquals(4, readRecords(log).size());
    }
    try (Log log = Log.open(dir.resolve("kept"), LogConfig.defaults(), clock)) {
      log.appendAsLeader(batch(Compression.lz4().build(), 4, START_MS, "a"), 0);
      log.appendAsLeader(batch(Compression.NONE, 1, START_MS, "b"), 0);
      assertEquals(List.of(CompressionType.LZ4, CompressionType.NONE),
          stored(log).stream().map(RecordBatch::compressionType).toList());
    }
  }

  @Test
  void anIdempotentProducersBatchKeepsItsIdentityAndARetryIsStillRecognised() throws Exception {
    SimpleRecord[] records = {
        new SimpleRecord(START_MS, "k".getBytes(StandardCharsets.UTF_8), "v1".getBytes(StandardCharsets.UTF_8)),
        new SimpleRecord(START_MS, "k".getBytes(StandardCharsets.UTF_8), "v2".getBytes(StandardCharsets.UTF_8))};
    try (Log log = Log.open(dir, config("compression.type", "gzip"), clock)) {
      LogAppendInfo appended = log.appendAsLeader(MemoryRecords.withIdempotentRecords(Compression.NONE, 77L,
          (short) 3, 10, records), 0);
      RecordBatch batch = stored(log).get(0);
      assertEquals(CompressionType.GZIP, batch.compressionType());
      assertEquals(77L, batch.producerId());
      assertEquals(3, batch.producerEpoch());
      assertEquals(10, batch.baseSequence());
      assertEquals(11, batch.lastSequence());

      LogAppendInfo retried = log.appendAsLeader(MemoryRecords.withIdempotentRecords(Compression.NONE, 77L,
          (short) 3, 10, records), 0);
      assertTrue(retried.duplicate(), "a retry of the stored batch is recognised");
      assertEquals(appended.firstOffset(), retried.firstOffset());
      assertEquals(2, log.logEndOffset());
    }
  }

  @Test
  void anUnknownCodecIsRefusedWithTheChoices() {
    InvalidConfigException refused = assertThrows(InvalidConfigException.class,
        () -> LogConfig.fromMap(Map.of("compression.type", "brotli"), LogConfig.defaults()));
    assertEquals("compression.type must be one of [producer, uncompressed, gzip, snappy, lz4, zstd], got 'brotli'",
        refused.getMessage());
    assertEquals("zstd", LogConfig.fromMap(Map.of("compression.type", "ZSTD"), LogConfig.defaults()).compressionType());
  }
}
