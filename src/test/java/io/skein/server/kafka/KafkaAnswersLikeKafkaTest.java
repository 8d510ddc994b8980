package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.PartitionRequests;
import io.skein.server.TestBroker;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Answers where Skein must do what a Kafka broker does: offset commits, topic creation, offset look-ups. */
class KafkaAnswersLikeKafkaTest {

  private static TestBroker broker;
  private static Admin admin;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap(),
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
  }

  @AfterAll
  static void stop() {
    admin.close(Duration.ofSeconds(5));
    broker.close();
  }

  @Test
  void committingOffsetsOfAMissingTopicOrPartitionIsUnknownTopicOrPartition() throws Exception {
    admin.createTopics(List.of(new NewTopic("committed", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    TopicPartition known = new TopicPartition("committed", 0);
    TopicPartition beyond = new TopicPartition("committed", 1);
    TopicPartition missing = new TopicPartition("never-created", 0);
    AlterConsumerGroupOffsetsResult result = admin.alterConsumerGroupOffsets("commits", Map.of(
        known, new OffsetAndMetadata(0), beyond, new OffsetAndMetadata(0), missing, new OffsetAndMetadata(0)));

    result.partitionResult(known).get(30, TimeUnit.SECONDS);
    for (TopicPartition unknown : List.of(beyond, missing)) {
      ExecutionException failed = assertThrows(ExecutionException.class,
          () -> result.partitionResult(unknown).get(30, TimeUnit.SECONDS));
      assertInstanceOf(UnknownTopicOrPartitionException.class, failed.getCause(), unknown.toString());
    }
    assertEquals(Map.of(known, new OffsetAndMetadata(0)),
        admin.listConsumerGroupOffsets("commits").partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS));
    assertTrue(!admin.listTopics().names().get().contains("never-created"), "a commit creates no topic");
  }

  @Test
  void createTopicsWithATimeoutAnswersOnceThisBrokerKnowsEveryLeader() throws Exception {
    admin.createTopics(List.of(new NewTopic("awaited", 8, (short) 1)), new CreateTopicsOptions().timeoutMs(30_000))
        .all().get(30, TimeUnit.SECONDS);
    PartitionRequests partitions = broker.node().broker().partitions();
    for (int p = 0; p < 8; p++) {
      assertTrue(partitions.leaderEpoch("awaited", p).isPresent(), "leader of awaited-" + p + " known");
    }
  }

  @Test
  void listOffsetsAnswersThePartitionsLeaderEpoch() throws Exception {
    admin.createTopics(List.of(new NewTopic("epochs", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap()), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("epochs", 0, "k", "v")).get(30, TimeUnit.SECONDS);
    }
    OptionalInt epoch = broker.node().broker().partitions().leaderEpoch("epochs", 0);
    assertTrue(epoch.isPresent());
    TopicPartition partition = new TopicPartition("epochs", 0);
    for (OffsetSpec spec : List.of(OffsetSpec.earliest(), OffsetSpec.latest(), OffsetSpec.forTimestamp(0))) {
      ListOffsetsResultInfo found = admin.listOffsets(Map.of(partition, spec)).partitionResult(partition)
          .get(30, TimeUnit.SECONDS);
      assertEquals(Optional.of(epoch.getAsInt()), found.leaderEpoch(), spec.toString());
    }
    // Before v4 an answer has no leader epoch: such clients (KafkaJS) still get theirs.
    try (KafkaTestClient client = new KafkaTestClient(new InetSocketAddress("127.0.0.1", broker.node().kafkaPort()))) {
      for (short version : new short[] {3, 4}) {
        RequestHeader header = KafkaTestClient.header(ApiKeys.LIST_OFFSETS, version, version);
        client.write(KafkaTestClient.frame(new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
            new ListOffsetsTopic().setName("epochs").setPartitions(List.of(
                new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(PartitionRequests.LATEST))))), header));
        ListOffsetsPartitionResponse answer = ((ListOffsetsResponseData) client.receive(header).data()).topics().get(0)
            .partitions().get(0);
        assertEquals(1, answer.offset(), "v" + version);
        assertEquals(version < 4 ? -1 : epoch.getAsInt(), answer.leaderEpoch(), "v" + version);
      }
    }
  }
}
