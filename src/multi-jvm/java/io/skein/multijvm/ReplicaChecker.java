package io.skein.multijvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.Log;
import io.skein.log.LogConfig;
import io.skein.log.LogReadResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/**
 * Reads a partition's log straight from each replica's data directory (the brokers are
 * stopped) and checks it against what producers had acknowledged: every acknowledged record
 * at its offset, once, in order, on every replica; and replicas byte for byte identical up to
 * the high watermark, batch after batch.
 */
final class ReplicaChecker {

  /** One replica's records (value by offset, in offset order) and its batches as stored. */
  record ReplicaLog(Path dir, List<Long> offsets, List<String> values, List<StoredBatch> batches, long highWatermark) {}

  record StoredBatch(long baseOffset, long lastOffset, byte[] bytes) {}

  private ReplicaChecker() {}

  static ReplicaLog read(Path partitionDir) throws Exception {
    List<Long> offsets = new ArrayList<>();
    List<String> values = new ArrayList<>();
    List<StoredBatch> batches = new ArrayList<>();
    try (Log log = Log.open(partitionDir, LogConfig.defaults(), Clock.systemUTC())) {
      long offset = log.logStartOffset();
      while (offset < log.logEndOffset()) {
        LogReadResult result = log.read(offset, 1 << 20, log.logEndOffset());
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(result.records()).batches()) {
          batch.ensureValid();
          ByteBuffer bytes = ByteBuffer.allocate(batch.sizeInBytes());
          batch.writeTo(bytes);
          batches.add(new StoredBatch(batch.baseOffset(), batch.lastOffset(), bytes.array()));
          for (Record record : batch) {
            offsets.add(record.offset());
            values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
          }
        }
        offset = result.nextOffset();
      }
      return new ReplicaLog(partitionDir, offsets, values, batches, log.highWatermark());
    }
  }

  static void check(Map<Long, String> acknowledged, List<ReplicaLog> replicas) {
    long minHighWatermark = Long.MAX_VALUE;
    for (ReplicaLog replica : replicas) {
      for (int i = 1; i < replica.offsets().size(); i++) {
        assertEquals(replica.offsets().get(i - 1) + 1, replica.offsets().get(i),
            "offsets are contiguous, once each, in order in " + replica.dir());
      }
      long first = replica.offsets().isEmpty() ? 0 : replica.offsets().get(0);
      for (Map.Entry<Long, String> ack : acknowledged.entrySet()) {
        int index = (int) (ack.getKey() - first);
        assertTrue(index >= 0 && index < replica.values().size(),
            "acknowledged offset " + ack.getKey() + " is missing from " + replica.dir());
        assertEquals(ack.getValue(), replica.values().get(index),
            "acknowledged record at offset " + ack.getKey() + " in " + replica.dir());
      }
      minHighWatermark = Math.min(minHighWatermark, replica.highWatermark());
    }
    ReplicaLog reference = replicas.get(0);
    for (ReplicaLog replica : replicas) {
      for (int i = 0; i < replica.offsets().size() && replica.offsets().get(i) < minHighWatermark; i++) {
        assertEquals(reference.values().get(i), replica.values().get(i),
            "replicas agree below the high watermark at offset " + replica.offsets().get(i));
      }
      for (int i = 0; i < reference.batches().size() && reference.batches().get(i).baseOffset() < minHighWatermark;
          i++) {
        StoredBatch expected = reference.batches().get(i);
        assertTrue(i < replica.batches().size(), "batch at " + expected.baseOffset() + " in " + replica.dir());
        StoredBatch actual = replica.batches().get(i);
        assertEquals(expected.baseOffset(), actual.baseOffset(), "batch " + i + " starts alike in " + replica.dir());
        assertArrayEquals(expected.bytes(), actual.bytes(), "batch at offset " + expected.baseOffset() + " of "
            + reference.dir() + " and " + replica.dir() + " are the same bytes, below the high watermark "
            + minHighWatermark);
      }
    }
  }

  /** Every offset a consumer read holds, on every replica, the value it read there. */
  static void checkRead(Map<Long, String> read, List<ReplicaLog> replicas) {
    for (ReplicaLog replica : replicas) {
      long first = replica.offsets().isEmpty() ? 0 : replica.offsets().get(0);
      for (Map.Entry<Long, String> seen : read.entrySet()) {
        int index = (int) (seen.getKey() - first);
        assertTrue(index >= 0 && index < replica.values().size(),
            "offset " + seen.getKey() + ", read by a consumer, is missing from " + replica.dir());
        assertEquals(seen.getValue(), replica.values().get(index),
            "offset " + seen.getKey() + " holds what a consumer read there, in " + replica.dir());
      }
    }
  }
}
