package io.skein.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConsumerTest {

  private static final TopicPartition P0 = new TopicPartition("t", 0);

  private FakeBroker broker;
  private final List<AutoCloseable> clients = new ArrayList<>();

  @BeforeEach
  void startBroker() throws Exception {
    broker = new FakeBroker();
    broker.createTopic("t", 3);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable client : clients) {
      client.close();
    }
    broker.close();
  }

  private Consumer<String, String> consumer(Object... overrides) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", FakeBroker.bootstrap());
    config.put("fetch.max.wait.ms", 100);
    for (int i = 0; i < overrides.length; i += 2) {
      config.put((String) overrides[i], overrides[i + 1]);
    }
    Consumer<String, String> consumer =
        new Consumer<>(config, new StringDeserializer(), new StringDeserializer(), broker.channelFactory());
    clients.add(consumer);
    return consumer;
  }

  @Test
  void everyCallNamesTheClientIdForTheBrokersQuotas() {
    appendBatch(2, 0);
    Consumer<String, String> consumer = consumer("client.id", "reporting-app", "auto.offset.reset", "earliest");
    consumer.assign(List.of(new TopicPartition("t", 0)));

    assertEquals(2, pollUntil(consumer, 2).size());
    assertEquals(Set.of("reporting-app"), Set.copyOf(broker.clientIds));
  }

  /** Appends one batch of {@code count} records, timestamps 1000 + offset-in-batch. */
  private void appendBatch(int count, int firstValue) {
    SimpleRecord[] records = new SimpleRecord[count];
    for (int i = 0; i < count; i++) {
      records[i] = new SimpleRecord(1000L + firstValue + i, null, ("v" + (firstValue + i)).getBytes(StandardCharsets.UTF_8));
    }
    broker.append("t", 0, MemoryRecords.withRecords(Compression.NONE, records));
  }

  private static List<ConsumerRecord<String, String>> pollUntil(Consumer<String, String> consumer, int count) {
    List<ConsumerRecord<String, String>> received = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 10_000;
    while (received.size() < count && System.currentTimeMillis() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(received::add);
    }
    return received;
  }

  @ParameterizedTest
  @EnumSource(CompressionType.class)
  void everyCompressionTypeRoundTripsThroughTheBroker(CompressionType compression) {
    Map<String, Object> config = Map.of("bootstrap.servers", FakeBroker.bootstrap(), "compression.type", compression.name);
    Producer<String, String> producer =
        new Producer<>(config, new StringSerializer(), new StringSerializer(), broker.channelFactory());
    clients.add(producer);
    for (int i = 0; i < 300; i++) {
      List<Header> headers = List.of(new RecordHeader("h", ("hv" + i).getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>("t", null, 5_000L + i, "key-" + i, "value-" + i, headers));
    }
    producer.flush();
    for (int p = 0; p < 3; p++) {
      for (RecordBatch batch : broker.batches("t", p)) {
        assertEquals(compression, batch.compressionType());
      }
    }

    Consumer<String, String> consumer = consumer();
    List<TopicPartition> partitions = consumer.partitionsFor("t");
    assertEquals(3, partitions.size());
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    List<ConsumerRecord<String, String>> received = pollUntil(consumer, 300);
    assertEquals(300, received.size());
    Map<String, ConsumerRecord<String, String>> byKey = new HashMap<>();
    received.forEach(r -> byKey.put(r.key(), r));
    for (int i = 0; i < 300; i++) {
      ConsumerRecord<String, String> record = byKey.get("key-" + i);
      assertEquals("value-" + i, record.value());
      assertEquals(5_000L + i, record.timestamp());
      assertArrayEquals(("hv" + i).getBytes(StandardCharsets.UTF_8), record.headers().get(0).value());
    }
  }

  @Test
  void seekSkipsRecordsBelowThePositionInAFetchedBatch() {
    appendBatch(10, 0);
    Consumer<String, String> consumer = consumer();
    consumer.assign(List.of(P0));
    consumer.seek(P0, 5);
    assertEquals(5, consumer.position(P0));
    List<ConsumerRecord<String, String>> received = pollUntil(consumer, 5);
    assertEquals(List.of(5L, 6L, 7L, 8L, 9L), received.stream().map(ConsumerRecord::offset).toList());
    assertEquals("v5", received.get(0).value());
    assertEquals(10, consumer.position(P0));
  }

  /** The leader moved (or may have, when the broker did not answer): the fetch is retried with fresh metadata. */
  @ParameterizedTest
  @EnumSource(value = ErrorCode.class, names = {"FENCED_LEADER_EPOCH", "NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT"})
  void aFetchRefusedForLeadershipIsRetriedWithFreshMetadata(ErrorCode refusal) {
    appendBatch(10, 0);
    Consumer<String, String> consumer = consumer("retry.backoff.ms", 10);
    consumer.assign(List.of(P0));
    consumer.seek(P0, 0);
    assertEquals(10, pollUntil(consumer, 10).size());
    int metadataBefore = broker.metadataRequests.get();
    broker.fetchErrors.add(refusal);
    long deadline = System.currentTimeMillis() + 10_000;
    while (!broker.fetchErrors.isEmpty() && System.currentTimeMillis() < deadline) {
      assertTrue(consumer.poll(Duration.ofMillis(100)).isEmpty());
    }
    assertTrue(broker.fetchErrors.isEmpty(), "the next fetch was answered with the injected error");
    appendBatch(10, 10);
    List<ConsumerRecord<String, String>> received = pollUntil(consumer, 10);
    assertEquals(List.of(10L, "v10"), List.of(received.get(0).offset(), received.get(0).value()));
    assertTrue(broker.metadataRequests.get() > metadataBefore, "metadata was not refreshed");
  }

  @Test
  void maxPollRecordsBoundsEachPoll() {
    appendBatch(10, 0);
    Consumer<String, String> consumer = consumer("max.poll.records", 3);
    consumer.assign(List.of(P0));
    consumer.seek(P0, 0);
    List<Long> first = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 10_000;
    while (first.isEmpty() && System.currentTimeMillis() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(r -> first.add(r.offset()));
    }
    assertEquals(List.of(0L, 1L, 2L), first);
    ConsumerRecords<String, String> second = consumer.poll(Duration.ofSeconds(5));
    assertEquals(3, second.count());
    assertEquals(3L, second.records(P0).get(0).offset());
  }

  @Test
  void autoOffsetResetAppliesWhenThereIsNoPosition() {
    appendBatch(10, 0);
    Consumer<String, String> earliest = consumer("auto.offset.reset", "earliest");
    earliest.assign(List.of(P0));
    assertEquals(0, earliest.position(P0));

    Consumer<String, String> latest = consumer();
    latest.assign(List.of(P0));
    assertEquals(10, latest.position(P0));
    assertTrue(latest.poll(Duration.ofMillis(200)).isEmpty());

    Consumer<String, String> none = consumer("auto.offset.reset", "none");
    none.assign(List.of(P0));
    assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, assertThrows(SkeinException.class, () -> none.poll(Duration.ZERO)).errorCode());
  }

  @Test
  void offsetOutOfRangeResetsOrFails() {
    appendBatch(10, 0);
    appendBatch(10, 10);
    broker.deleteRecordsBefore("t", 0, 10);

    Consumer<String, String> resetting = consumer("auto.offset.reset", "earliest");
    resetting.assign(List.of(P0));
    resetting.seek(P0, 2);
    List<ConsumerRecord<String, String>> received = pollUntil(resetting, 10);
    assertEquals(10, received.get(0).offset());
    assertEquals("v10", received.get(0).value());

    Consumer<String, String> strict = consumer("auto.offset.reset", "none");
    strict.assign(List.of(P0));
    strict.seek(P0, 2);
    SkeinException error = assertThrows(SkeinException.class, () -> pollUntil(strict, 1));
    assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, error.errorCode());
    assertEquals("10", error.metadata().get("log_start_offset"));
  }

  @Test
  void offsetsForTimesAndSeekToTimestamp() {
    appendBatch(10, 0);
    Consumer<String, String> consumer = consumer();
    consumer.assign(List.of(P0));
    assertEquals(new OffsetAndTimestamp(4, 1004), consumer.offsetsForTimes(Map.of(P0, 1004L)).get(P0));
    assertNull(consumer.offsetsForTimes(Map.of(P0, 99_999L)).get(P0));
    consumer.seekToTimestamp(P0, 1007);
    assertEquals(7, consumer.position(P0));
    consumer.seekToTimestamp(P0, 99_999);
    assertEquals(10, consumer.position(P0));
    consumer.seekToBeginning(List.of(P0));
    assertEquals(0, consumer.position(P0));
  }

  @Test
  void pollReturnsRecordsThatArriveWhileAFetchWaits() {
    Consumer<String, String> consumer = consumer("fetch.max.wait.ms", 5_000);
    consumer.assign(List.of(P0));
    consumer.seekToEnd(List.of(P0));
    assertEquals(0, consumer.position(P0));
    // This poll leaves a long-poll fetch outstanding; the append completes it.
    assertTrue(consumer.poll(Duration.ofMillis(50)).isEmpty());
    appendBatch(2, 0);
    long start = System.nanoTime();
    List<ConsumerRecord<String, String>> received = pollUntil(consumer, 2);
    assertEquals(2, received.size());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(4).toNanos(), "the waiting fetch was not answered early");
  }

  @Test
  void pollWithoutAssignmentIsAnError() {
    Consumer<String, String> consumer = consumer();
    assertThrows(IllegalStateException.class, () -> consumer.poll(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> consumer("auto.offset.reset", "sometimes"));
  }
}
