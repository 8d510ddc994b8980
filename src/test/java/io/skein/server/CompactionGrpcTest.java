package io.skein.server;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.AlterTopicConfigsRequest;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.DescribeTopicsRequest;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.PartitionDescription;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compaction end to end on one in-process broker: a table of user profiles, updated and deleted by
 * key over gRPC, reads back as its latest state once the cleaner has run.
 */
class CompactionGrpcTest {
  static TestBroker broker;
  static AdminServiceGrpc.AdminServiceBlockingStub admin;
  static ProducerServiceGrpc.ProducerServiceBlockingStub producer;
  static ConsumerServiceGrpc.ConsumerServiceBlockingStub consumer;

  @BeforeAll
  static void start() throws Exception {
    broker =
        TestBroker.start(
            Map.of(
                "skein.log.cleaner.backoff", "100ms",
                "skein.log.cleaner.dedupe-buffer-size", "4 MiB"));
    admin = AdminServiceGrpc.newBlockingStub(broker.channel());
    producer = ProducerServiceGrpc.newBlockingStub(broker.channel());
    consumer = ConsumerServiceGrpc.newBlockingStub(broker.channel());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static ByteString keyed(String key, String value) {
    return ByteString.copyFrom(
        MemoryRecords.withRecords(
                Compression.NONE,
                new SimpleRecord(
                    System.currentTimeMillis(),
                    key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value == null ? null : value.getBytes(StandardCharsets.UTF_8)))
            .buffer());
  }

  private static void produce(String topic, ByteString records) {
    producer.produce(
        ProduceRequest.newBuilder()
            .setTopic(topic)
            .setPartition(0)
            .setAcks(-1)
            .setRecords(records)
            .build());
  }

  /** Offset, key and value (null: a tombstone) of every record readable from offset 0. */
  private record Row(long offset, String key, String value) {}

  private static List<Row> readAll(String topic) {
    List<Row> rows = new ArrayList<>();
    long offset = 0;
    while (true) {
      FetchResponse response =
          consumer.fetch(
              FetchRequest.newBuilder()
                  .setTopic(topic)
                  .setPartition(0)
                  .setOffset(offset)
                  .setMaxWaitMs(0)
                  .build());
      if (response.getRecords().isEmpty()) {
        return rows;
      }
      MemoryRecords records =
          MemoryRecords.readableRecords(ByteBuffer.wrap(response.getRecords().toByteArray()));
      for (RecordBatch batch : records.batches()) {
        batch.ensureValid();
        for (Record record : batch) {
          if (record.offset() >= offset) {
            rows.add(new Row(record.offset(), text(record.key()), text(record.value())));
          }
        }
        offset = batch.nextOffset();
      }
    }
  }

  private static String text(ByteBuffer bytes) {
    return bytes == null ? null : StandardCharsets.UTF_8.decode(bytes).toString();
  }

  private static Map<String, String> latest(List<Row> rows) {
    Map<String, String> latest = new HashMap<>();
    rows.forEach(row -> latest.put(row.key(), row.value()));
    return latest;
  }

  @Test
  void anAlteredTopicOfProfilesIsCompactedToTheLatestProfileOfEveryUser() {
    admin.createTopic(
        CreateTopicRequest.newBuilder()
            .setName("profiles")
            .setPartitions(1)
            .setReplicationFactor(1)
            .putConfigs("segment.bytes", "1024")
            .putConfigs("delete.retention.ms", "0")
            .build());
    Map<String, String> expected = new HashMap<>();
    int produced = 0;
    for (int round = 0; round < 15; round++) {
      for (int user = 0; user < 8; user++) {
        String value = "{\"user\":" + user + ",\"version\":" + round + "}";
        produce("profiles", keyed("user-" + user, value));
        expected.put("user-" + user, value);
        produced++;
      }
    }
    produce("profiles", keyed("user-3", null));
    produce("profiles", keyed("user-5", null));
    expected.remove("user-3");
    expected.remove("user-5");
    produced += 2;
    assertEquals(produced, readAll("profiles").size(), "cleanup.policy=delete keeps everything");

    // Keys are required only once the topic is compacted.
    produce("profiles", keyed(null, "keyless"));
    produced++;
    admin.alterTopicConfigs(
        AlterTopicConfigsRequest.newBuilder()
            .setName("profiles")
            .putSet("cleanup.policy", "compact")
            .putSet("min.cleanable.dirty.ratio", "0.01")
            .build());
    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, () -> produce("profiles", keyed(null, "x")));
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.toString());
    assertEquals(ErrorCode.CORRUPT_MESSAGE, ApiErrors.errorCode(refused));

    // Overwrites roll more segments, so that what was deleted becomes cleanable and, with
    // delete.retention.ms=0, its tombstones go at the clean after the one that first saw them.
    int total = produced;
    assertEventually(
        "the profiles are compacted to one record per live user",
        Duration.ofSeconds(60),
        () -> {
          produce("profiles", keyed("user-0", expected.get("user-0")));
          List<Row> rows = readAll("profiles");
          Map<String, String> latest = latest(rows);
          long olderThanActive = rows.stream().filter(r -> r.offset() < total).count();
          return olderThanActive <= expected.size() && !latest.containsKey("user-3");
        },
        () -> "read " + readAll("profiles"));
    List<Row> rows = readAll("profiles");
    Map<String, String> latest = latest(rows);
    latest.keySet().retainAll(expected.keySet());
    assertEquals(expected, latest, "every live user's latest profile is there");
    assertTrue(rows.get(0).offset() > 0, "offset 0 was compacted away; a read there moves on");
    long previous = -1;
    for (Row row : rows) {
      assertTrue(row.offset() > previous, "offsets only increase");
      previous = row.offset();
    }

    PartitionDescription described =
        admin
            .describeTopics(DescribeTopicsRequest.newBuilder().addNames("profiles").build())
            .getTopics(0)
            .getPartitions(0);
    assertTrue(described.getCleanOffset() >= total, "clean up to " + described.getCleanOffset());
    assertTrue(
        described.getDirtyRatio() >= 0 && described.getDirtyRatio() <= 1,
        "dirty ratio " + described.getDirtyRatio());
  }
}
