package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.broker.Caller;
import io.skein.server.TestBroker;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

/**
 * A classic group's generation, members and assignment are persisted (as Kafka keeps them in
 * __consumer_offsets): after the coordinator restarts, a member heartbeats on as before.
 */
class KafkaClassicGroupRestartTest {

  private int correlation;

  @Test
  void aStableClassicGroupSurvivesARestartOfItsCoordinator() throws Exception {
    try (TestBroker node = TestBroker.start(Map.of())) {
      node.node().broker().topics().createTopic(Caller.BROKER, "kept", 1, 1, Map.of(), false).toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      byte[] assignment = bytes(ConsumerProtocol.serializeAssignment(
          new ConsumerPartitionAssignor.Assignment(List.of(new TopicPartition("kept", 0)))));
      String memberId;
      int generation;
      try (KafkaTestClient client = connect(node)) {
        memberId = this.<JoinGroupResponseData>call(client, (short) 9, join("")).memberId();
        JoinGroupResponseData joined = call(client, (short) 9, join(memberId));
        generation = joined.generationId();
        call(client, (short) 5, new SyncGroupRequestData().setGroupId("durable-classic").setMemberId(memberId)
            .setGenerationId(generation).setAssignments(List.of(
                new SyncGroupRequestAssignment().setMemberId(memberId).setAssignment(assignment))));
      }

      node.restart();

      try (KafkaTestClient client = connect(node)) {
        HeartbeatResponseData heartbeat = call(client, (short) 4, new HeartbeatRequestData()
            .setGroupId("durable-classic").setMemberId(memberId).setGenerationId(generation));
        assertEquals(Errors.NONE.code(), heartbeat.errorCode());
        DescribeGroupsResponseData.DescribedGroup group = this.<DescribeGroupsResponseData>call(client, (short) 5,
            new DescribeGroupsRequestData().setGroups(List.of("durable-classic"))).groups().get(0);
        assertEquals("Stable", group.groupState());
        assertEquals(memberId, group.members().get(0).memberId());
        assertArrayEquals(assignment, group.members().get(0).memberAssignment());
      }
    }
  }

  private static KafkaTestClient connect(TestBroker node) throws java.io.IOException {
    return new KafkaTestClient(new InetSocketAddress("127.0.0.1", node.node().kafkaPort()));
  }

  @SuppressWarnings("unchecked")
  private <R extends ApiMessage> R call(KafkaTestClient client, short version, ApiMessage request)
      throws java.io.IOException {
    RequestHeader header = KafkaTestClient.header(ApiKeys.forId(request.apiKey()), version, ++correlation);
    client.write(KafkaTestClient.frame(request, header));
    return (R) client.receive(header).data();
  }

  private static JoinGroupRequestData join(String memberId) {
    JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
    protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(bytes(
        ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of("kept"))))));
    return new JoinGroupRequestData().setGroupId("durable-classic").setMemberId(memberId).setSessionTimeoutMs(30_000)
        .setRebalanceTimeoutMs(30_000).setProtocolType("consumer").setProtocols(protocols);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
}
