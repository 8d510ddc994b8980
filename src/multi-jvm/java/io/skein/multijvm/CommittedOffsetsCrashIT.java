package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.Admin;
import io.skein.client.Consumer;
import io.skein.client.ConsumerRecord;
import io.skein.client.OffsetAndMetadata;
import io.skein.client.Producer;
import io.skein.client.ProducerRecord;
import io.skein.client.TopicPartition;
import io.skein.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Committed group offsets are persisted events: they survive kill -9 of the broker, and a
 * consumer started after the restart resumes exactly at them.
 */
class CommittedOffsetsCrashIT {

  static final String TOPIC = "orders";
  static final int PARTITIONS = 3;
  static final int RECORDS = 300;

  @Test
  void aRestartedConsumerResumesFromItsCommittedOffsetAfterKillNine() throws Exception {
    Path dataDir = Files.createTempDirectory("skein-offsets-");
    String host = "127.0.0.1";
    try (BrokerProcess broker = new BrokerProcess(dataDir, host, FreePorts.on(host))) {
      broker.start(Duration.ofSeconds(90));
      String bootstrap = host + ":" + broker.port;
      try (Admin admin = Admin.create(bootstrap)) {
        admin.createTopic(TOPIC, PARTITIONS, 1, Map.of());
      }
      try (Producer<String, String> producer = new Producer<>(
          Map.of("bootstrap.servers", bootstrap, "acks", "all"), new StringSerializer(), new StringSerializer())) {
        for (int i = 0; i < RECORDS; i++) {
          producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, "k" + i, "v" + i));
        }
        producer.flush();
      }

      // Consume about half of each partition, commit exactly that, then crash the broker.
      Map<TopicPartition, Long> committed = new TreeMap<>(
          java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
      try (Consumer<String, String> consumer = groupConsumer(bootstrap)) {
        consumer.subscribe(List.of(TOPIC));
        Map<TopicPartition, Long> next = new HashMap<>();
        assertEventually("half of the records consumed", Duration.ofSeconds(60), () -> {
          for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
            TopicPartition tp = new TopicPartition(record.topic(), record.partition());
            if (record.offset() < RECORDS / PARTITIONS / 2) {
              next.merge(tp, record.offset() + 1, Math::max);
            }
          }
          return next.size() == PARTITIONS && next.values().stream().allMatch(o -> o == RECORDS / PARTITIONS / 2);
        });
        Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        next.forEach((tp, offset) -> toCommit.put(tp, new OffsetAndMetadata(offset, "")));
        consumer.commitSync(toCommit);
        committed.putAll(next);
        broker.kill();
      }

      broker.start(Duration.ofSeconds(90));
      try (Consumer<String, String> resumed = groupConsumer(bootstrap)) {
        assertEquals(committed, offsets(resumed.committed(committed.keySet())));
        resumed.subscribe(List.of(TOPIC));
        Map<TopicPartition, Long> firstSeen = new HashMap<>();
        assertEventually("records after the committed offsets", Duration.ofSeconds(60), () -> {
          for (ConsumerRecord<String, String> record : resumed.poll(Duration.ofMillis(200))) {
            firstSeen.putIfAbsent(new TopicPartition(record.topic(), record.partition()), record.offset());
          }
          return firstSeen.size() == PARTITIONS;
        }, () -> "assigned " + resumed.assignment() + ", first offsets seen " + firstSeen + "; the broker logged: "
            + groupLog(broker));
        for (Map.Entry<TopicPartition, Long> entry : committed.entrySet()) {
          assertEquals(entry.getValue(), firstSeen.get(entry.getKey()), "resume point of " + entry.getKey());
        }
        assertTrue(broker.output().contains("=== start 2 ==="));
      }
    }
  }

  private static Consumer<String, String> groupConsumer(String bootstrap) {
    return new Consumer<>(Map.of(
        "bootstrap.servers", bootstrap,
        "group.id", "billing",
        "enable.auto.commit", "false",
        "auto.offset.reset", "earliest",
        "session.timeout.ms", "6000",
        "heartbeat.interval.ms", "1000"),
        new StringDeserializer(), new StringDeserializer());
  }

  /** The coordinator's log lines about the group, for a failure message. */
  private static String groupLog(BrokerProcess broker) {
    try {
      return broker.output().lines().filter(line -> line.contains("Group billing") || line.contains("ERROR"))
          .map(line -> line.length() > 300 ? line.substring(0, 300) : line)
          .reduce((a, b) -> a + " | " + b).orElse("nothing");
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static Map<TopicPartition, Long> offsets(Map<TopicPartition, OffsetAndMetadata> committed) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    committed.forEach((tp, om) -> offsets.put(tp, om.offset()));
    return offsets;
  }

}
