package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.skein.broker.Caller;
import io.skein.metadata.PartitionKey;
import io.skein.server.TestBroker;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * A KIP-848 group's epochs, members and assignments are persisted with its committed offsets
 * (as Kafka keeps them in __consumer_offsets): after the coordinator restarts, a member
 * heartbeats on at its epoch with its partitions.
 */
class KafkaConsumerGroupRestartTest {

  private static final String GROUP = "durable-consumer";

  @Test
  void aConsumerGroupAndItsOffsetsSurviveARestartOfItsCoordinator() throws Exception {
    try (TestBroker node = TestBroker.start(Map.of())) {
      String topicId = node.node().broker().topics().createTopic(Caller.BROKER, "kept-848", 2, 1, Map.of(), false)
          .toCompletableFuture().get(30, TimeUnit.SECONDS).topic().topicId();
      Uuid kafkaTopicId = TopicIds.toKafka(topicId);
      String memberId = UUID.randomUUID().toString();
      int epoch;
      try (KafkaTestClient client = connect(node)) {
        ConsumerGroupHeartbeatResponseData joined = client.call((short) 1, new ConsumerGroupHeartbeatRequestData()
            .setGroupId(GROUP).setMemberId(memberId).setMemberEpoch(0).setRebalanceTimeoutMs(30_000)
            .setSubscribedTopicNames(List.of("kept-848")).setTopicPartitions(List.of()));
        assertEquals(Errors.NONE.code(), joined.errorCode());
        epoch = joined.memberEpoch();
        assertEquals(List.of(0, 1), joined.assignment().topicPartitions().get(0).partitions());
        OffsetCommitResponseData committed = client.call((short) 9, new OffsetCommitRequestData().setGroupId(GROUP)
            .setMemberId(memberId).setGenerationIdOrMemberEpoch(epoch).setTopics(List.of(new OffsetCommitRequestTopic()
                .setName("kept-848").setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(1)
                    .setCommittedOffset(17))))));
        assertEquals(Errors.NONE.code(), committed.topics().get(0).partitions().get(0).errorCode());
      }

      node.restart();

      try (KafkaTestClient client = connect(node)) {
        ConsumerGroupHeartbeatResponseData heartbeat = client.call((short) 1, new ConsumerGroupHeartbeatRequestData()
            .setGroupId(GROUP).setMemberId(memberId).setMemberEpoch(epoch)
            .setTopicPartitions(List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                .setTopicId(kafkaTopicId).setPartitions(List.of(0, 1)))));
        assertEquals(Errors.NONE.code(), heartbeat.errorCode(), heartbeat.errorMessage());
        assertEquals(epoch, heartbeat.memberEpoch());
        assertNull(heartbeat.assignment(), "the member keeps its assignment");
        ConsumerGroupDescribeResponseData.DescribedGroup group = client.<ConsumerGroupDescribeResponseData>call((short) 1,
            new ConsumerGroupDescribeRequestData().setGroupIds(List.of(GROUP))).groups().get(0);
        assertEquals("Stable", group.groupState());
        assertEquals(memberId, group.members().get(0).memberId());
        assertEquals(List.of(0, 1), group.members().get(0).assignment().topicPartitions().get(0).partitions());
      }
      assertEquals(17, node.node().broker().groups().fetchOffsets(Caller.BROKER, GROUP, "", -1,
          List.of(new PartitionKey("kept-848", 1))).toCompletableFuture().get(10, TimeUnit.SECONDS).get(0).offset());
    }
  }

  private static KafkaTestClient connect(TestBroker node) throws java.io.IOException {
    return new KafkaTestClient(new InetSocketAddress("127.0.0.1", node.node().kafkaPort()));
  }
}
