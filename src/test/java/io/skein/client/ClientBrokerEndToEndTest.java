package io.skein.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.server.TestBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java client against a real in-process broker. */
class ClientBrokerEndToEndTest {

  static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  void afterPartitionsAreAddedKeysHashOverTheNewCountOnceMetadataIsRefreshed() throws Exception {
    int candidate = 0;
    while (Partitioner.partitionForKey(("key-" + candidate).getBytes(StandardCharsets.UTF_8), 2)
        == Partitioner.partitionForKey(("key-" + candidate).getBytes(StandardCharsets.UTF_8), 5)) {
      candidate++;
    }
    String key = "key-" + candidate;
    int before = Partitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), 2);
    int after = Partitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), 5);
    try (Admin admin = Admin.create(broker.bootstrap());
        Producer<String, String> producer = new Producer<>(
            Map.of("bootstrap.servers", broker.bootstrap(), "acks", "all", "metadata.max.age.ms", "0"),
            new StringSerializer(), new StringSerializer())) {
      admin.createTopic("growing-keys", 2, 1, Map.of());
      assertEquals(before, producer.send(new ProducerRecord<>("growing-keys", key, "v1")).toCompletableFuture()
          .get().partition());
      assertEquals(5, admin.createPartitions("growing-keys", 5).getPartitionsCount());
      assertEquals(after, producer.send(new ProducerRecord<>("growing-keys", key, "v2")).toCompletableFuture()
          .get().partition());
    }
  }

  @Test
  void keyedRecordsLandWhereKafkaWouldPutThemAndReadBackInOrder() throws Exception {
    int partitions = 6;
    int records = 30_000;
    try (Admin admin = Admin.create(broker.bootstrap())) {
      admin.createTopic("keyed", partitions, 1, Map.of());
    }
    List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
    try (Producer<String, String> producer = new Producer<>(
        Map.of("bootstrap.servers", broker.bootstrap(), "acks", "1", "compression.type", "lz4",
            "max.in.flight.requests.per.connection", "1"),
        new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < records; i++) {
        sends.add(producer.send(new ProducerRecord<>("keyed", "key-" + (i % 97), Integer.toString(i)))
            .toCompletableFuture());
      }
      producer.flush();
    }
    for (CompletableFuture<RecordMetadata> send : sends) {
      assertTrue(send.join().offset() >= 0);
    }

    Map<String, Integer> lastValueByKey = new HashMap<>();
    int read = 0;
    try (Consumer<String, String> consumer = new Consumer<>(
        Map.of("bootstrap.servers", broker.bootstrap(), "auto.offset.reset", "earliest"),
        new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> all = consumer.partitionsFor("keyed");
      assertEquals(partitions, all.size());
      consumer.assign(all);
      consumer.seekToBeginning(all);
      Instant deadline = Instant.now().plusSeconds(60);
      while (read < records) {
        assertTrue(Instant.now().isBefore(deadline), "read " + read + " of " + records + " in time");
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          int expectedPartition =
              Utils.toPositive(Utils.murmur2(record.key().getBytes(StandardCharsets.UTF_8))) % partitions;
          assertEquals(expectedPartition, record.partition(), "partition of " + record.key());
          int value = Integer.parseInt(record.value());
          Integer previous = lastValueByKey.put(record.key(), value);
          assertTrue(previous == null || previous < value, "order of key " + record.key());
          assertEquals(sends.get(value).join().offset(), record.offset(), "offset acknowledged for " + value);
          read++;
        }
      }
    }
    assertEquals(records, read);
  }

  @Test
  void aConsumerAskingForMoreThanGrpcsDefaultFourMebibytesGetsThem() throws Exception {
    try (Admin admin = Admin.create(broker.bootstrap())) {
      admin.createTopic("large-fetch", 1, 1, Map.of());
    }
    String value = "x".repeat(100_000);
    int records = 60; // about 6 MB in the partition, over gRPC's default 4 MiB receive limit
    try (Producer<String, String> producer = new Producer<>(
        Map.of("bootstrap.servers", broker.bootstrap(), "batch.size", 1 << 20, "linger.ms", 50),
        new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>("large-fetch", null, value));
      }
      producer.flush();
    }
    TopicPartition partition = new TopicPartition("large-fetch", 0);
    int read = 0;
    try (Consumer<String, String> consumer = new Consumer<>(
        Map.of("bootstrap.servers", broker.bootstrap(), "max.partition.fetch.bytes", 8 << 20,
            "max.poll.records", records),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      Instant deadline = Instant.now().plusSeconds(30);
      while (read < records) {
        assertTrue(Instant.now().isBefore(deadline), "read " + read + " of " + records + " in time");
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          assertEquals(value, record.value());
          read++;
        }
      }
    }
    assertEquals(records, read);
  }

  @Test
  void consumerSeeksByTimestampAndReplaysFromAnOffset() throws Exception {
    try (Admin admin = Admin.create(broker.bootstrap())) {
      admin.createTopic("replay", 1, 1, Map.of());
    }
    long before;
    try (Producer<String, String> producer = new Producer<>(
        Map.of("bootstrap.servers", broker.bootstrap()), new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>("replay", null, 1_000L * i, null, "v" + i, List.of()));
      }
      producer.flush();
    }
    TopicPartition tp = new TopicPartition("replay", 0);
    try (Consumer<String, String> consumer = new Consumer<>(
        Map.of("bootstrap.servers", broker.bootstrap()), new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToTimestamp(tp, 4_500);
      assertEquals(5, consumer.position(tp));
      consumer.seek(tp, 7);
      List<String> values = new ArrayList<>();
      Instant deadline = Instant.now().plusSeconds(30);
      while (values.size() < 3 && Instant.now().isBefore(deadline)) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      }
      assertEquals(List.of("v7", "v8", "v9"), values);
      consumer.seekToEnd(List.of(tp));
      assertEquals(10, consumer.position(tp));
    }
  }
}
