package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.Caller;
import io.skein.server.TestBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real kafka-clients consumers with {@code group.protocol=consumer} (KIP-848) against Skein's
 * Kafka listener: server-side assignment shared by members that join and leave, commits,
 * resuming from committed offsets, Admin and kafka-consumer-groups on such a group.
 */
class KafkaConsumerProtocolEndToEndTest {

  private static final int PARTITIONS = 6;
  private static TestBroker node;

  @BeforeAll
  static void start() throws Exception {
    node = TestBroker.start(Map.of("skein.group.consumer-heartbeat-interval", "300ms",
        "skein.group.check-interval", "100ms"));
    for (String topic : List.of("kip848-shared", "kip848-tool")) {
      node.node().broker().topics().createTopic(Caller.BROKER, topic, PARTITIONS, 1, Map.of(),
          false).toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void membersShareTheTopicAndEveryRecordIsReadExactlyOnceWhileMembersJoinAndLeave() throws Exception {
    String topic = "kip848-shared";
    String group = "kip848-shared-group";
    Map<String, Integer> reads = new HashMap<>();
    produce(topic, 0, 60);
    KafkaConsumer<String, String> a = consumer(group);
    KafkaConsumer<String, String> b = consumer(group);
    KafkaConsumer<String, String> c = consumer(group);
    try {
      a.subscribe(List.of(topic));
      b.subscribe(List.of(topic));
      pollUntil("two members split the partitions and read the first 60 records", List.of(a, b), reads, 60,
          List.of(3, 3));

      c.subscribe(List.of(topic));
      produce(topic, 60, 60);
      pollUntil("a third member takes its share", List.of(a, b, c), reads, 120, List.of(2, 2, 2));

      b.close();
      produce(topic, 120, 60);
      pollUntil("the closed member's partitions are handed over", List.of(a, c), reads, 180, List.of(3, 3));
    } finally {
      a.close();
      b.close();
      c.close();
    }
    assertEquals(180, reads.size());
    reads.forEach((record, count) -> assertEquals(1, count, record + " was read " + count + " times"));

    produce(topic, 180, 30);
    Map<String, Integer> resumed = new HashMap<>();
    try (KafkaConsumer<String, String> d = consumer(group)) {
      d.subscribe(List.of(topic));
      pollUntil("a new member resumes from the committed offsets", List.of(d), resumed, 30, List.of(PARTITIONS));
    }
    assertEquals(30, resumed.size(), "only the records after the committed offsets: " + resumed.keySet());
    long committed = node.node().broker().groups().fetchOffsets(Caller.BROKER, group, "", -1,
        List.of()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).stream().mapToLong(o -> o.offset()).sum();
    assertEquals(210, committed, "the offsets committed over Kafka are the ones gRPC reads");
  }

  @Test
  void adminAndKafkaConsumerGroupsDescribeAConsumerProtocolGroup() throws Exception {
    String topic = "kip848-tool";
    String group = "kip848-tool-group";
    produce(topic, 0, 12);
    try (KafkaConsumer<String, String> member = consumer(group);
        Admin admin = Admin.create(Map.of("bootstrap.servers", node.kafkaBootstrap()))) {
      member.subscribe(List.of(topic));
      pollUntil("the member reads everything", List.of(member), new HashMap<>(), 12, List.of(PARTITIONS));

      ConsumerGroupDescription described = admin.describeConsumerGroups(List.of(group)).all()
          .get(10, TimeUnit.SECONDS).get(group);
      assertEquals(GroupType.CONSUMER, described.type());
      assertEquals("uniform", described.partitionAssignor());
      assertEquals(1, described.members().size());
      assertEquals(PARTITIONS, described.members().iterator().next().assignment().topicPartitions().size());
      assertTrue(admin.listGroups().all().get(10, TimeUnit.SECONDS).stream()
          .anyMatch(g -> g.groupId().equals(group) && g.type().equals(java.util.Optional.of(GroupType.CONSUMER))));

      String list = kafkaConsumerGroups("--list");
      assertTrue(list.lines().anyMatch(group::equals), list);

      String offsets = kafkaConsumerGroups("--describe", "--group", group);
      for (int p = 0; p < PARTITIONS; p++) {
        int partition = p;
        assertTrue(offsets.lines().anyMatch(line -> line.startsWith(group) && line.contains(" " + topic + " ")
            && line.split("\\s+")[2].equals(Integer.toString(partition)) && !line.contains(" - ")), offsets);
      }
      String members = kafkaConsumerGroups("--describe", "--group", group, "--members");
      assertTrue(members.lines().anyMatch(line -> line.startsWith(group)
          && List.of(line.split("\\s+")).contains(Integer.toString(PARTITIONS))), members);
    }
  }

  /**
   * Polls every consumer in turn, committing after each poll what it read, until {@code total}
   * distinct records were read and the members own the given numbers of partitions.
   */
  private static void pollUntil(String what, List<KafkaConsumer<String, String>> consumers, Map<String, Integer> reads,
      int total, List<Integer> owned) {
    assertEventually(what, Duration.ofSeconds(60), () -> {
      for (KafkaConsumer<String, String> consumer : consumers) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
          reads.merge(r.partition() + "@" + r.offset(), 1, Integer::sum);
        }
        consumer.commitSync();
      }
      List<Integer> sizes = consumers.stream().map(consumer -> consumer.assignment().size()).toList();
      Set<TopicPartition> distinct = new HashSet<>();
      consumers.forEach(consumer -> distinct.addAll(consumer.assignment()));
      return reads.size() >= total && sizes.equals(owned) && distinct.size() == PARTITIONS;
    });
  }

  private static KafkaConsumer<String, String> consumer(String group) {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.kafkaBootstrap(),
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new StringDeserializer(), new StringDeserializer());
  }

  private static void produce(String topic, int from, int count) throws Exception {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", node.kafkaBootstrap()), new StringSerializer(), new StringSerializer())) {
      for (int i = from; i < from + count; i++) {
        producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k" + i, "v" + i)).get(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Runs kafka-consumer-groups with these arguments; its output, after checking it did not exit with an error. */
  private static String kafkaConsumerGroups(String... args) {
    List<Integer> exitCodes = new ArrayList<>();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    Exit.setExitProcedure((code, message) -> exitCodes.add(code));
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      List<String> all = new ArrayList<>(List.of("--bootstrap-server", node.kafkaBootstrap()));
      all.addAll(List.of(args));
      ConsumerGroupCommand.main(all.toArray(String[]::new));
    } finally {
      System.setOut(original);
      Exit.resetExitProcedure();
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    assertTrue(exitCodes.stream().allMatch(code -> code == 0),
        "kafka-consumer-groups " + String.join(" ", args) + " exited with " + exitCodes + ": " + output);
    return output;
  }
}
