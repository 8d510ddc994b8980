package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.Caller;
import io.skein.cluster.LeaderLocations;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import io.skein.server.TestBroker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KIP-951: a partition answered NOT_LEADER_OR_FOLLOWER (Produce v10+, Fetch v16+) or
 * FENCED_LEADER_EPOCH (Fetch v16+) names its current leader and epoch, and the answer has that
 * leader's Kafka listener among its node endpoints when it is up. The leaderships a single
 * node cannot have (another broker's, a later epoch) are written into this node's copy of the
 * Controller's assignments, as a push from the Controller after an election would.
 */
class KafkaLeaderHintsTest {

  private static final int ABSENT_BROKER = 7;

  private static TestBroker broker;
  private static int self;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
    self = broker.node().config().brokerId();
    for (String topic : List.of("moved", "stale")) {
      broker.node().broker().topics().createTopic(Caller.BROKER, topic, 1, 1, Map.of(), false)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    LeaderLocations leaders = LeaderLocations.get(broker.node().system());
    assertEventually("the node knows both topics", Duration.ofSeconds(30), () -> leaders.assignments()
        .map(topics -> topics.containsKey("moved") && topics.containsKey("stale")).orElse(false));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  /** The Controller's elections as this node would hear them: "moved" to an absent broker, "stale" to a later epoch here. */
  private static void elect() {
    LeaderLocations leaders = LeaderLocations.get(broker.node().system());
    Map<String, Topic> topics = new HashMap<>(leaders.assignments().orElseThrow());
    topics.put("moved", topics.get("moved").withAssignment(0,
        new ReplicaAssignment(List.of(ABSENT_BROKER), ABSENT_BROKER, 5, List.of(ABSENT_BROKER))));
    topics.put("stale", topics.get("stale").withAssignment(0,
        new ReplicaAssignment(List.of(self), self, 4, List.of(self))));
    leaders.update(topics);
  }

  @Test
  void aProduceToAMovedLeaderNamesTheNewOneFromV10() throws IOException {
    elect();
    try (KafkaTestClient client = connect()) {
      ProduceResponseData answered = client.call((short) 12, produce("moved"));
      ProduceResponseData.PartitionProduceResponse partition =
          answered.responses().iterator().next().partitionResponses().get(0);
      assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), partition.errorCode(), partition.errorMessage());
      assertEquals(ABSENT_BROKER, partition.currentLeader().leaderId());
      assertEquals(5, partition.currentLeader().leaderEpoch());
      assertTrue(answered.nodeEndpoints().isEmpty(), "a leader that is not up has no endpoint to give");

      ProduceResponseData older = client.call((short) 9, produce("moved"));
      ProduceResponseData.PartitionProduceResponse unnamed = older.responses().iterator().next().partitionResponses().get(0);
      assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), unnamed.errorCode());
      assertEquals(-1, unnamed.currentLeader().leaderId(), "v9 has no current leader");
    }
  }

  @Test
  void aFetchAtAnOlderEpochNamesTheLeaderAndItsEndpointFromV16() throws IOException {
    elect();
    try (KafkaTestClient client = connect()) {
      FetchResponseData answered = client.call((short) 16, fetch("stale", 2));
      FetchResponseData.PartitionData partition = answered.responses().get(0).partitions().get(0);
      assertEquals(Errors.FENCED_LEADER_EPOCH.code(), partition.errorCode());
      assertEquals(self, partition.currentLeader().leaderId());
      assertEquals(4, partition.currentLeader().leaderEpoch());
      FetchResponseData.NodeEndpoint endpoint = answered.nodeEndpoints().find(self);
      assertEquals("127.0.0.1", endpoint.host());
      assertEquals(broker.node().kafkaPort(), endpoint.port());
      assertEquals(1, answered.nodeEndpoints().size());

      FetchResponseData older = client.call((short) 15, fetch("stale", 2));
      FetchResponseData.PartitionData unnamed = older.responses().get(0).partitions().get(0);
      assertEquals(Errors.FENCED_LEADER_EPOCH.code(), unnamed.errorCode());
      assertEquals(-1, unnamed.currentLeader().leaderId(), "Kafka names the leader from v16");

      FetchResponseData current = client.call((short) 16, fetch("stale", 4));
      assertEquals(Errors.NONE.code(), current.responses().get(0).partitions().get(0).errorCode());
      assertTrue(current.nodeEndpoints().isEmpty(), "nothing to redirect");
    }
  }

  private static KafkaTestClient connect() throws IOException {
    return new KafkaTestClient(new InetSocketAddress("127.0.0.1", broker.node().kafkaPort()));
  }

  private static ProduceRequestData produce(String topic) {
    ProduceRequestData request = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
    ProduceRequestData.TopicProduceData data = new ProduceRequestData.TopicProduceData().setName(topic);
    data.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
        MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)))));
    request.topicData().add(data);
    return request;
  }

  private static FetchRequestData fetch(String topic, int currentLeaderEpoch) {
    FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
        .setMaxBytes(1 << 20).setSessionId(FetchMetadata.INVALID_SESSION_ID).setSessionEpoch(FetchMetadata.INITIAL_EPOCH);
    FetchRequestData.FetchTopic asked = new FetchRequestData.FetchTopic().setTopic(topic)
        .setTopicId(TopicIds.toKafka(LeaderLocations.get(broker.node().system()).assignments().orElseThrow()
            .get(topic).topicId()));
    asked.partitions().add(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
        .setPartitionMaxBytes(1 << 20).setLogStartOffset(-1).setCurrentLeaderEpoch(currentLeaderEpoch));
    request.topics().add(asked);
    return request;
  }
}
