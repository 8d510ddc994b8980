package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.Caller;
import io.skein.metadata.PartitionKey;
import io.skein.server.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
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
    for (String topic : List.of("e2e-resume", "e2e-range", "e2e-sticky", "e2e-admin", "e2e-three")) {
      node.node().broker().topics().createTopic(Caller.BROKER, topic, topic.equals("e2e-three") ? 6 : 2, 1, Map.of(),
          false).toCompletableFuture()
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
    long committed = node.node().broker().groups().fetchOffsets(Caller.BROKER, "resume", "", -1,
        List.of()).toCompletableFuture()
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

  /**
   * Three cooperative-sticky members join one after another and leave again while records keep
   * coming; each commits asynchronously after a poll, synchronously when partitions are revoked
   * and before it closes. Every record is read exactly once, by whichever member owns it.
   */
  @Test
  void threeCooperativeStickyMembersJoinAndLeaveAndReadEveryRecordOnce() throws Exception {
    Map<String, Integer> seen = new HashMap<>();
    List<KafkaConsumer<String, String>> members = new ArrayList<>();
    int produced = 0;
    try {
      for (int joining = 0; joining < 3; joining++) {
        produce("e2e-three", produced, 60);
        produced += 60;
        members.add(subscribedCommitting("e2e-three", "three-group"));
        int expected = produced;
        int size = members.size();
        assertEventually(size + " members share the partitions and read all " + expected, Duration.ofSeconds(60), () -> {
          pollAll(members, seen);
          return seen.size() == expected && members.stream().allMatch(m -> !m.assignment().isEmpty())
              && members.stream().mapToInt(m -> m.assignment().size()).sum() == 6;
        }, () -> "read " + seen.size());
      }
      while (members.size() > 1) {
        KafkaConsumer<String, String> leaving = members.remove(0);
        leaving.commitSync();
        leaving.close();
        produce("e2e-three", produced, 30);
        produced += 30;
        int expected = produced;
        assertEventually("after a member left, all " + expected + " read", Duration.ofSeconds(60), () -> {
          pollAll(members, seen);
          return seen.size() == expected;
        }, () -> "read " + seen.size());
      }
      members.get(0).commitSync();
    } finally {
      members.forEach(KafkaConsumer::close);
    }
    assertEquals(produced, seen.size());
    seen.forEach((value, times) -> assertEquals(1, times, value + " read once"));
  }

  /** A member that commits what it read when its partitions are revoked, so their next owner resumes there. */
  private static KafkaConsumer<String, String> subscribedCommitting(String topic, String group) {
    KafkaConsumer<String, String> member = consumer(group, "cooperative-sticky");
    member.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        member.commitSync();
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
    });
    return member;
  }

  private static void pollAll(List<KafkaConsumer<String, String>> members, Map<String, Integer> seen) {
    for (KafkaConsumer<String, String> member : members) {
      member.poll(Duration.ofMillis(50)).forEach(r -> seen.merge(r.value(), 1, Integer::sum));
      member.commitAsync();
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
      assertEquals(0, node.node().broker().groups().fetchOffsets(Caller.BROKER, "admin-group", "", -1,
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
