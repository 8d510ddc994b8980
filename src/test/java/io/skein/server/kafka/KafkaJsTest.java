package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skein.broker.Caller;
import io.skein.server.TestBroker;
import io.skein.testing.Programs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KafkaJS (Node.js) produces keyed records, plain and gzip-compressed with headers, and reads
 * them back in a consumer group (src/test/js/kafkajs). Skipped only where {@code node} is not
 * installed; its packages are installed with {@code npm ci} when missing.
 */
class KafkaJsTest {

  private static final Path SCRIPT_DIR = Path.of("src", "test", "js", "kafkajs");
  private static final int PARTITIONS = 3;
  private static final int RECORDS = 40;

  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    Optional<Path> node = Programs.onPath("node");
    assumeTrue(node.isPresent(), "node is not installed: KafkaJsTest needs Node.js (Debian's nodejs and npm)");
    if (!Files.isDirectory(SCRIPT_DIR.resolve("node_modules").resolve("kafkajs"))) {
      Path npm = Programs.onPath("npm").orElseThrow(() -> new AssertionError("node is installed but npm is not"));
      Programs.run(Duration.ofMinutes(3), npm.toString(), "ci", "--no-audit", "--no-fund", "--prefix", SCRIPT_DIR.toString());
    }
    broker = TestBroker.start(Map.of());
    broker.node().broker().topics().createTopic(Caller.BROKER, "kafkajs", PARTITIONS, 1, Map.of(),
        false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void kafkaJsProducesKeyedRecordsAndConsumesThemInAGroup() throws Exception {
    String output = Programs.run(Duration.ofMinutes(2), Programs.onPath("node").orElseThrow().toString(),
        SCRIPT_DIR.resolve("produce-consume.js").toString(), broker.kafkaBootstrap(), "kafkajs", "kafkajs-group",
        Integer.toString(RECORDS));

    List<String[]> records = output.lines().map(line -> line.split(" ")).toList();
    assertEquals(RECORDS, records.size(), output);
    Set<Integer> indexes = records.stream().map(r -> Integer.parseInt(r[4])).collect(Collectors.toSet());
    assertEquals(RECORDS, indexes.size(), "each record read once: " + output);
    for (String[] record : records) {
      int index = Integer.parseInt(record[4]);
      assertEquals("key-" + index, record[2]);
      assertEquals("value-" + index, record[3]);
      // KafkaJS's default partitioner is the Java client's: murmur2 of the key bytes.
      int expected = Utils.toPositive(Utils.murmur2(record[2].getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
      assertEquals(expected, Integer.parseInt(record[0]), "partition of " + record[2]);
    }

    Map<Integer, Long> endOffsets = records.stream().collect(Collectors.groupingBy(r -> Integer.parseInt(r[0]),
        Collectors.summingLong(r -> 1L)));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap()))) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("kafkajs-group")
          .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      endOffsets.forEach((partition, end) ->
          assertEquals(end, committed.get(new TopicPartition("kafkajs", partition)).offset(), "committed " + partition));
    }
  }
}
