package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.PartitionKey;
import io.skein.server.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real kafka-clients group consumers against Skein's Kafka listener: subscribe, poll, commit,
 * resume from committed offsets, two members rebalancing with range and cooperative-sticky,
 * and Admin's group operations. They need Metadata, Produce and Fetch over Kafka.
 */
class KafkaGroupConsumerEndToEndTest {

  private static TestBroker node;

  @BeforeAll
  static void start() throws Exception {
    node = TestBroker.start(Map.of("skein.group.min-session-timeout", "500ms", "skein.group.check-interval", "100ms"));
    for (String topic : List.of("e2e-resume", "e2e-range", "e2e-sticky", "e2e-admin")) {
      node.node().broker().topics().createTopic(topic, 2, 1, Map.of(), false).toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aConsumerCommitsAndTheNextOneResumesFromTheCommittedOffsets() throws Exception {
    produce("e2e-resume", 0, 10);
    try (KafkaConsumer<String, String> first = consumer("resume", "range")) {
      first.subscribe(List.of("e2e-resume"));
      assertEquals(10, pollUntil(first, 10).size());
      first.commitSync();
    }
    produce("e2e-resume", 10, 5);
    try (KafkaConsumer<String, String> second = consumer("resume", "range")) {
      second.subscribe(List.of("e2e-resume"));
      List<ConsumerRecord<String, String>> rest = pollUntil(second, 5);
      assertEquals(Set.of("v10", "v11", "v12", "v13", "v14"), values(rest));
      second.commitAsync();
      second.commitSync();
    }
    // The offsets Kafka committed are the ones the request layer (gRPC) reads.
    long committed = node.node().broker().groups().fetchOffsets("resume", "", -1, List.of()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).stream().mapToLong(o -> o.offset()).sum();
    assertEquals(15, committed);
  }

  @Test
  void twoRangeMembersSplitThePartitions() throws Exception {
    twoMembersSplit("e2e-range", "range-group", "range");
  }

  @Test
  void twoCooperativeStickyMembersSplitThePartitions() throws Exception {
    twoMembersSplit("e2e-sticky", "sticky-group", "cooperative-sticky");
  }

  private void twoMembersSplit(String topic, String group, String assignor) throws Exception {
    produce(topic, 0, 20);
    try (KafkaConsumer<String, String> a = consumer(group, assignor);
        KafkaConsumer<String, String> b = consumer(group, assignor)) {
      a.subscribe(List.of(topic));
      assertEventually("the first member owns both partitions", Duration.ofSeconds(30), () -> {
        a.poll(Duration.ofMillis(100));
        return a.assignment().size() == 2;
      });
      b.subscribe(List.of(topic));
      assertEventually("the partitions are split", Duration.ofSeconds(30), () -> {
        a.poll(Duration.ofMillis(100));
        b.poll(Duration.ofMillis(100));
        return a.assignment().size() == 1 && b.assignment().size() == 1;
      });
      Set<TopicPartition> all = new HashSet<>(a.assignment());
      all.addAll(b.assignment());
      assertEquals(2, all.size(), "no partition has two owners");
    }
  }

  @Test
  void adminListsDescribesAltersAndDeletesGroups() throws Exception {
    produce("e2e-admin", 0, 4);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.kafkaBootstrap()))) {
      try (KafkaConsumer<String, String> member = consumer("admin-group", "range")) {
        member.subscribe(List.of("e2e-admin"));
        pollUntil(member, 4);
        member.commitSync();
        ConsumerGroupDescription described = admin.describeConsumerGroups(List.of("admin-group")).all()
            .get(10, TimeUnit.SECONDS).get("admin-group");
        assertEquals(1, described.members().size());
        assertEquals(2, described.members().iterator().next().assignment().topicPartitions().size());
        assertTrue(admin.listGroups().all().get(10, TimeUnit.SECONDS).stream().map(GroupListing::groupId)
            .anyMatch("admin-group"::equals));
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("admin-group")
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      assertEquals(4, offsets.values().stream().mapToLong(OffsetAndMetadata::offset).sum());

      TopicPartition p0 = new TopicPartition("e2e-admin", 0);
      admin.alterConsumerGroupOffsets("admin-group", Map.of(p0, new OffsetAndMetadata(0))).all()
          .get(10, TimeUnit.SECONDS);
      assertEquals(0, node.node().broker().groups().fetchOffsets("admin-group", "", -1,
          List.of(new PartitionKey("e2e-admin", 0))).toCompletableFuture().get(10, TimeUnit.SECONDS).get(0).offset());
      admin.deleteConsumerGroupOffsets("admin-group", Set.of(p0)).all().get(10, TimeUnit.SECONDS);
      admin.deleteConsumerGroups(List.of("admin-group")).all().get(10, TimeUnit.SECONDS);
      assertFalse(admin.listGroups().all().get(10, TimeUnit.SECONDS).stream().map(GroupListing::groupId)
          .anyMatch("admin-group"::equals));
    }
  }

  private static KafkaConsumer<String, String> consumer(String group, String assignor) {
    String strategy = assignor.equals("range")
        ? "org.apache.kafka.clients.consumer.RangeAssignor"
        : "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.kafkaBootstrap(),
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000,
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500,
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, strategy),
        new StringDeserializer(), new StringDeserializer());
  }

  private static void produce(String topic, int from, int count) throws Exception {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", node.kafkaBootstrap()), new StringSerializer(), new StringSerializer())) {
      for (int i = from; i < from + count; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(10, TimeUnit.SECONDS);
      }
    }
  }

  private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> consumer, int count) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    assertEventually("polled " + count + " records", Duration.ofSeconds(30), () -> {
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      return records.size() >= count;
    });
    return records;
  }

  private static Set<String> values(List<ConsumerRecord<String, String>> records) {
    Set<String> values = new HashSet<>();
    records.forEach(r -> values.add(r.value()));
    return values;
  }
}
