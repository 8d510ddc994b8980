package io.skein.multijvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.skein.log.Log;
import io.skein.log.LogConfig;
import io.skein.log.LogReadResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/**
 * Reads a partition's log straight from each replica's data directory (the brokers are
 * stopped) and checks it against what producers had acknowledged: every acknowledged record
 * at its offset, once, in order, on every replica; nothing an idempotent producer sent stored
 * twice and each producer's records in the order it sent them; and replicas byte for byte
 * identical up to the high watermark, batch after batch.
 */
final class ReplicaChecker {

  /**
   * One replica's records in offset order: offset, key and value (null for none), the writing
   * idempotent producer ("id/epoch", null for none) and the record's sequence; its batches as
   * stored; and the offset below which its cleaner has compacted it.
   */
  record ReplicaLog(Path dir, List<Long> offsets, List<String> keys, List<String> values, List<String> producers,
      List<Integer> sequences, List<StoredBatch> batches, long highWatermark, long cleanedOffset) {}

  record StoredBatch(long baseOffset, long lastOffset, byte[] bytes) {}

  private ReplicaChecker() {}

  static ReplicaLog read(Path partitionDir) throws Exception {
    List<Long> offsets = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    List<String> values = new ArrayList<>();
    List<String> producers = new ArrayList<>();
    List<Integer> sequences = new ArrayList<>();
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
            keys.add(text(record.key()));
            values.add(text(record.value()));
            producers.add(batch.hasProducerId() ? batch.producerId() + "/" + batch.producerEpoch() : null);
            sequences.add(record.sequence());
          }
        }
        offset = result.nextOffset();
      }
      return new ReplicaLog(partitionDir, offsets, keys, values, producers, sequences, batches, log.highWatermark(),
          log.cleanedOffset());
    }
  }

  private static String text(ByteBuffer bytes) {
    return bytes == null ? null : StandardCharsets.UTF_8.decode(bytes).toString();
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
      checkProducerSequences(replica);
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

  /**
   * Per idempotent producer (id and epoch: sequences start again at a new epoch), its records' sequences strictly increase along the log: so no
   * (producer, sequence) is stored twice (a retry the leader failed to recognise) and the
   * producer's records are in the order it sent them.
   */
  static void checkProducerSequences(ReplicaLog replica) {
    Map<String, Integer> lastSequence = new HashMap<>();
    Map<String, Long> lastOffset = new HashMap<>();
    for (int i = 0; i < replica.offsets().size(); i++) {
      String producer = replica.producers().get(i);
      if (producer == null) {
        continue;
      }
      int sequence = replica.sequences().get(i);
      long offset = replica.offsets().get(i);
      Integer previous = lastSequence.put(producer, sequence);
      if (previous != null && sequence <= previous) {
        fail((sequence == previous ? "stored twice: " : "out of send order: ") + "producer " + producer
            + " sequence " + sequence + " at offset " + offset + " after sequence " + previous + " at offset "
            + lastOffset.get(producer) + " in " + replica.dir());
      }
      lastOffset.put(producer, offset);
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
