package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.Caller;
import io.skein.server.TestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The data path's requests as the bytes a client sends, for what stock clients do not show:
 * retried idempotent batches, bad records, refused transactions, producer ids across a restart,
 * topic ids, KIP-74 limits, fetch sessions and every Metadata version.
 */
class KafkaDataPathRequestsTest {

  private static TestBroker broker;
  private static int correlationId;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
    for (String topic : List.of("raw", "two", "idempotent", "fenced")) {
      broker.node().broker().topics().createTopic(Caller.BROKER, topic, topic.equals("two") ? 2 : 1, 1, Map.of(), false)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static KafkaTestClient connect() throws IOException {
    return new KafkaTestClient(new InetSocketAddress("127.0.0.1", broker.node().kafkaPort()));
  }

  @SuppressWarnings("unchecked")
  private static <R extends ApiMessage> R call(KafkaTestClient client, ApiKeys key, short version, ApiMessage request)
      throws IOException {
    RequestHeader header = KafkaTestClient.header(key, version, ++correlationId);
    client.write(KafkaTestClient.frame(request, header));
    AbstractResponse response = client.receive(header);
    return (R) response.data();
  }

  private static ProduceRequestData produce(String topic, int partition, short acks, MemoryRecords records) {
    ProduceRequestData request = new ProduceRequestData().setAcks(acks).setTimeoutMs(10_000);
    ProduceRequestData.TopicProduceData data = new ProduceRequestData.TopicProduceData().setName(topic);
    data.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records));
    request.topicData().add(data);
    return request;
  }

  private static ProduceResponseData.PartitionProduceResponse produced(KafkaTestClient client, ProduceRequestData request)
      throws IOException {
    ProduceResponseData response = call(client, ApiKeys.PRODUCE, (short) 12, request);
    return response.responses().iterator().next().partitionResponses().get(0);
  }

  private static SimpleRecord[] records(int count) {
    SimpleRecord[] records = new SimpleRecord[count];
    for (int i = 0; i < count; i++) {
      records[i] = new SimpleRecord(("value-" + i).getBytes(StandardCharsets.UTF_8));
    }
    return records;
  }

  private static long newProducerId(KafkaTestClient client) throws IOException {
    InitProducerIdResponseData response = call(client, ApiKeys.INIT_PRODUCER_ID, (short) 5,
        new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000));
    assertEquals(Errors.NONE.code(), response.errorCode());
    assertEquals(0, response.producerEpoch());
    return response.producerId();
  }

  @Test
  void aRetriedIdempotentBatchGetsItsOriginalOffsetsAndAGapIsRefused() throws IOException {
    try (KafkaTestClient client = connect()) {
      long producerId = newProducerId(client);
      MemoryRecords first = MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0, 0, records(3));
      ProduceResponseData.PartitionProduceResponse stored = produced(client, produce("idempotent", 0, (short) -1, first));
      assertEquals(Errors.NONE.code(), stored.errorCode());
      first.buffer().rewind();
      ProduceResponseData.PartitionProduceResponse retried = produced(client, produce("idempotent", 0, (short) -1, first));
      assertEquals(Errors.NONE.code(), retried.errorCode());
      assertEquals(stored.baseOffset(), retried.baseOffset());

      MemoryRecords next = MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0, 3, records(2));
      assertEquals(stored.baseOffset() + 3, produced(client, produce("idempotent", 0, (short) 1, next)).baseOffset());

      MemoryRecords gap = MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0, 10, records(1));
      assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER.code(),
          produced(client, produce("idempotent", 0, (short) 1, gap)).errorCode());
    }
  }

  @Test
  void garbageRecordsAreRefusedAndTheConnectionKeepsServing() throws IOException {
    byte[] garbage = new byte[200];
    ThreadLocalRandom.current().nextBytes(garbage);
    try (KafkaTestClient client = connect()) {
      ProduceResponseData.PartitionProduceResponse refused =
          produced(client, produce("raw", 0, (short) 1, MemoryRecords.readableRecords(ByteBuffer.wrap(garbage))));
      assertTrue(refused.errorCode() == Errors.CORRUPT_MESSAGE.code()
          || refused.errorCode() == Errors.INVALID_RECORD.code(), "error " + Errors.forCode(refused.errorCode()));
      assertNotEquals(null, refused.errorMessage());

      ProduceResponseData.PartitionProduceResponse empty =
          produced(client, produce("raw", 0, (short) 1, MemoryRecords.EMPTY));
      assertEquals(Errors.CORRUPT_MESSAGE.code(), empty.errorCode());

      ProduceResponseData.PartitionProduceResponse stored =
          produced(client, produce("raw", 0, (short) 1, MemoryRecords.withRecords(Compression.NONE, records(2))));
      assertEquals(Errors.NONE.code(), stored.errorCode());
    }
  }

  @Test
  void anUnknownPartitionAndBadAcksAreAnsweredPerPartition() throws IOException {
    try (KafkaTestClient client = connect()) {
      assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), produced(client,
          produce("raw", 7, (short) 1, MemoryRecords.withRecords(Compression.NONE, records(1)))).errorCode());
      assertEquals(Errors.INVALID_REQUIRED_ACKS.code(), produced(client,
          produce("raw", 0, (short) 2, MemoryRecords.withRecords(Compression.NONE, records(1)))).errorCode());
    }
  }

  @Test
  void anUnansweredProduceThatFailsClosesTheConnection() throws IOException {
    try (KafkaTestClient client = connect()) {
      RequestHeader header = KafkaTestClient.header(ApiKeys.PRODUCE, (short) 12, ++correlationId);
      client.write(KafkaTestClient.frame(
          produce("not a topic name!", 0, (short) 0, MemoryRecords.withRecords(Compression.NONE, records(1))), header));
      client.assertClosedByListener();
    }
  }

  @Test
  void transactionsAreRefused() throws IOException {
    try (KafkaTestClient client = connect()) {
      InitProducerIdResponseData init = call(client, ApiKeys.INIT_PRODUCER_ID, (short) 5,
          new InitProducerIdRequestData().setTransactionalId("tx").setTransactionTimeoutMs(60_000));
      assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code(), init.errorCode());
      ProduceRequestData request = produce("raw", 0, (short) -1,
          MemoryRecords.withTransactionalRecords(Compression.NONE, 1L, (short) 0, 0, records(1)));
      request.setTransactionalId("tx");
      assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code(), produced(client, request).errorCode());
    }
  }

  @Test
  void producerIdsAreUniqueAcrossARestart() throws IOException {
    Set<Long> ids = new HashSet<>();
    try (KafkaTestClient client = connect()) {
      for (int i = 0; i < 5; i++) {
        assertTrue(ids.add(newProducerId(client)), "a new producer id each time: " + ids);
      }
    }
    broker.restart();
    try (KafkaTestClient client = connect()) {
      long afterRestart = newProducerId(client);
      assertTrue(ids.stream().allMatch(id -> id < afterRestart), afterRestart + " after " + ids);
    }
  }

  @Test
  void metadataIsAnsweredAtEveryVersion() throws IOException {
    Uuid topicId = TopicIds.toKafka(broker.node().broker().topics().topics().toCompletableFuture().join()
        .get("two").topicId());
    try (KafkaTestClient client = connect()) {
      for (short version = 0; version <= 13; version++) {
        MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(version < 4);
        request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("two"));
        MetadataResponseData response = call(client, ApiKeys.METADATA, version, request);
        assertEquals(1, response.brokers().size(), "v" + version);
        assertEquals(broker.node().kafkaPort(), response.brokers().iterator().next().port());
        MetadataResponseData.MetadataResponseTopic topic = response.topics().iterator().next();
        assertEquals(Errors.NONE.code(), topic.errorCode(), "v" + version);
        assertEquals(2, topic.partitions().size());
        assertEquals(broker.node().config().brokerId(), topic.partitions().get(0).leaderId());
        if (version >= 10) {
          assertEquals(topicId, topic.topicId());
        }
      }
    }
  }

  @Test
  void metadataByTopicId() throws IOException {
    Uuid topicId = TopicIds.toKafka(broker.node().broker().topics().topics().toCompletableFuture().join()
        .get("two").topicId());
    try (KafkaTestClient client = connect()) {
      MetadataRequestData request = new MetadataRequestData();
      request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(topicId));
      request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(Uuid.randomUuid()));
      MetadataResponseData response = call(client, ApiKeys.METADATA, (short) 12, request);
      List<MetadataResponseData.MetadataResponseTopic> topics = List.copyOf(response.topics());
      assertEquals("two", topics.get(0).name());
      assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), topics.get(1).errorCode());
    }
  }

  private static FetchRequestData fetch(int maxBytes, FetchRequestData.FetchTopic... topics) {
    FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
        .setMaxBytes(maxBytes).setSessionId(FetchMetadata.INVALID_SESSION_ID).setSessionEpoch(FetchMetadata.INITIAL_EPOCH);
    request.topics().addAll(List.of(topics));
    return request;
  }

  private static FetchRequestData.FetchTopic fetchTopic(String name, Uuid id, int... partitions) {
    FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setTopic(name).setTopicId(id);
    for (int partition : partitions) {
      topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(0)
          .setPartitionMaxBytes(1 << 20).setLogStartOffset(-1));
    }
    return topic;
  }

  @Test
  void fetchKeepsToTheRequestsByteLimitButAlwaysGivesOneBatch() throws IOException {
    try (KafkaTestClient client = connect()) {
      for (int partition = 0; partition < 2; partition++) {
        assertEquals(Errors.NONE.code(), produced(client,
            produce("two", partition, (short) 1, MemoryRecords.withRecords(Compression.NONE, records(5)))).errorCode());
      }
      FetchResponseData response = call(client, ApiKeys.FETCH, (short) 12, fetch(1, fetchTopic("two", Uuid.ZERO_UUID, 0, 1)));
      assertEquals(0, response.sessionId());
      List<FetchResponseData.PartitionData> partitions = response.responses().get(0).partitions();
      assertTrue(((MemoryRecords) partitions.get(0).records()).sizeInBytes() > 1, "the first batch, however large");
      assertEquals(0, ((MemoryRecords) partitions.get(1).records()).sizeInBytes(), "nothing past the limit");
      assertTrue(partitions.get(1).highWatermark() >= 5, "but the offsets all the same");
    }
  }

  /**
   * Fetched batches go out as spans of the segment files, each holding its file open until sent:
   * every way an answer's span goes unsent (past the byte limit, re-read by a long poll, a client
   * gone before its answer) must still let go of it, or a deleted topic's files stay open.
   */
  @Test
  void fetchesLetGoOfTheSegmentFilesTheyRead() throws Exception {
    broker.node().broker().topics().createTopic(Caller.BROKER, "dropped", 2, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    try (KafkaTestClient client = connect()) {
      for (int partition = 0; partition < 2; partition++) {
        assertEquals(Errors.NONE.code(), produced(client,
            produce("dropped", partition, (short) 1, MemoryRecords.withRecords(Compression.NONE, records(5)))).errorCode());
      }
      FetchResponseData all = call(client, ApiKeys.FETCH, (short) 12, fetch(1 << 20, fetchTopic("dropped", Uuid.ZERO_UUID, 0, 1)));
      assertTrue(all.responses().get(0).partitions().get(1).records().sizeInBytes() > 0);
      call(client, ApiKeys.FETCH, (short) 12, fetch(1, fetchTopic("dropped", Uuid.ZERO_UUID, 0, 1)));
      FetchResponseData longPoll = call(client, ApiKeys.FETCH, (short) 12,
          fetch(1 << 20, fetchTopic("dropped", Uuid.ZERO_UUID, 0, 1)).setMinBytes(1 << 20).setMaxWaitMs(50));
      assertTrue(longPoll.responses().get(0).partitions().get(0).records().sizeInBytes() > 0);
    }
    for (int i = 0; i < 20; i++) {
      try (KafkaTestClient gone = connect()) {
        gone.write(KafkaTestClient.frame(fetch(1 << 20, fetchTopic("dropped", Uuid.ZERO_UUID, 0, 1)),
            KafkaTestClient.header(ApiKeys.FETCH, (short) 12, ++correlationId)));
      }
    }
    assertTrue(openFilesOf("dropped").size() > 0, "the topic's segments are open while it exists");
    broker.node().broker().topics().deleteTopic(Caller.BROKER, "dropped").toCompletableFuture().get(30,
        TimeUnit.SECONDS);
    // Within seconds: a leaked span would hold its file until the collector finds it unreachable.
    assertEventually("every file of the deleted topic is closed", Duration.ofSeconds(5),
        () -> openFilesOf("dropped").isEmpty(), () -> "still open: " + openFilesOf("dropped"));
  }

  /** What this process has open in the directories of {@code topic}'s partitions (Linux). */
  private static List<String> openFilesOf(String topic) {
    List<String> open = new ArrayList<>();
    try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path descriptor : descriptors) {
        try {
          String target = Files.readSymbolicLink(descriptor).toString();
          if (target.contains("/" + topic + "-") && target.contains(".log")) {
            open.add(target);
          }
        } catch (IOException closedMeanwhile) {
          // A descriptor closed between the listing and the read is not open.
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return open;
  }

  @Test
  void fetchByTopicIdAndUnknownTopics() throws IOException {
    Uuid topicId = TopicIds.toKafka(broker.node().broker().topics().topics().toCompletableFuture().join()
        .get("raw").topicId());
    try (KafkaTestClient client = connect()) {
      FetchResponseData byId = call(client, ApiKeys.FETCH, (short) 18,
          fetch(1 << 20, fetchTopic(null, topicId, 0), fetchTopic(null, Uuid.randomUuid(), 0)));
      assertEquals(topicId, byId.responses().get(0).topicId());
      assertEquals(Errors.NONE.code(), byId.responses().get(0).partitions().get(0).errorCode());
      assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), byId.responses().get(1).partitions().get(0).errorCode());

      FetchResponseData byName = call(client, ApiKeys.FETCH, (short) 12, fetch(1 << 20, fetchTopic("missing", Uuid.ZERO_UUID, 0)));
      assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), byName.responses().get(0).partitions().get(0).errorCode());
    }
  }

  @Test
  void anIncrementalFetchNamesASessionThatDoesNotExist() throws IOException {
    try (KafkaTestClient client = connect()) {
      FetchRequestData request = fetch(1 << 20, fetchTopic("raw", Uuid.ZERO_UUID, 0)).setSessionId(5).setSessionEpoch(1);
      FetchResponseData response = call(client, ApiKeys.FETCH, (short) 12, request);
      assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(), response.errorCode());
    }
  }

  @Test
  void offsetForLeaderEpochAnswersWhereTheEpochEnds() throws IOException {
    try (KafkaTestClient client = connect()) {
      ProduceResponseData.PartitionProduceResponse stored = produced(client,
          produce("fenced", 0, (short) 1, MemoryRecords.withRecords(Compression.NONE, records(4))));
      int epoch = broker.node().broker().topics().topics().toCompletableFuture().join()
          .get("fenced").partitions().get(0).leaderEpoch();
      OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData().setReplicaId(-1);
      OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic =
          new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("fenced");
      topic.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
          .setPartition(0).setCurrentLeaderEpoch(epoch).setLeaderEpoch(epoch));
      request.topics().add(topic);
      OffsetForLeaderEpochResponseData response = call(client, ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) 4, request);
      OffsetForLeaderEpochResponseData.EpochEndOffset end = response.topics().iterator().next().partitions().get(0);
      assertEquals(Errors.NONE.code(), end.errorCode());
      assertEquals(epoch, end.leaderEpoch());
      assertEquals(stored.baseOffset() + 4, end.endOffset());
    }
  }

  @Test
  void requestsAtANewerLeaderEpochThanTheBrokerKnowsAreRefused() throws IOException {
    int epoch = broker.node().broker().topics().topics().toCompletableFuture().join()
        .get("raw").partitions().get(0).leaderEpoch();
    // Right after a (re)start the broker may not have heard the Controller's assignments yet.
    assertEventually("the broker knows the partition's leader epoch", Duration.ofSeconds(30),
        () -> broker.node().broker().partitions().leaderEpoch("raw", 0).equals(OptionalInt.of(epoch)));
    try (KafkaTestClient client = connect()) {
      FetchRequestData.FetchTopic current = fetchTopic("raw", Uuid.ZERO_UUID, 0);
      current.partitions().get(0).setCurrentLeaderEpoch(epoch);
      FetchResponseData answered = call(client, ApiKeys.FETCH, (short) 12, fetch(1 << 20, current));
      assertEquals(Errors.NONE.code(), answered.responses().get(0).partitions().get(0).errorCode());

      FetchRequestData.FetchTopic newer = fetchTopic("raw", Uuid.ZERO_UUID, 0);
      newer.partitions().get(0).setCurrentLeaderEpoch(epoch + 1);
      FetchResponseData refused = call(client, ApiKeys.FETCH, (short) 12, fetch(1 << 20, newer));
      assertEquals(Errors.UNKNOWN_LEADER_EPOCH.code(), refused.responses().get(0).partitions().get(0).errorCode());

      OffsetForLeaderEpochRequestData request = new OffsetForLeaderEpochRequestData().setReplicaId(-1);
      OffsetForLeaderEpochRequestData.OffsetForLeaderTopic topic =
          new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic("raw");
      topic.partitions().add(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition()
          .setPartition(0).setCurrentLeaderEpoch(epoch + 1).setLeaderEpoch(epoch));
      request.topics().add(topic);
      OffsetForLeaderEpochResponseData epochs = call(client, ApiKeys.OFFSET_FOR_LEADER_EPOCH, (short) 4, request);
      assertEquals(Errors.UNKNOWN_LEADER_EPOCH.code(),
          epochs.topics().iterator().next().partitions().get(0).errorCode());
    }
  }

  @Test
  void produceV13NamesTopicsById() throws IOException {
    Uuid topicId = TopicIds.toKafka(broker.node().broker().topics().topics().toCompletableFuture().join()
        .get("two").topicId());
    assertEventually("the broker knows the topic's id", Duration.ofSeconds(30),
        () -> broker.node().broker().topics().knownTopicById(TopicIds.toSkein(topicId)).isPresent());
    try (KafkaTestClient client = connect()) {
      ProduceRequestData request = produce("", 1, (short) 1, MemoryRecords.withRecords(Compression.NONE, records(2)));
      request.topicData().iterator().next().setTopicId(topicId);
      Uuid unknown = Uuid.randomUuid();
      ProduceRequestData.TopicProduceData other = new ProduceRequestData.TopicProduceData().setTopicId(unknown);
      other.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
          .setRecords(MemoryRecords.withRecords(Compression.NONE, records(1))));
      request.topicData().add(other);
      ProduceResponseData response = call(client, ApiKeys.PRODUCE, (short) 13, request);
      List<ProduceResponseData.TopicProduceResponse> topics = List.copyOf(response.responses());
      assertEquals(topicId, topics.get(0).topicId());
      assertEquals(Errors.NONE.code(), topics.get(0).partitionResponses().get(0).errorCode());
      assertEquals(unknown, topics.get(1).topicId());
      assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), topics.get(1).partitionResponses().get(0).errorCode());
    }
  }
}
