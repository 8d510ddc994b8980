package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.Admin;
import io.skein.client.ChannelFactory;
import io.skein.client.Consumer;
import io.skein.client.OffsetAndMetadata;
import io.skein.client.Producer;
import io.skein.client.ProducerRecord;
import io.skein.client.TopicPartition;
import io.skein.server.TestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code skein groups} and {@code skein consume --group} against an in-process broker. */
class GroupsCommandTest {

  static TestBroker broker;
  private String out;
  private String err;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of("skein.group.min-session-timeout", "200ms", "skein.group.check-interval", "100ms",
        "skein.group.metadata-refresh", "300ms"));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private int run(String... args) {
    CliRun run = CliRun.of(ChannelFactory.plaintext(), "", args);
    out = run.out();
    err = run.err();
    return run.exitCode();
  }

  private static void produce(String topic, int partition, int count) {
    try (Producer<String, String> producer = new Producer<>(Map.of("bootstrap.servers", broker.bootstrap()),
        new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(topic, partition, null, null, "v" + i, List.of()));
      }
      producer.flush();
    }
  }

  /** The describe row of one partition, split into its columns. */
  private String[] partitionRow(String topic, int partition) {
    return out.lines().filter(l -> l.startsWith(topic + " ")).map(l -> l.trim().split("\\s+"))
        .filter(c -> c[1].equals(Integer.toString(partition))).findFirst()
        .orElseThrow(() -> new AssertionError("no row for " + topic + "-" + partition + " in\n" + out));
  }

  @Test
  void describeShowsLagAsProducedMinusConsumedAndMembers() {
    try (Admin admin = Admin.create(broker.bootstrap())) {
      admin.createTopic("lagged", 2, 1, Map.of());
    }
    produce("lagged", 0, 10);
    produce("lagged", 1, 6);
    try (Consumer<String, String> consumer = new Consumer<>(Map.of("bootstrap.servers", broker.bootstrap(),
        "group.id", "laggers", "client.id", "lag-client", "auto.offset.reset", "earliest",
        "enable.auto.commit", "false", "session.timeout.ms", 2000, "heartbeat.interval.ms", 300),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of("lagged"));
      long deadline = System.currentTimeMillis() + 20_000;
      while (consumer.assignment().size() < 2 && System.currentTimeMillis() < deadline) {
        consumer.poll(Duration.ofMillis(100));
      }
      consumer.commitSync(Map.of(new TopicPartition("lagged", 0), new OffsetAndMetadata(4),
          new TopicPartition("lagged", 1), new OffsetAndMetadata(2)));
      String memberId = consumer.groupMetadata().memberId();

      assertEquals(0, run("groups", "--bootstrap-server", broker.bootstrap(), "--describe", "--group", "laggers"), err);
      List<String> lines = out.lines().toList();
      assertTrue(lines.get(0).matches("GROUP\\s+STATE\\s+ASSIGNOR\\s+GENERATION\\s+MEMBERS"), out);
      assertTrue(lines.get(1).matches("laggers\\s+Stable\\s+cooperative-sticky\\s+\\d+\\s+1"), out);
      assertTrue(out.contains("MEMBER-ID"), out);
      assertTrue(out.lines().anyMatch(l -> l.matches(memberId + "\\s+lag-client\\s+127\\.0\\.0\\.1:\\d+\\s+lagged\\(0,1\\)\\s+-")), out);
      assertTrue(out.lines().anyMatch(l -> l.matches(
          "TOPIC\\s+PARTITION\\s+CURRENT-OFFSET\\s+LOG-END-OFFSET\\s+LAG\\s+LAG-MS\\s+CONSUMER-ID\\s+HOST\\s+CLIENT-ID")), out);
      String[] p0 = partitionRow("lagged", 0);
      assertEquals(List.of("4", "10", "6"), List.of(p0[2], p0[3], p0[4]), String.join(" ", p0));
      assertEquals(memberId, p0[6]);
      assertEquals("lag-client", p0[8]);
      String[] p1 = partitionRow("lagged", 1);
      assertEquals(List.of("2", "6", "4"), List.of(p1[2], p1[3], p1[4]), String.join(" ", p1));

      assertEquals(0, run("groups", "--bootstrap-server", broker.bootstrap(), "--list"), err);
      assertTrue(out.lines().anyMatch("laggers"::equals), out);

      // Offsets cannot move under an active member.
      assertEquals(1, run("groups", "--bootstrap-server", broker.bootstrap(), "--reset-offsets", "--group", "laggers",
          "--to-earliest", "--execute"));
      assertEquals(1, err.lines().count(), err);
      assertTrue(err.startsWith("Error: NON_EMPTY_GROUP"), err);
    }
  }

  @Test
  void consumeAsAGroupCommitsWhatItPrintsAndResetMovesTheOffsets() {
    try (Admin admin = Admin.create(broker.bootstrap())) {
      admin.createTopic("printed", 1, 1, Map.of());
    }
    produce("printed", 0, 10);
    assertEquals(0, run("consume", "--bootstrap-server", broker.bootstrap(), "--topic", "printed", "--group", "printers",
        "--from-beginning", "--max-messages", "7"), err);
    assertEquals("v0\nv1\nv2\nv3\nv4\nv5\nv6\n", out);
    assertEquals(0, run("groups", "--bootstrap-server", broker.bootstrap(), "--describe", "--group", "printers"), err);
    assertTrue(out.lines().toList().get(1).matches("printers\\s+Empty\\s+-\\s+\\d+\\s+0"), out);
    String[] row = partitionRow("printed", 0);
    assertEquals(List.of("7", "10", "3"), List.of(row[2], row[3], row[4]), String.join(" ", row));

    // The group resumes where it stopped, and exits after --timeout-ms without a record.
    assertEquals(0, run("consume", "--bootstrap-server", broker.bootstrap(), "--topic", "printed", "--group", "printers",
        "--timeout-ms", "1500"), err);
    assertEquals("v7\nv8\nv9\n", out);

    assertEquals(0, run("groups", "--bootstrap-server", broker.bootstrap(), "--reset-offsets", "--group", "printers",
        "--to-offset", "2"), err);
    assertTrue(out.lines().anyMatch(l -> l.matches("printed\\s+0\\s+10\\s+2")), out);
    assertTrue(err.contains("Dry run"), err);
    try (Admin admin = Admin.create(broker.bootstrap())) {
      assertEquals(10, admin.listGroupOffsets("printers").get(new TopicPartition("printed", 0)).offset());
      assertEquals(0, run("groups", "--bootstrap-server", broker.bootstrap(), "--reset-offsets", "--group", "printers",
          "--to-earliest", "--topic", "printed", "--execute"), err);
      assertEquals(Set.of(new TopicPartition("printed", 0)), admin.listGroupOffsets("printers").keySet());
      assertEquals(0, admin.listGroupOffsets("printers").get(new TopicPartition("printed", 0)).offset());
    }
    assertEquals(0, run("groups", "--bootstrap-server", broker.bootstrap(), "--delete", "--group", "printers"), err);
    assertEquals(1, run("groups", "--bootstrap-server", broker.bootstrap(), "--describe", "--group", "printers"));
    assertTrue(err.startsWith("Error: GROUP_ID_NOT_FOUND"), err);
  }

  @Test
  void misuseGetsClearErrors() {
    assertEquals(1, run("groups", "--bootstrap-server", broker.bootstrap(), "--describe", "--group", "no-such-group"));
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("GROUP_ID_NOT_FOUND") && err.contains("no-such-group"), err);
    assertEquals(1, run("groups", "--bootstrap-server", broker.bootstrap(), "--reset-offsets", "--group",
        "no-such-group", "--to-latest"));
    assertTrue(err.contains("GROUP_ID_NOT_FOUND"), err);
    assertEquals(1, run("consume", "--bootstrap-server", broker.bootstrap(), "--topic", "t", "--group", ""));
    assertTrue(err.startsWith("Error: INVALID_GROUP_ID"), err);
    assertEquals(2, run("groups", "--bootstrap-server", broker.bootstrap(), "--describe"));
    assertTrue(err.contains("--group is required"), err);
    assertEquals(2, run("groups", "--bootstrap-server", broker.bootstrap(), "--reset-offsets", "--group", "g"));
    assertTrue(err.contains("--to-earliest"), err);
    assertEquals(2, run("groups", "--bootstrap-server", broker.bootstrap(), "--reset-offsets", "--group", "g",
        "--to-datetime", "yesterday"));
    assertTrue(err.contains("--to-datetime must look like"), err);
    assertEquals(2, run("consume", "--bootstrap-server", broker.bootstrap(), "--topic", "t", "--group", "g",
        "--partition", "0"));
    assertTrue(err.contains("--group cannot be combined"), err);
  }
}
