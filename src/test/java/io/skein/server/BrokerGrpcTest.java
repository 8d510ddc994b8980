package io.skein.server;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.skein.broker.PartitionRequests;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import java.util.Iterator;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.AlterTopicConfigsRequest;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.CreatePartitionsRequest;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.DeleteTopicRequest;
import io.skein.proto.v1.DescribeClusterRequest;
import io.skein.proto.v1.DescribeTopicsRequest;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.ListOffsetsRequest;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.proto.v1.MetadataRequest;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.PartitionDescription;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.proto.v1.TopicDescription;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The broker end to end over gRPC, on one in-process node. */
class BrokerGrpcTest {

  static TestBroker broker;
  static AdminServiceGrpc.AdminServiceBlockingStub admin;
  static ProducerServiceGrpc.ProducerServiceBlockingStub producer;
  static ConsumerServiceGrpc.ConsumerServiceBlockingStub consumer;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
    admin = AdminServiceGrpc.newBlockingStub(broker.channel());
    producer = ProducerServiceGrpc.newBlockingStub(broker.channel());
    consumer = ConsumerServiceGrpc.newBlockingStub(broker.channel());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  static TopicDescription create(String name, int partitions, Map<String, String> configs) {
    return admin.createTopic(CreateTopicRequest.newBuilder().setName(name).setPartitions(partitions)
        .setReplicationFactor(1).putAllConfigs(configs).build()).getTopic();
  }

  static ProduceResponse produce(String topic, int partition, ByteString records) {
    return producer.produce(ProduceRequest.newBuilder().setTopic(topic).setPartition(partition).setAcks(-1)
        .setRecords(records).build());
  }

  static FetchResponse fetch(String topic, int partition, long offset, int maxWaitMs) {
    return consumer.fetch(FetchRequest.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset)
        .setMaxWaitMs(maxWaitMs).build());
  }

  static StatusRuntimeException assertError(ErrorCode expected, Status.Code status, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(status, e.getStatus().getCode(), e.toString());
    assertEquals(expected, ApiErrors.errorCode(e), e.toString());
    return e;
  }

  @Test
  void anIdempotentProducersRetryIsStoredOnceAndAGapIsRefused() {
    create("idempotent", 1, Map.of());
    ProduceResponse first = produce("idempotent", 0, Batches.idempotent(9, (short) 0, 0, "a", "b"));
    ProduceResponse retry = produce("idempotent", 0, Batches.idempotent(9, (short) 0, 0, "a", "b"));
    assertEquals(0, retry.getBaseOffset());
    assertEquals(first.getLastOffset(), retry.getLastOffset());
    assertError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, Status.Code.FAILED_PRECONDITION,
        () -> produce("idempotent", 0, Batches.idempotent(9, (short) 0, 5, "c")));
    produce("idempotent", 0, Batches.idempotent(9, (short) 1, 0, "c"));
    assertError(ErrorCode.INVALID_PRODUCER_EPOCH, Status.Code.FAILED_PRECONDITION,
        () -> produce("idempotent", 0, Batches.idempotent(9, (short) 0, 2, "d")));
    assertEquals(List.of("0:a", "1:b", "2:c"), Batches.values(fetch("idempotent", 0, 0, 0).getRecords(), 0));
  }

  @Test
  void producedRecordsAreFetchedBackWithAssignedOffsets() {
    create("round-trip", 3, Map.of());
    ProduceResponse first = produce("round-trip", 1, Batches.of("a", "b", "c"));
    ProduceResponse second = produce("round-trip", 1, Batches.of("d"));
    assertEquals(0, first.getBaseOffset());
    assertEquals(2, first.getLastOffset());
    assertEquals(3, second.getBaseOffset());

    FetchResponse all = fetch("round-trip", 1, 0, 0);
    assertEquals(List.of("0:a", "1:b", "2:c", "3:d"), Batches.values(all.getRecords(), 0));
    assertEquals(4, all.getHighWatermark());
    // Reading from the middle of a batch returns the whole batch: the client skips below.
    assertEquals(List.of("1:b", "2:c", "3:d"), Batches.values(fetch("round-trip", 1, 1, 0).getRecords(), 1));
    // Other partitions are separate logs.
    assertTrue(fetch("round-trip", 0, 0, 0).getRecords().isEmpty());
  }

  @Test
  void longPollFetchAnswersWhenDataArrives() throws Exception {
    create("long-poll", 1, Map.of());
    CompletableFuture<FetchResponse> waiting = CompletableFuture.supplyAsync(() -> fetch("long-poll", 0, 0, 20_000));
    // The fetch is parked in the leader; the produce must wake it long before 20 s.
    produce("long-poll", 0, Batches.of("late"));
    FetchResponse response = waiting.get(15, TimeUnit.SECONDS);
    assertEquals(List.of("0:late"), Batches.values(response.getRecords(), 0));
  }

  @Test
  void emptyFetchAtTheEndReturnsNothingAfterTheWait() {
    create("quiet", 1, Map.of());
    FetchResponse response = fetch("quiet", 0, 0, 50);
    assertTrue(response.getRecords().isEmpty());
    assertEquals(0, response.getHighWatermark());
  }

  @Test
  void listOffsetsFindsEarliestLatestAndByTimestamp() {
    create("offsets", 1, Map.of());
    produce("offsets", 0, Batches.of("x", "y"));
    assertEquals(0, consumer.listOffsets(ListOffsetsRequest.newBuilder().setTopic("offsets")
        .setSpec(OffsetSpec.EARLIEST).build()).getOffset());
    assertEquals(2, consumer.listOffsets(ListOffsetsRequest.newBuilder().setTopic("offsets")
        .setSpec(OffsetSpec.LATEST).build()).getOffset());
    assertEquals(0, consumer.listOffsets(ListOffsetsRequest.newBuilder().setTopic("offsets")
        .setTimestamp(0).build()).getOffset());
    assertEquals(-1, consumer.listOffsets(ListOffsetsRequest.newBuilder().setTopic("offsets")
        .setTimestamp(System.currentTimeMillis() + 3_600_000).build()).getOffset());
  }

  @Test
  void topicsAreListedDescribedAlteredAndDeleted() {
    create("lifecycle", 2, Map.of("retention.ms", "3600000"));
    produce("lifecycle", 0, Batches.of("one", "two"));
    assertTrue(admin.listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().contains("lifecycle"));

    TopicDescription described = admin.describeTopics(DescribeTopicsRequest.newBuilder().addNames("lifecycle").build())
        .getTopics(0);
    assertEquals(2, described.getPartitionsCount());
    PartitionDescription p0 = described.getPartitions(0);
    assertEquals(2, p0.getHighWatermark());
    assertEquals(0, p0.getLogStartOffset());
    assertTrue(p0.getSizeBytes() > 0);
    assertTrue(described.getConfigsList().stream()
        .anyMatch(c -> c.getName().equals("retention.ms") && c.getValue().equals("3600000") && c.getIsOverride()));

    TopicDescription altered = admin.alterTopicConfigs(AlterTopicConfigsRequest.newBuilder().setName("lifecycle")
        .putSet("retention.bytes", "1048576").addDelete("retention.ms").build()).getTopic();
    assertTrue(altered.getConfigsList().stream()
        .anyMatch(c -> c.getName().equals("retention.bytes") && c.getValue().equals("1048576") && c.getIsOverride()));
    assertTrue(altered.getConfigsList().stream()
        .anyMatch(c -> c.getName().equals("retention.ms") && !c.getIsOverride()));

    admin.deleteTopic(DeleteTopicRequest.newBuilder().setName("lifecycle").build());
    java.nio.file.Path partitionOneData = broker.dataDir().resolve("logs").resolve("lifecycle-1");
    assertEventually("the deleted topic's data is removed", java.time.Duration.ofSeconds(10),
        () -> !java.nio.file.Files.exists(partitionOneData));
    assertFalse(admin.listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().contains("lifecycle"));
    assertError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, Status.Code.NOT_FOUND, () -> fetch("lifecycle", 0, 0, 0));

    // Re-created under the same name, the topic starts empty.
    create("lifecycle", 1, Map.of());
    assertTrue(fetch("lifecycle", 0, 0, 0).getRecords().isEmpty());
    assertEquals(0, produce("lifecycle", 0, Batches.of("fresh")).getBaseOffset());
  }

  @Test
  void createPartitionsGrowsATopicWhoseNewPartitionsServeAtOnce() {
    create("growing", 2, Map.of());
    produce("growing", 0, Batches.of("before"));
    TopicDescription checked = admin.createPartitions(CreatePartitionsRequest.newBuilder().setName("growing")
        .setTotalCount(4).setValidateOnly(true).build()).getTopic();
    assertEquals(4, checked.getPartitionsCount());
    assertEquals(2, admin.metadata(MetadataRequest.newBuilder().addTopics("growing").build()).getTopics(0)
        .getPartitionsCount(), "validate_only adds nothing");

    TopicDescription grown = admin.createPartitions(CreatePartitionsRequest.newBuilder().setName("growing")
        .setTotalCount(4).build()).getTopic();
    assertEquals(4, grown.getPartitionsCount());
    assertEquals(List.of(0), grown.getPartitions(3).getReplicasList());
    assertEquals(0, produce("growing", 3, Batches.of("new")).getBaseOffset());
    assertEquals(List.of("0:new"), Batches.values(fetch("growing", 3, 0, 0).getRecords(), 0));
    assertEquals(List.of("0:before"), Batches.values(fetch("growing", 0, 0, 0).getRecords(), 0));
    assertEquals(4, admin.metadata(MetadataRequest.newBuilder().addTopics("growing").build()).getTopics(0)
        .getPartitionsCount());

    assertError(ErrorCode.INVALID_PARTITIONS, Status.Code.INVALID_ARGUMENT, () -> admin.createPartitions(
        CreatePartitionsRequest.newBuilder().setName("growing").setTotalCount(4).build()));
    assertError(ErrorCode.INVALID_PARTITIONS, Status.Code.INVALID_ARGUMENT, () -> admin.createPartitions(
        CreatePartitionsRequest.newBuilder().setName("growing").setTotalCount(1).build()));
    assertError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, Status.Code.NOT_FOUND, () -> admin.createPartitions(
        CreatePartitionsRequest.newBuilder().setName("no-such-topic").setTotalCount(3).build()));
  }

  @Test
  void clusterAndMetadataDescribeThisBroker() {
    var cluster = admin.describeCluster(DescribeClusterRequest.getDefaultInstance());
    assertEquals(1, cluster.getBrokersCount());
    assertEquals(broker.node().grpcPort(), cluster.getBrokers(0).getPort());
    assertEquals(0, cluster.getControllerId());
    create("meta", 4, Map.of());
    var metadata = admin.metadata(MetadataRequest.newBuilder().addTopics("meta").addTopics("no-such-topic").build());
    assertEquals(4, metadata.getTopics(0).getPartitionsCount());
    assertEquals(0, metadata.getTopics(0).getPartitions(3).getLeader());
    assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, metadata.getTopics(1).getError().getCode());
    assertTrue(metadata.getTopics(0).hasError(), "a described topic says it has no error");
    assertEquals(ErrorCode.NONE, metadata.getTopics(0).getError().getCode());
  }

  @Test
  void describeTopicsAnswersKnownTopicsAndAnErrorEntryForAnUnknownOne() {
    create("described", 2, Map.of());
    var described = admin.describeTopics(DescribeTopicsRequest.newBuilder()
        .addNames("no-such-topic").addNames("described").build());
    assertEquals(2, described.getTopicsCount());
    TopicDescription unknown = described.getTopics(0);
    assertEquals("no-such-topic", unknown.getName());
    assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, unknown.getError().getCode());
    assertEquals(0, unknown.getPartitionsCount());
    TopicDescription known = described.getTopics(1);
    assertEquals("described", known.getName());
    assertTrue(known.hasError());
    assertEquals(ErrorCode.NONE, known.getError().getCode());
    assertEquals(2, known.getPartitionsCount());
  }

  @Test
  void defaultFetchAndSubscribeAnswersFitTheUsualFourMebibyteClientLimit() {
    create("big-answers", 1, Map.of());
    int batches = 12;
    for (int i = 0; i < batches; i++) {
      produce("big-answers", 0, Batches.withValueSize(512 * 1024));
    }
    // grpc-java's default receive limit, 4 MiB, like grpc-js's and grpc-go's.
    ManagedChannel plain = ManagedChannelBuilder.forAddress("127.0.0.1", broker.node().grpcPort()).usePlaintext().build();
    try {
      var plainConsumer = ConsumerServiceGrpc.newBlockingStub(plain).withDeadlineAfter(30, TimeUnit.SECONDS);
      FetchResponse fetched = plainConsumer.fetch(FetchRequest.newBuilder().setTopic("big-answers").setOffset(0).build());
      assertFalse(fetched.getRecords().isEmpty());
      assertTrue(fetched.getRecords().size() <= PartitionRequests.DEFAULT_MAX_BYTES + 600 * 1024,
          "about the default max_bytes: " + fetched.getRecords().size());

      Iterator<SubscribeResponse> stream = plainConsumer.subscribe(SubscribeRequest.newBuilder()
          .setTopic("big-answers").setStart(OffsetSpec.EARLIEST).build());
      long next = 0;
      while (next < batches) {
        next = stream.next().getNextOffset();
      }
      assertEquals(batches, next);
    } finally {
      plain.shutdownNow();
    }
  }

  @Test
  void aSuccessfulProduceAnswerSaysItHasNoError() {
    create("no-error", 1, Map.of());
    ProduceResponse answer = produce("no-error", 0, Batches.of("fine"));
    assertTrue(answer.hasError());
    assertEquals(ErrorCode.NONE, answer.getError().getCode());
  }

  @Test
  void badRequestsGetClearErrorsAndTheBrokerKeepsServing() {
    create("errors", 1, Map.of("max.message.bytes", "2048"));
    assertError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, Status.Code.NOT_FOUND,
        () -> produce("missing-topic", 0, Batches.of("x")));
    assertError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, Status.Code.NOT_FOUND,
        () -> produce("errors", 7, Batches.of("x")));
    assertError(ErrorCode.INVALID_TOPIC_EXCEPTION, Status.Code.INVALID_ARGUMENT,
        () -> create("bad/name", 1, Map.of()));
    assertError(ErrorCode.INVALID_TOPIC_EXCEPTION, Status.Code.INVALID_ARGUMENT, () -> create("..", 1, Map.of()));
    assertError(ErrorCode.INVALID_TOPIC_EXCEPTION, Status.Code.INVALID_ARGUMENT,
        () -> create("x".repeat(250), 1, Map.of()));
    assertError(ErrorCode.INVALID_PARTITIONS, Status.Code.INVALID_ARGUMENT, () -> create("zero", 0, Map.of()));
    assertError(ErrorCode.INVALID_PARTITIONS, Status.Code.INVALID_ARGUMENT, () -> create("negative", -5, Map.of()));
    assertError(ErrorCode.INVALID_REPLICATION_FACTOR, Status.Code.INVALID_ARGUMENT,
        () -> admin.createTopic(CreateTopicRequest.newBuilder().setName("rf").setPartitions(1).setReplicationFactor(3).build()));
    assertError(ErrorCode.INVALID_CONFIG, Status.Code.INVALID_ARGUMENT,
        () -> create("bad-config", 1, Map.of("retention.ms", "soon")));
    assertError(ErrorCode.TOPIC_ALREADY_EXISTS, Status.Code.ALREADY_EXISTS, () -> create("errors", 1, Map.of()));

    StatusRuntimeException tooLarge = assertError(ErrorCode.RECORD_TOO_LARGE, Status.Code.INVALID_ARGUMENT,
        () -> produce("errors", 0, Batches.withValueSize(4096)));
    assertEquals("2048", ApiErrors.errorInfo(tooLarge).orElseThrow().getMetadataOrThrow("max_message_bytes"));
    assertError(ErrorCode.CORRUPT_MESSAGE, Status.Code.INVALID_ARGUMENT,
        () -> produce("errors", 0, ByteString.copyFromUtf8("definitely not a record batch")));
    assertError(ErrorCode.INVALID_REQUIRED_ACKS, Status.Code.INVALID_ARGUMENT,
        () -> producer.produce(ProduceRequest.newBuilder().setTopic("errors").setAcks(2).setRecords(Batches.of("x")).build()));

    produce("errors", 0, Batches.of("only"));
    StatusRuntimeException outOfRange = assertError(ErrorCode.OFFSET_OUT_OF_RANGE, Status.Code.OUT_OF_RANGE,
        () -> fetch("errors", 0, 42, 0));
    assertEquals("0", ApiErrors.errorInfo(outOfRange).orElseThrow().getMetadataOrThrow("log_start_offset"));
    assertEquals("1", ApiErrors.errorInfo(outOfRange).orElseThrow().getMetadataOrThrow("log_end_offset"));

    // None of that wrote anything or broke the partition.
    assertEquals(List.of("0:only"), Batches.values(fetch("errors", 0, 0, 0).getRecords(), 0));
  }

  @Test
  void garbageBytesOnTheGrpcPortDoNotHurtTheBroker() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", broker.node().grpcPort())) {
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] noise = new byte[64 * 1024];
      new java.util.Random(7).nextBytes(noise);
      out.write(noise);
      out.flush();
    } catch (java.net.SocketException closedByServer) {
      // The server may hang up mid-write: that is the right answer to garbage.
    }
    create("after-garbage", 1, Map.of());
    assertEquals(0, produce("after-garbage", 0, Batches.of("still serving")).getBaseOffset());
  }

  @Test
  void topicsAndRecordsSurviveARestart() throws Exception {
    try (TestBroker own = TestBroker.start(Map.of())) {
      var ownAdmin = AdminServiceGrpc.newBlockingStub(own.channel());
      ownAdmin.createTopic(CreateTopicRequest.newBuilder().setName("durable").setPartitions(2).setReplicationFactor(1).build());
      ProducerServiceGrpc.newBlockingStub(own.channel()).produce(ProduceRequest.newBuilder().setTopic("durable")
          .setPartition(1).setAcks(1).setRecords(Batches.of("kept", "also kept")).build());
      ownAdmin.createPartitions(CreatePartitionsRequest.newBuilder().setName("durable").setTotalCount(3).build());

      own.restart();

      assertEquals(3, AdminServiceGrpc.newBlockingStub(own.channel())
          .metadata(MetadataRequest.newBuilder().addTopics("durable").build()).getTopics(0).getPartitionsCount());

      assertEquals(List.of("durable"),
          AdminServiceGrpc.newBlockingStub(own.channel()).listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList());
      FetchResponse response = ConsumerServiceGrpc.newBlockingStub(own.channel()).fetch(FetchRequest.newBuilder()
          .setTopic("durable").setPartition(1).setOffset(0).build());
      assertEquals(List.of("0:kept", "1:also kept"), Batches.values(response.getRecords(), 0));
    }
  }
}
