package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.FakeBroker;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SkeinCliTest {

  private static final String BOOTSTRAP = "localhost:9092";

  private FakeBroker broker;
  private String out;
  private String err;

  @BeforeEach
  void startBroker() throws Exception {
    broker = new FakeBroker();
  }

  @AfterEach
  void stopBroker() {
    broker.close();
  }

  private int runWithInput(String stdin, String... args) {
    CliRun run = CliRun.of(broker.channelFactory(), stdin, args);
    out = run.out();
    err = run.err();
    return run.exitCode();
  }

  private int run(String... args) {
    return runWithInput("", args);
  }

  private void assertUsageError(String expectedMessage, String... args) {
    assertEquals(2, run(args), "exit code of " + String.join(" ", args) + "; stderr: " + err);
    assertTrue(err.startsWith("Error: "), err);
    assertTrue(err.contains(expectedMessage), "stderr should mention '" + expectedMessage + "': " + err);
    assertFalse(err.contains("\tat "), "no stack trace for a usage error: " + err);
  }

  @Test
  void usageErrorsExitWithTwoAndAClearMessage() {
    assertUsageError("Missing required subcommand");
    assertUsageError("Unknown option: '--bogus'", "topics", "--bootstrap-server", BOOTSTRAP, "--list", "--bogus");
    assertUsageError("expected host:port", "topics", "--bootstrap-server", "localhost", "--list");
    assertUsageError("port is not a number", "topics", "--bootstrap-server", "localhost:http", "--list");
    assertUsageError("--bootstrap-server", "topics", "--list");
    assertUsageError("--create", "topics", "--bootstrap-server", BOOTSTRAP);
    assertUsageError("mutually exclusive", "topics", "--bootstrap-server", BOOTSTRAP, "--list", "--delete");
    assertUsageError("--topic is required", "topics", "--bootstrap-server", BOOTSTRAP, "--create", "--partitions", "3");
    assertUsageError("--offset needs --partition", "consume", "--bootstrap-server", BOOTSTRAP, "--topic", "t", "--offset", "3");
    assertUsageError("--offset must be", "consume", "--bootstrap-server", BOOTSTRAP, "--topic", "t", "--partition", "0", "--offset", "soon");
    assertUsageError("--throughput", "perf", "produce", "--bootstrap-server", BOOTSTRAP, "--topic", "t",
        "--num-records", "10", "--record-size", "10", "--throughput", "0");
    assertUsageError("--warmup-records must be", "perf", "produce", "--bootstrap-server", BOOTSTRAP, "--topic", "t",
        "--num-records", "10", "--record-size", "10", "--throughput", "-1", "--warmup-records", "10");
    assertUsageError("Missing required subcommand", "perf");
  }

  @Test
  void brokerErrorsExitWithOneAndOneLine() {
    assertEquals(1, run("topics", "--bootstrap-server", BOOTSTRAP, "--delete", "--topic", "missing"));
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("UNKNOWN_TOPIC_OR_PARTITION"), err);
    assertEquals(1, run("topics", "--bootstrap-server", BOOTSTRAP, "--describe", "--topic", "missing"));
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("UNKNOWN_TOPIC_OR_PARTITION"), err);
  }

  @Test
  void topicsCreateListDescribeAlterDelete() {
    assertEquals(0, run("topics", "--bootstrap-server", BOOTSTRAP, "--create", "--topic", "orders",
        "--partitions", "2", "--config", "retention.ms=1000"), err);
    assertEquals("Created topic orders.\n", out);
    assertEquals(0, run("topics", "--bootstrap-server", BOOTSTRAP, "--list"));
    assertEquals("orders\n", out);
    assertEquals(0, run("topics", "--bootstrap-server", BOOTSTRAP, "--alter", "--topic", "orders",
        "--config", "cleanup.policy=compact", "--delete-config", "retention.ms"), err);
    assertEquals(0, run("topics", "--bootstrap-server", BOOTSTRAP, "--describe", "--topic", "orders"));
    List<String> lines = out.lines().toList();
    assertEquals(3, lines.size(), out);
    assertTrue(lines.get(0).matches("Topic: orders\tTopicId: \\S+\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: cleanup.policy=compact"), lines.get(0));
    assertEquals("\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tLogStartOffset: 0\tHighWatermark: 0\tSize: 0\tCleanOffset: 0\tDirtyRatio: 0.00", lines.get(2));
    assertEquals(0, run("topics", "--bootstrap-server", BOOTSTRAP, "--delete", "--topic", "orders"));
    assertEquals(0, run("topics", "--bootstrap-server", BOOTSTRAP, "--list"));
    assertEquals("", out);
  }

  @Test
  void topicsAlterPartitionsGrowsTheTopic() {
    broker.createTopic("orders", 2);
    assertEquals(0, run("topics", "--bootstrap-server", BOOTSTRAP, "--alter", "--topic", "orders",
        "--partitions", "5"), err);
    assertEquals("Topic orders now has 5 partitions.\n", out);
    assertEquals(0, run("topics", "--bootstrap-server", BOOTSTRAP, "--describe", "--topic", "orders"));
    assertTrue(out.lines().findFirst().orElseThrow().contains("PartitionCount: 5"), out);
  }

  @Test
  void topicsAlterPartitionsToFewerIsABrokerErrorAndReplicationFactorAUsageError() {
    broker.createTopic("orders", 3);
    assertEquals(1, run("topics", "--bootstrap-server", BOOTSTRAP, "--alter", "--topic", "orders",
        "--partitions", "2"));
    assertTrue(err.contains("INVALID_PARTITIONS"), err);
    assertUsageError("changing the replication factor is not supported", "topics", "--bootstrap-server", BOOTSTRAP,
        "--alter", "--topic", "orders", "--replication-factor", "2");
    assertUsageError("--alter needs --partitions, --config or --delete-config", "topics", "--bootstrap-server",
        BOOTSTRAP, "--alter", "--topic", "orders");
  }

  @Test
  void produceParsesKeysAndValuesFromLines() {
    broker.createTopic("t", 4);
    int exitCode = runWithInput("k1:v1\nk2:value:with:colons\nk1:v3\n", "produce", "--bootstrap-server", BOOTSTRAP,
        "--topic", "t", "--property", "parse.key=true", "--property", "key.separator=:");
    assertEquals(0, exitCode, err);
    int p1 = Utils.toPositive(Utils.murmur2("k1".getBytes(StandardCharsets.UTF_8))) % 4;
    int p2 = Utils.toPositive(Utils.murmur2("k2".getBytes(StandardCharsets.UTF_8))) % 4;
    List<Record> k1Records = broker.records("t", p1).stream().filter(r -> text(r.key()).equals("k1")).toList();
    assertEquals(List.of("v1", "v3"), k1Records.stream().map(r -> text(r.value())).toList());
    assertTrue(broker.records("t", p2).stream().anyMatch(r -> text(r.value()).equals("value:with:colons")));
  }

  @Test
  void produceSendsTheNullMarkerAsATombstone() {
    broker.createTopic("t", 1);
    int exitCode = runWithInput("alice:v1\nalice:NULL\n", "produce", "--bootstrap-server", BOOTSTRAP,
        "--topic", "t", "--property", "parse.key=true", "--property", "key.separator=:",
        "--property", "null.marker=NULL");
    assertEquals(0, exitCode, err);
    List<Record> records = broker.records("t", 0);
    assertEquals(2, records.size());
    assertEquals("v1", text(records.get(0).value()));
    assertFalse(records.get(1).hasValue(), "a null value");
  }

  @Test
  void produceReportsFailedLinesAndExitsWithOne() {
    broker.createTopic("t", 1);
    int exitCode = runWithInput("no separator here\nk:v\n", "produce", "--bootstrap-server", BOOTSTRAP,
        "--topic", "t", "--property", "parse.key=true", "--property", "key.separator=:");
    assertEquals(1, exitCode);
    assertTrue(err.contains("line 1 has no key separator"), err);
    assertTrue(err.contains("1 of 2 records were not sent"), err);
    assertEquals(1, broker.records("t", 0).size());

    assertEquals(1, runWithInput("a\nb\n", "produce", "--bootstrap-server", BOOTSTRAP, "--topic", "missing"));
    assertTrue(err.contains("UNKNOWN_TOPIC_OR_PARTITION"), err);
  }

  @Test
  void consumePrintsRecordsLikeTheKafkaConsole() {
    broker.createTopic("t", 1);
    assertEquals(0, runWithInput("a\tone\nb\ttwo\n", "produce", "--bootstrap-server", BOOTSTRAP, "--topic", "t",
        "--property", "parse.key=true"), err);
    assertEquals(0, run("consume", "--bootstrap-server", BOOTSTRAP, "--topic", "t", "--from-beginning",
        "--max-messages", "2", "--property", "print.key=true", "--property", "print.offset=true",
        "--property", "print.partition=true", "--property", "key.separator=|"), err);
    assertEquals("Partition:0|Offset:0|a|one\nPartition:0|Offset:1|b|two\n", out);
    assertTrue(err.contains("Processed a total of 2 messages"), err);

    assertEquals(0, run("consume", "--bootstrap-server", BOOTSTRAP, "--topic", "t", "--partition", "0",
        "--offset", "1", "--timeout-ms", "300"), err);
    assertEquals("two\n", out);
  }

  @Test
  void perfProduceThenConsume() {
    broker.createTopic("perf", 3);
    assertEquals(0, run("perf", "produce", "--bootstrap-server", BOOTSTRAP, "--topic", "perf",
        "--num-records", "500", "--record-size", "100", "--throughput", "-1", "--key-size", "8"), err);
    assertTrue(out.matches("(?s)500 records sent, .* records/sec \\(.* MB/sec\\), .* ms avg latency, .* ms max latency, .* ms 50th, .* ms 95th, .* ms 99th, .* ms 99.9th.\\n"), out);
    assertEquals(500, storedRecords("perf", 3));

    assertEquals(0, run("perf", "consume", "--bootstrap-server", BOOTSTRAP, "--topic", "perf", "--messages", "500"), err);
    assertTrue(out.startsWith("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec\n"), out);
    assertTrue(out.contains(", 500, "), out);
  }

  @Test
  void perfProduceReportsTheSteadyStateAfterTheWarmUpRecords() {
    broker.createTopic("perf-warm", 2);
    assertEquals(0, run("perf", "produce", "--bootstrap-server", BOOTSTRAP, "--topic", "perf-warm",
        "--num-records", "300", "--record-size", "50", "--throughput", "-1", "--warmup-records", "100"), err);
    assertTrue(out.startsWith("Warmup first 100 records."), out);
    assertTrue(out.matches("(?s).*\\n300 records sent, .* ms 99.9th.\\n200 steady state records sent, .* ms 99.9th.\\n"), out);
    assertEquals(300, storedRecords("perf-warm", 2));
  }

  /** Records the fake broker holds in all partitions of {@code topic}. */
  private int storedRecords(String topic, int partitions) {
    int stored = 0;
    for (int p = 0; p < partitions; p++) {
      stored += broker.records(topic, p).size();
    }
    return stored;
  }

  private static String text(java.nio.ByteBuffer buffer) {
    return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
  }
}
