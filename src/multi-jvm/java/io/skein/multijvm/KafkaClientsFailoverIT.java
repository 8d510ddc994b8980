package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's acceptance on a cluster: a stock kafka-clients producer (default settings, so
 * idempotent with acks=all) keeps producing to a 3-broker Skein cluster through the kill -9 of
 * a partition leader, the broker that also hosts the Controller and the shard coordinator (the
 * hardest case), over the Kafka protocol only. Afterwards every acknowledged record is on
 * all three replicas exactly once, each partition holds the producer's records in send order
 * with nothing stored twice (the idempotent producer's retries were recognised, also by the new
 * leader), the replicas agree byte for byte below the high watermark, and a kafka-clients
 * consumer reads the same.
 */
class KafkaClientsFailoverIT {

  static final String TOPIC = "kafka-failover";
  static final int PARTITIONS = 3;

  @Test
  void aDefaultKafkaProducerKeepsProducingThroughTheKillOfALeaderWithNothingLostOrDuplicated() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-kafka-failover-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir, Map.of(), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
      cluster.awaitFullIsrs(TOPIC, PARTITIONS, 3);
      String bootstrap = cluster.ids().stream().map(id -> kafkaEndpoint(cluster.broker(id)))
          .collect(Collectors.joining(","));

      // Per partition, acknowledged offset -> value; and the order values were sent in per partition.
      Map<Integer, Map<Long, String>> acked = new ConcurrentHashMap<>();
      Map<Integer, List<String>> sent = new ConcurrentHashMap<>();
      Set<String> failed = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      int killed;
      long killedAt;
      // Per partition, send time to answer time (System.nanoTime) of each acknowledged record.
      Map<Integer, ConcurrentSkipListMap<Long, Long>> ackTimes = new ConcurrentHashMap<>();
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(
          Map.of("bootstrap.servers", bootstrap, "linger.ms", 5),
          new StringSerializer(), new StringSerializer())) {
        Thread sender = new Thread(() -> {
          for (long n = 0; !stop.get(); n++) {
            int partition = (int) (n % PARTITIONS);
            String value = "v-" + n;
            sent.computeIfAbsent(partition, p -> java.util.Collections.synchronizedList(new ArrayList<>())).add(value);
            long sentAt = System.nanoTime();
            producer.send(new ProducerRecord<>(TOPIC, partition, "k" + n, value), (metadata, error) -> {
              if (error == null) {
                acked.computeIfAbsent(partition, p -> new ConcurrentSkipListMap<>()).put(metadata.offset(), value);
                ackTimes.computeIfAbsent(partition, p -> new ConcurrentSkipListMap<>()).put(sentAt, System.nanoTime());
              } else {
                failed.add(value + ": " + error);
              }
            });
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // about 1000 records/s
          }
        }, "kafka-producer");
        sender.start();
        assertEventually("1000 records acknowledged before the kill", Duration.ofSeconds(90),
            () -> ackedCount(acked) >= 1000);

        // Broker 1, the oldest, hosts the Controller and the shard coordinator, and leads one of the partitions.
        killed = 1;
        assertTrue(cluster.ids().size() == 3 && led(cluster, killed) > 0, "broker 1 leads a partition");
        cluster.broker(killed).kill();
        killedAt = System.nanoTime();
        int ackedAtKill = ackedCount(acked);
        assertEventually("the producer goes on after the leader's kill -9", Duration.ofSeconds(120),
            () -> ackTimes.values().stream().allMatch(times -> !times.tailMap(killedAt).isEmpty())
                && ackedCount(acked) >= ackedAtKill + 1000);
        stop.set(true);
        sender.join(60_000);
        producer.flush();
      }
      Map<Integer, Double> failover = new java.util.TreeMap<>();
      ackTimes.forEach((p, times) -> failover.put(p, Math.round(
          (times.tailMap(killedAt, false).values().stream().min(Long::compare).orElseThrow() - killedAt) / 1e8) / 10.0));
      assertEquals(Set.of(), failed, "with delivery.timeout.ms (2 minutes) nothing fails");

      // Restart the killed broker so that it catches up, then read everything back over Kafka.
      cluster.broker(killed).start(Duration.ofSeconds(120));
      cluster.awaitFullIsrs(TOPIC, PARTITIONS, 3);
      Map<Integer, Map<Long, String>> read = readAll(bootstrap);
      for (int p = 0; p < PARTITIONS; p++) {
        Map<Long, String> log = read.get(p);
        assertEquals(new HashSet<>(log.values()).size(), log.size(), "no record stored twice in partition " + p);
        List<String> order = new ArrayList<>(sent.get(p));
        order.retainAll(new HashSet<>(log.values()));
        assertEquals(order, new ArrayList<>(log.values()), "partition " + p + " holds the records in send order");
        for (Map.Entry<Long, String> ack : acked.get(p).entrySet()) {
          assertEquals(ack.getValue(), log.get(ack.getKey()), "acknowledged record at " + p + "/" + ack.getKey());
        }
      }

      for (int id : cluster.ids()) {
        cluster.broker(id).stop();
      }
      for (int p = 0; p < PARTITIONS; p++) {
        ReplicaChecker.check(acked.get(p), cluster.replicaLogs(TOPIC, p));
      }
      System.out.printf("KafkaClientsFailoverIT: broker %d (the Controller's host, leading one partition) killed;"
          + " seconds from the kill -9 to"
          + " the first acknowledgement of a record sent after it, by partition: %s; %d acknowledged records, none"
          + " lost, none stored twice, all in send order%n", killed, failover, ackedCount(acked));
    }
  }

  /** How many partitions of the topic {@code broker} leads. */
  private static long led(SkeinCluster cluster, int broker) throws Exception {
    long count = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      if (cluster.partition(TOPIC, p).orElseThrow().getLeader() == broker) {
        count++;
      }
    }
    return count;
  }

  private static String kafkaEndpoint(BrokerProcess broker) {
    return broker.host + ":" + broker.kafkaPort;
  }

  private static int ackedCount(Map<Integer, Map<Long, String>> acked) {
    return acked.values().stream().mapToInt(Map::size).sum();
  }

  /** Every record of the topic, per partition by offset, read with a kafka-clients consumer. */
  private static Map<Integer, Map<Long, String>> readAll(String bootstrap) {
    Map<Integer, Map<Long, String>> read = new HashMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
        Map.of("bootstrap.servers", bootstrap, "enable.auto.commit", false),
        new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        partitions.add(new TopicPartition(TOPIC, p));
        read.put(p, new java.util.TreeMap<>());
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      assertEventually("every record read back", Duration.ofSeconds(60), () -> {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          read.get(record.partition()).put(record.offset(), record.value());
        }
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
      });
    }
    assertTrue(read.values().stream().allMatch(m -> !m.isEmpty()), "every partition has records");
    return read;
  }
}
