package io.skein.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.Log;
import io.skein.log.LogConfig;
import io.skein.log.LogReadResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Reads a partition's log straight from each replica's data directory (the brokers are
 * stopped) and checks it against what producers had acknowledged: every acknowledged record
 * at its offset, once, in order, on every replica; and replicas identical up to the high
 * watermark.
 */
final class ReplicaChecker {

  /** One replica's records: value by offset, in offset order. */
  record ReplicaLog(Path dir, List<Long> offsets, List<String> values, long highWatermark) {}

  private ReplicaChecker() {}

  static ReplicaLog read(Path partitionDir) throws Exception {
    List<Long> offsets = new ArrayList<>();
    List<String> values = new ArrayList<>();
    try (Log log = Log.open(partitionDir, LogConfig.defaults(), Clock.systemUTC())) {
      long offset = log.logStartOffset();
      while (offset < log.logEndOffset()) {
        LogReadResult result = log.read(offset, 1 << 20, log.logEndOffset());
        for (RecordBatch batch : MemoryRecords.readableRecords(result.records()).batches()) {
          batch.ensureValid();
          for (Record record : batch) {
            offsets.add(record.offset());
            values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
          }
        }
        offset = result.nextOffset();
      }
      return new ReplicaLog(partitionDir, offsets, values, log.highWatermark());
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
    }
  }
}
