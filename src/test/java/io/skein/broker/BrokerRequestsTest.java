package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.group.GroupCoordinator;
import io.skein.metadata.PartitionKey;
import io.skein.server.Batches;
import io.skein.server.TestBroker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The request layer on its own, as a second protocol would call it: no gRPC between. */
class BrokerRequestsTest {

  private static TestBroker node;
  private static Broker broker;

  @BeforeAll
  static void start() throws Exception {
    node = TestBroker.start(Map.of());
    broker = node.node().broker();
    await(broker.topics().createTopic(Caller.BROKER, "events", 1, 1, Map.of(), false));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void producedBatchesAreFetchedBack() throws Exception {
    PartitionRequests.Appended appended =
        await(broker.partitions().produce(Caller.BROKER, "events", 0, -1, 0, Batches.of("a",
            "b").asReadOnlyByteBuffer()));
    List<String> values = new ArrayList<>();
    await(broker.partitions().fetch(Caller.BROKER, "events", 0, appended.baseOffset(), 0, 0,
        fetched -> values.addAll(Batches.values(ByteString.copyFrom(fetched.records()), appended.baseOffset()))));
    assertEquals(List.of(appended.baseOffset() + ":a", appended.lastOffset() + ":b"), values);
    assertEquals(appended.lastOffset() + 1,
        await(broker.partitions().leader("events", 0).offsetFor(PartitionRequests.LATEST)).offset());
  }

  @Test
  void refusedRequestsCarryKafkasErrorCodes() {
    FailureException acks = assertThrows(FailureException.class,
        () -> broker.partitions().produce(Caller.BROKER, "events", 0, 2, 0, Batches.of("x").asReadOnlyByteBuffer()));
    assertEquals(ErrorCode.INVALID_REQUIRED_ACKS, acks.failure().code());
    assertEquals(21, acks.failure().code().code());
    assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        failure(broker.partitions().fetch(Caller.BROKER, "missing", 0, 0, 0, 0, fetched -> {})).code());
    assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS,
        failure(broker.topics().createTopic(Caller.BROKER, "events", 1, 1, Map.of(), false)).code());
    assertEquals(ErrorCode.CORRUPT_MESSAGE, assertThrows(FailureException.class,
        () -> broker.partitions().produce(Caller.BROKER, "events", 0, 1, 0, ByteBuffer.allocate(0))).failure().code());
  }

  @Test
  void metadataNamesTheBrokerAndEachAskedTopic() throws Exception {
    TopicAdmin.ClusterMetadata metadata = await(broker.topics().metadata(Caller.BROKER, List.of("events", "missing")));
    assertEquals(1, metadata.brokers().size());
    assertEquals("events", metadata.topics().get(0).topic().name());
    assertNull(metadata.topics().get(0).failure());
    assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, metadata.topics().get(1).failure().code());
  }

  @Test
  void offsetsCommittedForAGroupWithoutMembersAreFetchedBack() throws Exception {
    List<GroupCoordinator.PartitionResult> results = await(broker.groups().commitOffsets(Caller.BROKER, "audit", "", -1,
        List.of(new GroupCoordinator.OffsetToCommit("events", 0, 7, "checkpoint"))));
    assertTrue(results.stream().allMatch(r -> r.failure() == null), results.toString());
    GroupCoordinator.CommittedOffset committed =
        await(broker.groups().fetchOffsets(Caller.BROKER, "audit", "", -1, List.of(new PartitionKey("events",
            0)))).get(0);
    assertEquals(7, committed.offset());
    assertEquals("checkpoint", committed.metadata());
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static io.skein.common.Failure failure(CompletionStage<?> stage) {
    ExecutionException failed = assertThrows(ExecutionException.class, () -> await(stage));
    return ((FailureException) failed.getCause()).failure();
  }
}
