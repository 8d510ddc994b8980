package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.testing.FreePorts;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of a broker under an acks=1 load, plus a torn write at the end of a segment: after
 * the restart every acknowledged record is there at its offset, the torn tail is truncated
 * (and the broker says so), and the log accepts appends again.
 */
class CrashRecoveryIT {

  static final String TOPIC = "crash";
  static final int PARTITIONS = 3;
  static final int RECORDS_PER_BATCH = 10;

  @Test
  void acknowledgedRecordsSurviveKillNineAndATornTail() throws Exception {
    Path dataDir = Files.createTempDirectory("skein-crash-");
    String host = "127.0.0.1";
    try (BrokerProcess broker = new BrokerProcess(dataDir, host, FreePorts.on(host))) {
      broker.start(Duration.ofSeconds(90));
      Map<Integer, Map<Long, String>> ackedByPartition = new ConcurrentHashMap<>();
      ManagedChannel channel = broker.channel();
      AdminServiceGrpc.newBlockingStub(channel).createTopic(CreateTopicRequest.newBuilder()
          .setName(TOPIC).setPartitions(PARTITIONS).setReplicationFactor(1).build());

      AtomicBoolean stop = new AtomicBoolean();
      Thread producer = new Thread(() -> produceUntilFailure(channel, ackedByPartition, stop), "producer");
      producer.start();
      // Let a real load build up, then crash the broker in the middle of it.
      assertEventually("2000 records acknowledged", Duration.ofSeconds(60),
          () -> ackedByPartition.values().stream().mapToInt(Map::size).sum() >= 2_000);
      broker.kill();
      stop.set(true);
      producer.join(TimeUnit.SECONDS.toMillis(60));
      channel.shutdownNow();
      int ackedCount = ackedByPartition.values().stream().mapToInt(Map::size).sum();

      // A torn write: half of a valid batch at the end of partition 0's active segment.
      Path segment = activeSegment(dataDir.resolve("logs").resolve(TOPIC + "-0"));
      long sizeBefore = Files.size(segment);
      ByteBuffer batch = MemoryRecords.withRecords(Compression.NONE,
          new SimpleRecord("torn".getBytes(StandardCharsets.UTF_8))).buffer();
      byte[] half = new byte[batch.remaining() / 2];
      batch.get(half);
      Files.write(segment, half, StandardOpenOption.APPEND);

      broker.start(Duration.ofSeconds(90));
      assertTrue(broker.output().toLowerCase().contains("truncat"),
          "recovery logs what it truncated; see " + broker.logFile);
      ManagedChannel again = broker.channel();
      try {
        int found = 0;
        for (int p = 0; p < PARTITIONS; p++) {
          Map<Long, String> log = readAll(again, p);
          for (Map.Entry<Long, String> record : ackedByPartition.getOrDefault(p, Map.of()).entrySet()) {
            assertEquals(record.getValue(), log.get(record.getKey()),
                "acknowledged record at partition " + p + " offset " + record.getKey());
            found++;
          }
          long expected = 0;
          for (long offset : log.keySet()) {
            assertEquals(expected++, offset, "offsets are contiguous in partition " + p);
          }
        }
        assertEquals(ackedCount, found);
        assertEquals(sizeBefore, Files.size(segment), "the torn tail was cut off");
        // The recovered log takes appends after its last whole batch.
        ProduceResponse after = ProducerServiceGrpc.newBlockingStub(again).produce(ProduceRequest.newBuilder()
            .setTopic(TOPIC).setPartition(0).setAcks(1).setRecords(batch("after-restart")).build());
        assertEquals(readAll(again, 0).size() - 1, after.getBaseOffset());
        System.out.printf("CrashRecoveryIT: %d acknowledged records all present after kill -9 and a torn tail%n",
            ackedCount);
      } finally {
        again.shutdownNow();
      }
    }
  }

  private static void produceUntilFailure(
      ManagedChannel channel, Map<Integer, Map<Long, String>> acked, AtomicBoolean stop) {
    var producer = ProducerServiceGrpc.newBlockingStub(channel);
    for (long sequence = 0; !stop.get(); sequence++) {
      int partition = (int) (sequence % PARTITIONS);
      String[] values = new String[RECORDS_PER_BATCH];
      for (int i = 0; i < RECORDS_PER_BATCH; i++) {
        values[i] = "v-" + sequence + "-" + i;
      }
      try {
        ProduceResponse response = producer.withDeadlineAfter(10, TimeUnit.SECONDS).produce(ProduceRequest.newBuilder()
            .setTopic(TOPIC).setPartition(partition).setAcks(1).setRecords(batch(values)).build());
        Map<Long, String> partitionAcks = acked.computeIfAbsent(partition, p -> new ConcurrentHashMap<>());
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
          partitionAcks.put(response.getBaseOffset() + i, values[i]);
        }
      } catch (StatusRuntimeException brokerGone) {
        return;
      }
    }
  }

  private static ByteString batch(String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
    }
    return ByteString.copyFrom(MemoryRecords.withRecords(Compression.NONE, records).buffer());
  }

  private static Path activeSegment(Path partitionDir) throws Exception {
    try (Stream<Path> files = Files.list(partitionDir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  /** Every record of a partition, offset to value, reading to the high watermark. */
  private static Map<Long, String> readAll(ManagedChannel channel, int partition) {
    var consumer = ConsumerServiceGrpc.newBlockingStub(channel);
    Map<Long, String> values = new TreeMap<>();
    long offset = 0;
    while (true) {
      FetchResponse response = consumer.fetch(FetchRequest.newBuilder().setTopic(TOPIC).setPartition(partition)
          .setOffset(offset).setMaxBytes(1 << 20).build());
      if (response.getRecords().isEmpty()) {
        return values;
      }
      for (RecordBatch batch : MemoryRecords.readableRecords(response.getRecords().asReadOnlyByteBuffer()).batches()) {
        batch.ensureValid();
        for (Record record : batch) {
          if (record.offset() >= offset) {
            values.put(record.offset(), StandardCharsets.UTF_8.decode(record.value()).toString());
          }
        }
        offset = batch.lastOffset() + 1;
      }
    }
  }
}
