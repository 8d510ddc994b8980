package io.skein.client;

import static io.skein.testing.Eventually.assertEventually;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.proto.v1.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProducerTest {

  private FakeBroker broker;
  private final List<Producer<String, String>> producers = new ArrayList<>();

  @BeforeEach
  void startBroker() throws Exception {
    broker = new FakeBroker();
    broker.createTopic("t", 3);
  }

  @AfterEach
  void stop() {
    producers.forEach(p -> p.close(Duration.ZERO));
    broker.close();
  }

  private Producer<String, String> producer(Object... overrides) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", FakeBroker.bootstrap());
    for (int i = 0; i < overrides.length; i += 2) {
      config.put((String) overrides[i], overrides[i + 1]);
    }
    Producer<String, String> producer =
        new Producer<>(config, new StringSerializer(), new StringSerializer(), broker.channelFactory());
    producers.add(producer);
    return producer;
  }

  private static RecordMetadata await(java.util.concurrent.CompletionStage<RecordMetadata> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static SkeinException failure(java.util.concurrent.CompletionStage<RecordMetadata> stage) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10, TimeUnit.SECONDS));
    return assertInstanceOf(SkeinException.class, e.getCause());
  }

  @Test
  void everyCallNamesTheClientIdForTheBrokersQuotas() throws Exception {
    await(producer("client.id", "billing-app").send(new ProducerRecord<>("t", 0, null, "v")));
    await(producer().send(new ProducerRecord<>("t", 0, null, "v")));

    assertEquals(Set.of("billing-app", "skein-producer"), Set.copyOf(broker.clientIds));
  }

  @Test
  void sendCompletesWithOffsetsInOrder() throws Exception {
    Producer<String, String> producer = producer();
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sent.add(producer.send(new ProducerRecord<>("t", 1, "k" + i, "v" + i)).toCompletableFuture());
    }
    for (int i = 0; i < 10; i++) {
      RecordMetadata metadata = await(sent.get(i));
      assertEquals(new TopicPartition("t", 1), metadata.topicPartition());
      assertEquals(i, metadata.offset());
    }
    List<Record> stored = broker.records("t", 1);
    assertEquals(10, stored.size());
    assertEquals("v7", StandardCharsets.UTF_8.decode(stored.get(7).value()).toString());
  }

  @Test
  void keyedRecordsGoWhereKafkaPutsThem() throws Exception {
    Producer<String, String> producer = producer();
    for (int i = 0; i < 50; i++) {
      String key = "key-" + i;
      int expected = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 3;
      assertEquals(expected, await(producer.send(new ProducerRecord<>("t", key, "v"))).partition());
    }
  }

  @Test
  void fullBatchesAreSentWithoutWaitingForLinger() throws Exception {
    Producer<String, String> producer = producer("batch.size", 1024, "linger.ms", 60_000);
    String value = "x".repeat(100);
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      sent.add(producer.send(new ProducerRecord<>("t", 0, null, value)).toCompletableFuture());
    }
    // The first batch filled up long before linger.ms, so it went without a flush.
    assertEquals(0, await(sent.get(0)).offset());
    producer.flush();
    List<RecordBatch> batches = broker.batches("t", 0);
    assertTrue(batches.size() >= 9, "expected ~10 batches, got " + batches.size());
    for (RecordBatch batch : batches) {
      assertTrue(batch.sizeInBytes() <= 1024, "batch of " + batch.sizeInBytes() + " bytes");
    }
    assertEquals(100, broker.records("t", 0).size());
    assertEquals(batches.size(), broker.produceRequests.size());
  }

  @Test
  void lingerHoldsAPartialBatchUntilItExpiresOrAFlush() throws Exception {
    Producer<String, String> holding = producer("linger.ms", 60_000);
    CompletableFuture<RecordMetadata> held = holding.send(new ProducerRecord<>("t", 0, null, "a")).toCompletableFuture();
    assertThrows(TimeoutException.class, () -> held.get(300, TimeUnit.MILLISECONDS));
    assertTrue(broker.produceRequests.isEmpty());
    holding.flush();
    assertTrue(held.isDone());
    assertEquals(0, held.get().offset());

    Producer<String, String> lingering = producer("linger.ms", 200);
    long start = System.nanoTime();
    RecordMetadata metadata = await(lingering.send(new ProducerRecord<>("t", 0, null, "b")));
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));
    assertEquals(1, metadata.offset());
  }

  @Test
  void keylessRecordsFillABatchPerPartitionThenMove() throws Exception {
    broker.createTopic("spread", 4);
    Producer<String, String> producer = producer("batch.size", 512, "linger.ms", 60_000);
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      sent.add(producer.send(new ProducerRecord<>("spread", "value-" + "y".repeat(40))).toCompletableFuture());
    }
    producer.flush();
    int switches = 0;
    int previous = await(sent.get(0)).partition();
    java.util.Set<Integer> used = new java.util.HashSet<>();
    for (CompletableFuture<RecordMetadata> future : sent) {
      int partition = await(future).partition();
      used.add(partition);
      if (partition != previous) {
        switches++;
      }
      previous = partition;
    }
    int batches = 0;
    for (int p = 0; p < 4; p++) {
      batches += broker.batches("spread", p).size();
    }
    assertTrue(used.size() > 1, "keyless records all went to one partition");
    // The partition changes only when a batch is closed, so each run of records is whole batches.
    assertTrue(switches >= 1 && switches <= batches - 1, switches + " switches for " + batches + " batches");
  }

  @Test
  void retriableErrorIsRetriedAfterRefreshingMetadata() throws Exception {
    broker.produceErrors.add(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    Producer<String, String> producer = producer("retry.backoff.ms", 10);
    int metadataBefore = broker.metadataRequests.get();
    assertEquals(0, await(producer.send(new ProducerRecord<>("t", 2, "k", "v"))).offset());
    assertEquals(2, broker.produceRequests.size());
    assertTrue(broker.metadataRequests.get() > metadataBefore + 1, "metadata was not refreshed");
    assertEquals(1, broker.records("t", 2).size());
  }

  @Test
  void aFencedLeaderEpochIsRetriedAfterRefreshingMetadata() throws Exception {
    broker.produceErrors.add(ErrorCode.FENCED_LEADER_EPOCH);
    Producer<String, String> producer = producer("retry.backoff.ms", 10);
    int metadataBefore = broker.metadataRequests.get();
    assertEquals(0, await(producer.send(new ProducerRecord<>("t", 2, "k", "v"))).offset());
    assertEquals(2, broker.produceRequests.size());
    assertTrue(broker.metadataRequests.get() > metadataBefore + 1, "metadata was not refreshed");
    assertEquals(1, broker.records("t", 2).size());
  }

  @Test
  void eachPartitionGoesToItsLeaderAndFollowsALeaderChange() throws Exception {
    try (FakeBroker second = new FakeBroker()) {
      second.createTopic("t", 3);
      HostPort firstAddress = new HostPort("node-1", 9092);
      HostPort secondAddress = new HostPort("node-2", 9092);
      List<io.skein.proto.v1.BrokerDescription> cluster =
          List.of(
              io.skein.proto.v1.BrokerDescription.newBuilder().setId(1).setHost("node-1").setPort(9092).build(),
              io.skein.proto.v1.BrokerDescription.newBuilder().setId(2).setHost("node-2").setPort(9092).build());
      for (FakeBroker node : List.of(broker, second)) {
        node.clusterBrokers = cluster;
        node.leaders = partition -> partition == 1 ? 2 : 1;
      }
      Producer<String, String> producer =
          new Producer<>(
              Map.of("bootstrap.servers", "node-1:9092", "retry.backoff.ms", 10),
              new StringSerializer(),
              new StringSerializer(),
              FakeBroker.clusterChannelFactory(Map.of(firstAddress, broker, secondAddress, second)));
      producers.add(producer);
      await(producer.send(new ProducerRecord<>("t", 0, "k", "to-1")));
      await(producer.send(new ProducerRecord<>("t", 1, "k", "to-2")));
      assertEquals(1, broker.records("t", 0).size());
      assertEquals(0, broker.records("t", 1).size());
      assertEquals(1, second.records("t", 1).size());

      // Partition 0 moves to node 2: node 1 refuses, the client refreshes and follows.
      for (FakeBroker node : List.of(broker, second)) {
        node.leaders = partition -> partition == 2 ? 1 : 2;
      }
      broker.produceErrors.add(ErrorCode.NOT_LEADER_OR_FOLLOWER);
      assertEquals(0, await(producer.send(new ProducerRecord<>("t", 0, "k", "moved"))).offset());
      assertEquals(1, second.records("t", 0).size());
    }
  }

  @Test
  void brokenStreamIsReopenedAndTheBatchResent() throws Exception {
    broker.streamsToBreak.set(1);
    Producer<String, String> producer = producer("retry.backoff.ms", 10);
    assertEquals(0, await(producer.send(new ProducerRecord<>("t", 0, "k", "v"))).offset());
    assertEquals(2, broker.produceStreamsOpened.get());
    assertEquals(1, broker.records("t", 0).size());
  }

  @Test
  void nonRetriableErrorFailsWithItsCode() {
    broker.produceErrors.add(ErrorCode.CORRUPT_MESSAGE);
    Producer<String, String> producer = producer();
    SkeinException error = failure(producer.send(new ProducerRecord<>("t", 0, "k", "v")));
    assertEquals(ErrorCode.CORRUPT_MESSAGE, error.errorCode());
    assertFalse(error.retriable());
    assertEquals(1, broker.produceRequests.size());
  }

  @Test
  void deliveryTimeoutExpiresRetriedBatches() {
    for (int i = 0; i < 10_000; i++) {
      broker.produceErrors.add(ErrorCode.NOT_ENOUGH_REPLICAS);
    }
    Producer<String, String> producer =
        producer("delivery.timeout.ms", 400, "request.timeout.ms", 300, "linger.ms", 0, "retry.backoff.ms", 20);
    long start = System.nanoTime();
    SkeinException error = failure(producer.send(new ProducerRecord<>("t", 0, "k", "v")));
    assertEquals(ErrorCode.REQUEST_TIMED_OUT, error.errorCode());
    assertTrue(broker.produceRequests.size() > 1, "the batch should have been retried");
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
  }

  @Test
  void unansweredRequestTimesOutAndDeliveryTimeoutFailsIt() {
    broker.ignoreProduce = true;
    Producer<String, String> producer =
        producer("delivery.timeout.ms", 500, "request.timeout.ms", 200, "linger.ms", 0, "retry.backoff.ms", 10);
    SkeinException error = failure(producer.send(new ProducerRecord<>("t", 0, "k", "v")));
    assertEquals(ErrorCode.REQUEST_TIMED_OUT, error.errorCode());
    assertTrue(broker.produceStreamsOpened.get() >= 2, "a timed-out request should break its stream");
  }

  @Test
  void tooLargeRecordFailsWithoutBeingSent() {
    Producer<String, String> producer = producer("max.request.size", 1000);
    SkeinException error = failure(producer.send(new ProducerRecord<>("t", 0, "k", "z".repeat(2000))));
    assertEquals(ErrorCode.RECORD_TOO_LARGE, error.errorCode());
    assertTrue(broker.produceRequests.isEmpty());
  }

  @Test
  void fullBufferMemoryBlocksSendUpToMaxBlockMs() {
    broker.ignoreProduce = true;
    Producer<String, String> producer =
        producer("buffer.memory", 4096, "batch.size", 1024, "max.block.ms", 200, "linger.ms", 0);
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      sent.add(producer.send(new ProducerRecord<>("t", p, null, "x".repeat(900))).toCompletableFuture());
    }
    sent.add(producer.send(new ProducerRecord<>("t", 0, null, "x".repeat(900))).toCompletableFuture());
    // Four unacknowledged batch buffers hold all 4096 bytes: the next batch must wait, then give up.
    long start = System.nanoTime();
    SkeinException error = failure(producer.send(new ProducerRecord<>("t", 1, null, "x".repeat(900))));
    assertEquals(ErrorCode.REQUEST_TIMED_OUT, error.errorCode());
    assertTrue(error.getMessage().contains("buffer.memory"), error.getMessage());
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));
    assertFalse(sent.get(0).isDone());
  }

  @Test
  void unknownTopicAndPartitionFail() {
    Producer<String, String> producer = producer();
    assertEquals(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        failure(producer.send(new ProducerRecord<>("missing", "v"))).errorCode());
    assertEquals(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        failure(producer.send(new ProducerRecord<>("t", 3, "k", "v"))).errorCode());
  }

  @Test
  void acksZeroCompletesOnSendWithoutOffset() throws Exception {
    Producer<String, String> producer = producer("acks", "0");
    RecordMetadata metadata = await(producer.send(new ProducerRecord<>("t", 0, "k", "v")));
    assertEquals(-1, metadata.offset());
    assertEventually("request arrives", Duration.ofSeconds(5), () -> !broker.produceRequests.isEmpty());
    assertEquals(0, broker.produceRequests.get(0).getAcks());
  }

  @Test
  void closeSendsWhatIsQueuedAndRejectsNewSends() throws Exception {
    Producer<String, String> producer = producer("linger.ms", 60_000);
    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(producer.send(new ProducerRecord<>("t", "k" + i, "v")).toCompletableFuture());
    }
    producer.close();
    for (CompletableFuture<RecordMetadata> future : sent) {
      assertTrue(future.isDone() && !future.isCompletedExceptionally());
    }
    assertThrows(IllegalStateException.class, () -> producer.send(new ProducerRecord<>("t", "v")));
  }

  @Test
  void closeWithoutTimeFailsUnsentRecords() {
    broker.ignoreProduce = true;
    Producer<String, String> producer = producer("linger.ms", 0);
    var pending = producer.send(new ProducerRecord<>("t", 0, "k", "v"));
    producer.close(Duration.ZERO);
    failure(pending);
  }

  @Test
  void badConfigsAreRejectedByName() {
    var error = assertThrows(IllegalArgumentException.class, () -> producer("acks", "2"));
    assertTrue(error.getMessage().contains("acks"));
    error = assertThrows(IllegalArgumentException.class, () -> producer("compression.type", "brotli"));
    assertTrue(error.getMessage().contains("compression.type"));
    error = assertThrows(IllegalArgumentException.class, () -> producer("linger.ms", "soon"));
    assertTrue(error.getMessage().contains("linger.ms"));
    error = assertThrows(IllegalArgumentException.class, () -> producer("bootstrap.servers", "nohost"));
    assertTrue(error.getMessage().contains("host:port"));
  }
}
