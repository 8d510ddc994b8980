package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.Caller;
import io.skein.server.TestBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stock kafka-clients 4.4 producers and consumers against a broker's Kafka listener: Metadata,
 * Produce (every acks, with and without idempotence, every compression, large batches, too large
 * records), Fetch, ListOffsets and InitProducerId.
 */
class KafkaClientsDataPathTest {

  private static TestBroker broker;
  private static Admin admin;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap()));
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static void createTopic(String name, int partitions) throws Exception {
    broker.node().broker().topics().createTopic(Caller.BROKER, name, partitions, 1, Map.of(), false)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static KafkaProducer<String, String> producer(Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(extra);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(extra);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
  }

  /** Polls until {@code count} records came, failing after a deadline. */
  private static <V> List<ConsumerRecord<String, V>> pollFor(KafkaConsumer<String, V> consumer, int count) {
    List<ConsumerRecord<String, V>> records = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (records.size() < count && System.nanoTime() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    assertEquals(count, records.size(), "records consumed before the deadline");
    return records;
  }

  @Test
  void metadataDescribesTheClusterAndTopicsWithIds() throws Exception {
    createTopic("described", 3);
    TopicDescription described = admin.describeTopics(List.of("described")).allTopicNames().get().get("described");
    assertEquals(3, described.partitions().size());
    int brokerId = broker.node().config().brokerId();
    described.partitions().forEach(p -> {
      assertEquals(brokerId, p.leader().id());
      assertEquals(broker.node().kafkaPort(), p.leader().port());
      assertEquals(List.of(brokerId), p.isr().stream().map(n -> n.id()).toList());
    });
    String topicId = broker.node().broker().topics().topics().toCompletableFuture().get().get("described").topicId();
    assertEquals(topicId, TopicIds.toSkein(described.topicId()));
    assertEquals(broker.node().broker().topics().describeCluster().clusterId(),
        admin.describeCluster().clusterId().get());
  }

  @Test
  void metadataForAnUnknownTopicIsAnErrorWhenAutoCreationIsNotAllowed() {
    ExecutionException failed = assertThrows(ExecutionException.class,
        () -> admin.describeTopics(List.of("no-such-topic")).allTopicNames().get());
    assertTrue(failed.getCause() instanceof UnknownTopicOrPartitionException, failed.toString());
  }

  @Test
  void producingToAMissingTopicCreatesIt() throws Exception {
    try (KafkaProducer<String, String> producer = producer(Map.of())) {
      RecordMetadata stored = producer.send(new ProducerRecord<>("auto-created", "k", "v")).get(30, TimeUnit.SECONDS);
      assertEquals(0, stored.offset());
    }
    assertTrue(broker.node().broker().topics().topics().toCompletableFuture().get().containsKey("auto-created"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "all"})
  void producesWithEveryAcksAndConsumesWithAssignAndSeek(String acks) throws Exception {
    String topic = "acks-" + acks;
    createTopic(topic, 1);
    Map<String, Object> config = new HashMap<>(Map.of(ProducerConfig.ACKS_CONFIG, acks));
    if (!acks.equals("all")) {
      config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    }
    try (KafkaProducer<String, String> producer = producer(config)) {
      for (int i = 0; i < 20; i++) {
        RecordMetadata stored = producer.send(new ProducerRecord<>(topic, 0, "key-" + i, "value-" + i)).get();
        if (!acks.equals("0")) {
          assertEquals(i, stored.offset());
        }
      }
    }
    try (KafkaConsumer<String, String> consumer = consumer(Map.of())) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seek(partition, 5);
      List<ConsumerRecord<String, String>> records = pollFor(consumer, 15);
      for (int i = 0; i < 15; i++) {
        assertEquals(5 + i, records.get(i).offset());
        assertEquals("key-" + (5 + i), records.get(i).key());
        assertEquals("value-" + (5 + i), records.get(i).value());
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"none,true", "none,false", "gzip,true", "gzip,false", "snappy,true", "snappy,false", "lz4,true",
      "lz4,false", "zstd,true", "zstd,false"})
  void everyCompressionWithAndWithoutIdempotenceReadsBackByteExactWithHeaders(String compression, boolean idempotent)
      throws Exception {
    String topic = "compressed-" + compression + "-" + idempotent;
    createTopic(topic, 2);
    Map<String, Object> config = new HashMap<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap(),
        ProducerConfig.COMPRESSION_TYPE_CONFIG, compression, ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent));
    if (!idempotent) {
      config.put(ProducerConfig.ACKS_CONFIG, "1");
    }
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
        new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, i % 2, "k" + i, value(i));
        record.headers().add("index", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        record.headers().add("binary", value(-i));
        sent.add(producer.send(record));
      }
      for (Future<RecordMetadata> future : sent) {
        future.get(30, TimeUnit.SECONDS);
      }
    }
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap()), new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<ConsumerRecord<String, byte[]>> records = pollFor(consumer, 200);
      for (ConsumerRecord<String, byte[]> record : records) {
        int index = Integer.parseInt(record.key().substring(1));
        assertEquals(index % 2, record.partition());
        assertArrayEquals(value(index), record.value());
        assertArrayEquals(Integer.toString(index).getBytes(StandardCharsets.UTF_8),
            record.headers().lastHeader("index").value());
        assertArrayEquals(value(-index), record.headers().lastHeader("binary").value());
      }
    }
  }

  /** Arbitrary bytes, the same for the same seed; compressible enough for codecs to shrink them. */
  private static byte[] value(int seed) {
    byte[] bytes = new byte[300];
    new Random(seed).nextBytes(bytes);
    Arrays.fill(bytes, 100, 300, (byte) seed);
    return bytes;
  }

  @Test
  void largeBatchesFromLingerAndBatchSizeArriveWhole() throws Exception {
    createTopic("large-batches", 2);
    int count = 5_000;
    try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 200,
        ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"))) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        sent.add(producer.send(new ProducerRecord<>("large-batches", i % 2, "k" + i, "value-" + i + "-" + "x".repeat(200))));
      }
      for (int i = 0; i < count; i++) {
        assertEquals(i / 2, sent.get(i).get(30, TimeUnit.SECONDS).offset(), "offset of record " + i);
      }
    }
    try (KafkaConsumer<String, String> consumer = consumer(Map.of())) {
      List<TopicPartition> partitions = List.of(new TopicPartition("large-batches", 0),
          new TopicPartition("large-batches", 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<ConsumerRecord<String, String>> records = pollFor(consumer, count);
      for (ConsumerRecord<String, String> record : records) {
        int index = Integer.parseInt(record.key().substring(1));
        assertEquals(index / 2, record.offset());
        assertEquals("value-" + index + "-" + "x".repeat(200), record.value());
      }
    }
  }

  @Test
  void aRecordOverTheTopicsMaxMessageBytesIsRecordTooLarge() throws Exception {
    broker.node().broker().topics().createTopic(Caller.BROKER, "small-records", 1, 1, Map.of("max.message.bytes",
        "10000"), false)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.RETRIES_CONFIG, 0))) {
      producer.send(new ProducerRecord<>("small-records", 0, "k", "fits")).get(30, TimeUnit.SECONDS);
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> producer.send(new ProducerRecord<>("small-records", 0, "k", "x".repeat(20_000))).get(30, TimeUnit.SECONDS));
      assertInstanceOf(RecordTooLargeException.class, refused.getCause());
      assertEquals(1, producer.send(new ProducerRecord<>("small-records", 0, "k", "still works")).get(30, TimeUnit.SECONDS)
          .offset());
    }
  }

  /** Sends every record to the last partition. */
  public static final class LastPartition implements Partitioner {
    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
      List<PartitionInfo> partitions = cluster.partitionsForTopic(topic);
      return partitions.size() - 1;
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  @Test
  void customPartitionerSeesAllPartitionsFromMetadata() throws Exception {
    createTopic("partitioned", 4);
    try (KafkaProducer<String, String> producer = producer(Map.of(
        ProducerConfig.PARTITIONER_CLASS_CONFIG, LastPartition.class.getName()))) {
      assertEquals(3, producer.send(new ProducerRecord<>("partitioned", "k", "v")).get().partition());
    }
  }

  @Test
  void offsetsByTimeAndBeginningAndEnd() throws Exception {
    createTopic("timed", 1);
    TopicPartition partition = new TopicPartition("timed", 0);
    long base = System.currentTimeMillis() - 100_000;
    try (KafkaProducer<String, String> producer = producer(Map.of())) {
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>("timed", 0, base + i * 1000L, "k" + i, "v" + i)).get();
      }
      // Timestamps need not grow: the largest stays that of offset 9.
      producer.send(new ProducerRecord<>("timed", 0, base, "late", "late")).get();
    }
    try (KafkaConsumer<String, String> consumer = consumer(Map.of())) {
      assertEquals(Map.of(partition, 0L), consumer.beginningOffsets(List.of(partition)));
      assertEquals(Map.of(partition, 11L), consumer.endOffsets(List.of(partition)));
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(partition, base + 3500));
      assertEquals(4, found.get(partition).offset());
      assertEquals(base + 4000, found.get(partition).timestamp());
      Map<TopicPartition, OffsetAndTimestamp> none = consumer.offsetsForTimes(Map.of(partition, base + 100_000));
      assertEquals(null, none.get(partition));
    }
    ListOffsetsResultInfo latest = admin.listOffsets(Map.of(partition, OffsetSpec.maxTimestamp()))
        .partitionResult(partition).get();
    assertEquals(9, latest.offset());
    assertEquals(base + 9000, latest.timestamp());
  }

  @Test
  void fetchOutOfRangeResetsByThePolicy() throws Exception {
    createTopic("reset", 1);
    TopicPartition partition = new TopicPartition("reset", 0);
    try (KafkaProducer<String, String> producer = producer(Map.of())) {
      for (int i = 0; i < 3; i++) {
        producer.send(new ProducerRecord<>("reset", 0, "k" + i, "v" + i)).get();
      }
    }
    try (KafkaConsumer<String, String> consumer = consumer(Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
      consumer.assign(List.of(partition));
      consumer.seek(partition, 1_000);
      List<ConsumerRecord<String, String>> records = pollFor(consumer, 3);
      assertEquals(0, records.get(0).offset());
    }
  }

  @Test
  void longPollAnswersWhenRecordsArrive() throws Exception {
    createTopic("long-poll", 2);
    try (KafkaConsumer<String, String> consumer = consumer(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5_000));
        KafkaProducer<String, String> producer = producer(Map.of())) {
      List<TopicPartition> partitions = List.of(new TopicPartition("long-poll", 0), new TopicPartition("long-poll", 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      assertTrue(consumer.poll(Duration.ofMillis(300)).isEmpty());
      producer.send(new ProducerRecord<>("long-poll", 1, "k", "v")).get();
      long start = System.nanoTime();
      ConsumerRecords<String, String> records = ConsumerRecords.empty();
      while (records.isEmpty() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4)) {
        records = consumer.poll(Duration.ofSeconds(4));
      }
      assertEquals(1, records.count());
      // Before the 5 s fetch wait ran out: the waiting fetch was answered when the record came.
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "answered within the wait");
    }
  }
}
