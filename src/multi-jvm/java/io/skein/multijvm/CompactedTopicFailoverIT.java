package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.Producer;
import io.skein.client.ProducerRecord;
import io.skein.client.RecordMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 on a cluster: a compacted topic (RF 3, min.insync.replicas 2, small segments, a
 * cleaner that runs every second) takes acks=all updates and tombstones of a few thousand keys
 * from Skein's idempotent producer through the kill -9 of its leader and the leader's restart.
 * Once every replica has compacted past the restart and again after delete.retention.ms, each
 * holds, in increasing offsets, the latest acknowledged record of every key at its offset (a
 * tombstone may be gone once compacted past its retention, and some are), below its clean offset
 * nothing else of any key, nothing the producer did not send last, and nothing the producer
 * retried stored twice.
 */
class CompactedTopicFailoverIT {

  static final String TOPIC = "compacted";
  static final int KEYS = 2000;
  /** Every this many records is a tombstone. */
  static final int TOMBSTONE_EVERY = 10;
  /**
   * Longer than the killed broker is away: a replica that fetches a range only after the leader
   * dropped its tombstones keeps the values they deleted, in Kafka as here.
   */
  static final Duration DELETE_RETENTION = Duration.ofSeconds(30);

  /** Keys deleted right at the start. */
  static final int DELETED_EARLY = 50;

  /** One acknowledged record: its key and value (null for a tombstone). */
  record Write(String key, String value) {}

  @Test
  void everyReplicaCompactsToTheLatestAcknowledgedValueOfEveryKeyThroughTheKillOfItsLeader() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-compacted-failover-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir,
        Map.of("skein.log.cleaner.backoff", "1s", "skein.replication.replica-lag-time-max", "5s"),
        Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2", "cleanup.policy", "compact",
          "segment.bytes", "16384", "segment.ms", "3000", "min.cleanable.dirty.ratio", "0.01",
          "delete.retention.ms", Long.toString(DELETE_RETENTION.toMillis())));
      cluster.awaitFullIsrs(TOPIC, 1, 3);
      String bootstrap = cluster.ids().stream().map(id -> SkeinCluster.bootstrap(cluster.broker(id)))
          .collect(Collectors.joining(","));

      ConcurrentSkipListMap<Long, Write> acked = new ConcurrentSkipListMap<>();
      Set<String> failed = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      int killed;
      long restartedAt;
      try (Producer<String, String> producer = new Producer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all",
          "linger.ms", 5), new StringSerializer(), new StringSerializer())) {
        // Keys written once and deleted before the load: never touched again, so their tombstones
        // pass delete.retention.ms during the test and must then be gone from every replica.
        for (int i = 0; i < DELETED_EARLY; i++) {
          String key = "deleted-early-" + i;
          for (String value : new String[] {key + "-value", null}) {
            RecordMetadata metadata = producer.send(new ProducerRecord<>(TOPIC, 0, key, value)).toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
            acked.put(metadata.offset(), new Write(key, value));
          }
        }
        Thread sender = new Thread(() -> {
          Random random = new Random(14);
          for (long n = 0; !stop.get(); n++) {
            String key = "k" + random.nextInt(KEYS);
            String value = n % TOMBSTONE_EVERY == 0 ? null : key + "-" + n;
            producer.send(new ProducerRecord<>(TOPIC, 0, key, value)).whenComplete((metadata, error) -> {
              if (error == null) {
                acked.put(metadata.offset(), new Write(key, value));
              } else {
                failed.add(key + "=" + value + ": " + error);
              }
            });
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // about 1000 records/s
          }
        }, "compacted-producer");
        sender.start();
        assertEventually("3000 updates acknowledged before the kill", Duration.ofSeconds(90),
            () -> acked.size() >= 3000);

        killed = cluster.partition(TOPIC, 0).orElseThrow().getLeader();
        cluster.broker(killed).kill();
        int ackedAtKill = acked.size();
        assertEventually("updates acknowledged again after the leader's kill -9", Duration.ofSeconds(120),
            () -> acked.size() >= ackedAtKill + 1000);

        cluster.broker(killed).start(Duration.ofSeconds(120));
        cluster.awaitFullIsrs(TOPIC, 1, 3);
        restartedAt = acked.lastKey();
        long restartedNanos = System.nanoTime();
        // The load goes on, so segments keep rolling and each replica cleans past the restart.
        awaitCleanedPast(cluster, restartedAt);
        // Tombstones seen by the first cleans after the restart are past their horizon now: a clean after goes.
        assertEventually("delete.retention.ms passed since the restart", DELETE_RETENTION.plusSeconds(30),
            () -> System.nanoTime() - restartedNanos > DELETE_RETENTION.plusSeconds(5).toNanos());
        awaitCleanedPast(cluster, acked.lastKey());
        stop.set(true);
        sender.join(60_000);
        producer.flush();
      }
      assertEquals(Set.of(), failed, "with delivery.timeout.ms (2 minutes) nothing fails");

      Map<String, Long> latest = new HashMap<>();
      acked.forEach((offset, write) -> latest.put(write.key(), offset));
      for (int id : cluster.ids()) {
        cluster.broker(id).stop();
      }
      List<String> summary = new ArrayList<>();
      for (ReplicaChecker.ReplicaLog replica : cluster.replicaLogs(TOPIC, 0)) {
        int tombstonesGone = check(replica, acked, latest, restartedAt);
        summary.add(replica.offsets().size() + " records (" + tombstonesGone + " deleted keys gone) clean to "
            + replica.cleanedOffset());
      }
      System.out.printf("CompactedTopicFailoverIT: leader %d killed and restarted; %d acknowledged updates of %d keys"
          + " (%d deleted last); per replica %s%n", killed, acked.size(), latest.size(),
          latest.values().stream().filter(offset -> acked.get(offset).value() == null).count(), summary);
    }
  }

  /**
   * Checks one replica against what was acknowledged; returns how many keys deleted last have
   * no record left at all.
   */
  private static int check(ReplicaChecker.ReplicaLog replica, ConcurrentSkipListMap<Long, Write> acked,
      Map<String, Long> latest, long restartedAt) {
    assertTrue(replica.cleanedOffset() > restartedAt, replica.dir() + " is compacted past " + restartedAt);
    assertTrue(replica.offsets().size() < acked.size(), replica.dir() + " dropped superseded records");
    ReplicaChecker.checkProducerSequences(replica);
    // Below the clean offset a key keeps only its latest record there; above it, anything not superseded.
    Map<String, Long> latestBelowClean = new HashMap<>();
    acked.headMap(replica.cleanedOffset()).forEach((offset, write) -> latestBelowClean.put(write.key(), offset));
    Map<Long, Integer> indexOf = new HashMap<>();
    for (int i = 0; i < replica.offsets().size(); i++) {
      long offset = replica.offsets().get(i);
      assertTrue(i == 0 || replica.offsets().get(i - 1) < offset, "offsets increase in " + replica.dir());
      indexOf.put(offset, i);
      String key = replica.keys().get(i);
      Long latestOffset = latest.get(key);
      assertTrue(latestOffset != null && offset <= latestOffset,
          "offset " + offset + " of key " + key + " is acknowledged no later than its latest, in " + replica.dir());
      assertTrue(offset >= replica.cleanedOffset() || offset == latestBelowClean.get(key), "offset " + offset
          + " of key " + key + ", superseded at " + latestBelowClean.get(key) + ", is gone below the clean offset "
          + replica.cleanedOffset()
          + " of " + replica.dir());
      Write write = acked.get(offset);
      assertTrue(write != null, "offset " + offset + " in " + replica.dir() + " was acknowledged");
      assertEquals(write, new Write(key, replica.values().get(i)), "record at offset " + offset + " in "
          + replica.dir());
    }
    int tombstonesGone = 0;
    for (Map.Entry<String, Long> last : latest.entrySet()) {
      Integer index = indexOf.get(last.getValue());
      if (index == null && acked.get(last.getValue()).value() == null
          && last.getValue() < replica.cleanedOffset()) {
        tombstonesGone++;
        continue;
      }
      assertTrue(index != null, "the latest record of " + last.getKey() + ", at " + last.getValue() + ", is in "
          + replica.dir());
    }
    for (int i = 0; i < DELETED_EARLY; i++) {
      assertFalse(replica.keys().contains("deleted-early-" + i), "deleted-early-" + i
          + ", deleted longer than delete.retention.ms ago, is gone from " + replica.dir());
    }
    return tombstonesGone;
  }

  private static void awaitCleanedPast(SkeinCluster cluster, long offset) {
    assertEventually("every replica compacted past offset " + offset, Duration.ofSeconds(90),
        () -> cluster.ids().stream().allMatch(id -> cleanOffset(cluster.broker(id)) > offset),
        () -> "clean offsets " + cluster.ids().stream().map(id -> cleanOffset(cluster.broker(id))).toList());
  }

  /** The broker's clean offset of the partition, from the cleaner checkpoint in its data directory; 0 if none. */
  private static long cleanOffset(BrokerProcess broker) {
    Path checkpoint = broker.dataDir.resolve("logs").resolve(TOPIC + "-0").resolve("cleaner-offset-checkpoint");
    try {
      List<String> lines = Files.readAllLines(checkpoint);
      return lines.size() == 2 ? Long.parseLong(lines.get(1).trim()) : 0;
    } catch (IOException | NumberFormatException notYet) {
      return 0;
    }
  }
}
