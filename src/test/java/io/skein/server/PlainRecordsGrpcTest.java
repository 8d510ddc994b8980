package io.skein.server;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.Compression;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.Credit;
import io.skein.proto.v1.CreditSubscribeRequest;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.FetchPartitionsRequest;
import io.skein.proto.v1.FetchPartitionsResponse;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.Header;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.ProducePartitionsRequest;
import io.skein.proto.v1.ProducePartitionsResponse;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.proto.v1.Record;
import io.skein.proto.v1.RecordFormat;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import io.skein.server.grpc.SubscribeStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.compress.Compression.Builder;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Plain records, several partitions per request, and credit-based Subscribe, over gRPC. */
class PlainRecordsGrpcTest {

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

  static void create(String name, int partitions, Map<String, String> configs) {
    admin.createTopic(CreateTopicRequest.newBuilder().setName(name).setPartitions(partitions)
        .setReplicationFactor(1).putAllConfigs(configs).build());
  }

  static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }

  static Record value(String value) {
    return Record.newBuilder().setValue(bytes(value)).build();
  }

  static ProduceRequest.Builder plain(String topic, int partition, Record... records) {
    return ProduceRequest.newBuilder().setTopic(topic).setPartition(partition).setAcks(-1)
        .addAllPlainRecords(List.of(records));
  }

  static FetchResponse fetchPlain(String topic, int partition, long offset) {
    return consumer.fetch(FetchRequest.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset)
        .setFormat(RecordFormat.RECORD_FORMAT_PLAIN).build());
  }

  static List<String> values(List<Record> records) {
    return records.stream().map(r -> r.getOffset() + ":" + r.getValue().toStringUtf8()).toList();
  }

  static ErrorCode reason(StatusRuntimeException e) {
    return ErrorCode.valueOf(ApiErrors.errorInfo(e).orElseThrow().getReason());
  }

  @ParameterizedTest
  @EnumSource(value = Compression.class, names = "UNRECOGNIZED", mode = EnumSource.Mode.EXCLUDE)
  void plainRecordsAreStoredInOneBatchOfTheAskedCompressionAndReadBackAsTheyWereSent(Compression compression) {
    String topic = "plain-" + compression.name().toLowerCase().replace('_', '-');
    create(topic, 1, Map.of());
    Record full = Record.newBuilder().setKey(bytes("k1")).setValue(bytes("v1")).setTimestamp(1_700_000_000_000L)
        .addHeaders(Header.newBuilder().setKey("h").setValue(bytes("x")))
        .addHeaders(Header.newBuilder().setKey("h"))
        .build();
    Record emptyKeyNullValue = Record.newBuilder().setKey(ByteString.EMPTY).build();
    Record valueOnly = value("v3");
    long before = System.currentTimeMillis();
    ProduceResponse produced = producer.produce(plain(topic, 0, full, emptyKeyNullValue, valueOnly)
        .setCompression(compression).build());
    assertEquals(0, produced.getBaseOffset());
    assertEquals(2, produced.getLastOffset());
    assertEquals(ErrorCode.NONE, produced.getError().getCode());

    FetchResponse raw = consumer.fetch(FetchRequest.newBuilder().setTopic(topic).setPartition(0).build());
    List<RecordBatch> batches = new ArrayList<>();
    MemoryRecords.readableRecords(raw.getRecords().asReadOnlyByteBuffer()).batches().forEach(batches::add);
    assertEquals(1, batches.size());
    assertEquals(compression.name().substring("COMPRESSION_".length()), batches.get(0).compressionType().name());
    assertTrue(raw.getPlainRecordsList().isEmpty(), "raw batches are the default");

    List<Record> read = fetchPlain(topic, 0, 0).getPlainRecordsList();
    assertEquals(3, read.size());
    assertEquals(full.toBuilder().setOffset(0).build(), read.get(0));
    assertEquals(Record.newBuilder().setOffset(1).setKey(ByteString.EMPTY).setTimestamp(read.get(1).getTimestamp())
        .build(), read.get(1));
    assertFalse(read.get(1).hasValue(), "an absent value is Kafka's null");
    assertFalse(read.get(2).hasKey(), "an absent key is Kafka's null");
    assertTrue(read.get(2).getTimestamp() >= before, "timestamp 0 is the time the broker packed the batch");
    assertTrue(fetchPlain(topic, 0, 0).getRecords().isEmpty(), "plain reads carry no batches");
  }

  @Test
  void aTopicsCompressionTypeDecidesHowPlainRecordsAreStored() {
    create("plain-topic-zstd", 1, Map.of("compression.type", "zstd"));
    producer.produce(plain("plain-topic-zstd", 0, value("a"), value("b")).build());
    FetchResponse raw = consumer.fetch(FetchRequest.newBuilder().setTopic("plain-topic-zstd").setPartition(0).build());
    List<RecordBatch> batches = new ArrayList<>();
    MemoryRecords.readableRecords(raw.getRecords().asReadOnlyByteBuffer()).batches().forEach(batches::add);
    assertEquals(List.of("ZSTD"), batches.stream().map(batch -> batch.compressionType().name()).toList());
    assertEquals(List.of("0:a", "1:b"), values(fetchPlain("plain-topic-zstd", 0, 0).getPlainRecordsList()));
  }

  @ParameterizedTest
  @EnumSource(value = CompressionType.class)
  void batchesWrittenByAKafkaClientAreReadAsPlainRecordsFromTheAskedOffset(CompressionType type) {
    String topic = "kafka-written-" + type.name;
    create(topic, 1, Map.of());
    SimpleRecord[] records = new SimpleRecord[5];
    for (int i = 0; i < records.length; i++) {
      records[i] = new SimpleRecord(1000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
          ("v" + i).getBytes(StandardCharsets.UTF_8),
          new org.apache.kafka.common.header.Header[] {new RecordHeader("n", new byte[] {(byte) i})});
    }
    Builder<?> compression = org.apache.kafka.common.compress.Compression.of(type);
    ByteBuffer batch = MemoryRecords.withRecords(compression.build(), records).buffer();
    producer.produce(ProduceRequest.newBuilder().setTopic(topic).setAcks(-1).setRecords(ByteString.copyFrom(batch))
        .build());

    List<Record> read = fetchPlain(topic, 0, 2).getPlainRecordsList();
    assertEquals(List.of("2:v2", "3:v3", "4:v4"), values(read), "records below the asked offset are left out");
    assertEquals(bytes("k3"), read.get(1).getKey());
    assertEquals(1003L, read.get(1).getTimestamp());
    assertEquals(Header.newBuilder().setKey("n").setValue(ByteString.copyFrom(new byte[] {3})).build(),
        read.get(1).getHeaders(0));
  }

  @Test
  void badPlainProducesAreRefusedWithTheirReason() {
    create("plain-refused", 1, Map.of());
    create("plain-compacted", 1, Map.of("cleanup.policy", "compact"));
    StatusRuntimeException negative = assertThrows(StatusRuntimeException.class, () -> producer.produce(
        plain("plain-refused", 0, value("a").toBuilder().setTimestamp(-5).build()).build()));
    assertEquals(ErrorCode.INVALID_REQUEST, reason(negative));
    StatusRuntimeException both = assertThrows(StatusRuntimeException.class, () -> producer.produce(
        plain("plain-refused", 0, value("a")).setRecords(Batches.of("b")).build()));
    assertEquals(ErrorCode.INVALID_REQUEST, reason(both));
    StatusRuntimeException keyless = assertThrows(StatusRuntimeException.class, () -> producer.produce(
        plain("plain-compacted", 0, value("no key")).build()));
    assertEquals(ErrorCode.CORRUPT_MESSAGE, reason(keyless));
    StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> producer.produce(
        plain("plain-nowhere", 0, value("a")).build()));
    assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, reason(unknown));
  }

  @Test
  void produceAndFetchPartitionsAnswerEveryEntryInRequestOrderWithItsOwnError() {
    create("multi", 3, Map.of());
    ProducePartitionsResponse produced = producer.producePartitions(ProducePartitionsRequest.newBuilder()
        .addPartitions(plain("multi", 2, value("c0"), value("c1")).setCorrelationId(7))
        .addPartitions(plain("multi-absent", 0, value("x")))
        .addPartitions(ProduceRequest.newBuilder().setTopic("multi").setPartition(0).setAcks(1)
            .setRecords(Batches.of("a0")))
        .addPartitions(plain("multi", 9, value("x")))
        .build());
    assertEquals(List.of(2, 0, 0, 9), produced.getPartitionsList().stream().map(ProduceResponse::getPartition).toList());
    assertEquals(List.of(ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NONE,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
        produced.getPartitionsList().stream().map(p -> p.getError().getCode()).toList());
    assertEquals(7, produced.getPartitions(0).getCorrelationId());
    assertEquals(1, produced.getPartitions(0).getLastOffset());
    assertEquals(-1, produced.getPartitions(1).getBaseOffset());

    FetchPartitionsResponse fetched = consumer.fetchPartitions(FetchPartitionsRequest.newBuilder()
        .addPartitions(FetchRequest.newBuilder().setTopic("multi").setPartition(2).setOffset(1))
        .addPartitions(FetchRequest.newBuilder().setTopic("multi").setPartition(9))
        .addPartitions(FetchRequest.newBuilder().setTopic("multi").setPartition(0))
        .addPartitions(FetchRequest.newBuilder().setTopic("multi").setPartition(1))
        .setFormat(RecordFormat.RECORD_FORMAT_PLAIN)
        .build());
    List<FetchResponse> answers = fetched.getPartitionsList();
    assertEquals(List.of(2, 9, 0, 1), answers.stream().map(FetchResponse::getPartition).toList());
    assertEquals(List.of("1:c1"), values(answers.get(0).getPlainRecordsList()));
    assertEquals(2, answers.get(0).getHighWatermark());
    assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, answers.get(1).getError().getCode());
    assertEquals(List.of("0:a0"), values(answers.get(2).getPlainRecordsList()));
    assertEquals(ErrorCode.NONE, answers.get(3).getError().getCode());
    assertTrue(answers.get(3).getPlainRecordsList().isEmpty());
  }

  @Test
  void fetchPartitionsKeepsToTheAnswerLimitButAlwaysAnswersTheFirstPartitionWithRecords() {
    create("multi-limit", 2, Map.of());
    producer.produce(ProduceRequest.newBuilder().setTopic("multi-limit").setPartition(0).setAcks(1)
        .setRecords(Batches.withValueSize(3000)).build());
    producer.produce(ProduceRequest.newBuilder().setTopic("multi-limit").setPartition(1).setAcks(1)
        .setRecords(Batches.withValueSize(3000)).build());
    FetchPartitionsResponse fetched = consumer.fetchPartitions(FetchPartitionsRequest.newBuilder()
        .addPartitions(FetchRequest.newBuilder().setTopic("multi-limit").setPartition(0))
        .addPartitions(FetchRequest.newBuilder().setTopic("multi-limit").setPartition(1))
        .setMaxBytes(1000)
        .build());
    assertFalse(fetched.getPartitions(0).getRecords().isEmpty(), "the first partition's batch, though over the limit");
    assertTrue(fetched.getPartitions(1).getRecords().isEmpty(), "the second would go over the limit");
    assertEquals(1, fetched.getPartitions(1).getHighWatermark());
  }

  @Test
  void fetchPartitionsWaitsForTheFirstPartitionThatGetsData() throws Exception {
    create("multi-wait", 2, Map.of());
    CompletableFuture<FetchPartitionsResponse> answer = CompletableFuture.supplyAsync(() ->
        consumer.fetchPartitions(FetchPartitionsRequest.newBuilder()
            .addPartitions(FetchRequest.newBuilder().setTopic("multi-wait").setPartition(0))
            .addPartitions(FetchRequest.newBuilder().setTopic("multi-wait").setPartition(1))
            .setMaxWaitMs(60_000)
            .setFormat(RecordFormat.RECORD_FORMAT_PLAIN)
            .build()));
    assertEventually("the fetch waits in the leaders", Duration.ofSeconds(10), () -> {
      if (!answer.isDone()) {
        producer.produce(plain("multi-wait", 1, value("late")).build());
      }
      return answer.isDone();
    });
    FetchPartitionsResponse fetched = answer.get();
    assertTrue(fetched.getPartitions(0).getPlainRecordsList().isEmpty());
    assertEquals("late", fetched.getPartitions(1).getPlainRecords(0).getValue().toStringUtf8());
  }

  @Test
  void subscribeInPlainRecordsStartsAtTheAskedOffset() {
    create("plain-subscribe", 1, Map.of());
    producer.produce(plain("plain-subscribe", 0, value("a"), value("b"), value("c")).build());
    Iterator<SubscribeResponse> stream = ConsumerServiceGrpc.newBlockingStub(broker.channel())
        .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
        .subscribe(SubscribeRequest.newBuilder().setTopic("plain-subscribe").setOffset(1)
            .setFormat(RecordFormat.RECORD_FORMAT_PLAIN).build());
    SubscribeResponse first = stream.next();
    assertEquals(List.of("1:b", "2:c"), values(first.getPlainRecordsList()));
    assertEquals(3, first.getNextOffset());
    assertTrue(first.getRecords().isEmpty());
  }

  /** What a CreditSubscribe client has received, and its stream to grant more. */
  static final class CreditClient implements StreamObserver<SubscribeResponse> {
    final List<Record> records = Collections.synchronizedList(new ArrayList<>());
    final AtomicReference<Throwable> error = new AtomicReference<>();
    StreamObserver<CreditSubscribeRequest> requests;

    CreditClient(SubscribeRequest subscribe, Credit first) {
      requests = ConsumerServiceGrpc.newStub(broker.channel()).creditSubscribe(this);
      requests.onNext(CreditSubscribeRequest.newBuilder().setSubscribe(subscribe).setGrant(first).build());
    }

    void grant(long records, long bytes) {
      requests.onNext(CreditSubscribeRequest.newBuilder()
          .setGrant(Credit.newBuilder().setRecords(records).setBytes(bytes)).build());
    }

    @Override
    public void onNext(SubscribeResponse response) {
      records.addAll(response.getPlainRecordsList());
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {}
  }

  static SubscribeStream.Snapshot subscriptionOf(String topic) {
    return broker.node().grpc().subscriptions().stream().filter(s -> s.topic().equals(topic)).findFirst()
        .orElseThrow();
  }

  @Test
  void creditSubscribeNeverSendsMoreRecordsThanGranted() {
    create("credit", 1, Map.of());
    for (int i = 0; i < 4; i++) {
      producer.produce(plain("credit", 0, value(i + "a"), value(i + "b"), value(i + "c")).build());
    }
    CreditClient client = new CreditClient(SubscribeRequest.newBuilder().setTopic("credit")
        .setStart(OffsetSpec.EARLIEST).setFormat(RecordFormat.RECORD_FORMAT_PLAIN).build(),
        Credit.newBuilder().setRecords(4).build());
    assertEventually("the first grant's records arrive", Duration.ofSeconds(30), () -> client.records.size() == 4);
    assertEventually("the broker stops at the credit", Duration.ofSeconds(30),
        () -> subscriptionOf("credit").recordCredit() == 0 && !subscriptionOf("credit").readInFlight());
    assertEquals(4, client.records.size(), "no record beyond the credit");

    client.grant(5, 0);
    assertEventually("the next grant's records arrive", Duration.ofSeconds(30), () -> client.records.size() == 9);
    assertEventually("the broker stops at the credit again", Duration.ofSeconds(30),
        () -> subscriptionOf("credit").recordCredit() == 0 && !subscriptionOf("credit").readInFlight());
    assertEquals(9, client.records.size());
    assertEquals(List.of("0:0a", "1:0b", "2:0c", "3:1a", "4:1b", "5:1c", "6:2a", "7:2b", "8:2c"),
        values(client.records), "in order, none skipped or repeated across grants");
    client.requests.onError(new RuntimeException("done"));
  }

  @Test
  void creditSubscribeKeepsToTheGrantedBytes() {
    create("credit-bytes", 1, Map.of());
    producer.produce(plain("credit-bytes", 0, value("0123456789"), value("0123456789"), value("0123456789")).build());
    int recordSize = fetchPlain("credit-bytes", 0, 0).getPlainRecords(0).getSerializedSize();
    CreditClient client = new CreditClient(SubscribeRequest.newBuilder().setTopic("credit-bytes")
        .setStart(OffsetSpec.EARLIEST).setFormat(RecordFormat.RECORD_FORMAT_PLAIN).build(),
        Credit.newBuilder().setRecords(100).setBytes(2L * recordSize + recordSize / 2).build());
    assertEventually("two records fit the bytes", Duration.ofSeconds(30), () -> client.records.size() == 2);
    assertEventually("the third waits for more bytes", Duration.ofSeconds(30),
        () -> subscriptionOf("credit-bytes").nextOffset() == 2 && !subscriptionOf("credit-bytes").readInFlight());
    assertEquals(2, client.records.size());
    client.grant(0, recordSize);
    assertEventually("the third arrives once it fits", Duration.ofSeconds(30), () -> client.records.size() == 3);
    client.requests.onError(new RuntimeException("done"));
  }

  @Test
  void creditSubscribeRefusesRawBatchesAndAMissingSubscription() {
    create("credit-refused", 1, Map.of());
    CreditClient raw = new CreditClient(SubscribeRequest.newBuilder().setTopic("credit-refused").build(),
        Credit.newBuilder().setRecords(1).build());
    assertEventually("raw batches are refused", Duration.ofSeconds(30), () -> raw.error.get() != null);
    assertEquals(ErrorCode.INVALID_REQUEST, reason((StatusRuntimeException) raw.error.get()));

    CreditClient negative = new CreditClient(SubscribeRequest.newBuilder().setTopic("credit-refused")
        .setFormat(RecordFormat.RECORD_FORMAT_PLAIN).build(), Credit.newBuilder().setRecords(-1).build());
    assertEventually("negative credit is refused", Duration.ofSeconds(30), () -> negative.error.get() != null);
    assertEquals(ErrorCode.INVALID_REQUEST, reason((StatusRuntimeException) negative.error.get()));
  }
}
