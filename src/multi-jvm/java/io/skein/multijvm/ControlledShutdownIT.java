package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.Producer;
import io.skein.client.ProducerRecord;
import io.skein.proto.v1.PartitionMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Issue 6: SIGTERM to the leader of a partition (as Kubernetes stops a pod) under an acks=all
 * load. The broker moves its leadership to an in-sync replica before it leaves (Kafka's
 * controlled shutdown), so the producer sees only retriable errors, every send completes,
 * and every acknowledged record is on both remaining replicas. Prints the time from SIGTERM
 * to the first write acknowledged by the new leader.
 */
class ControlledShutdownIT {

  static final String TOPIC = "controlled";

  @Test
  void stoppingTheLeaderHandsOverWithoutFailingAWrite() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-shutdown-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir,
        Map.of("skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
      assertEventually("partition has a leader and a full ISR", Duration.ofSeconds(60), () ->
          cluster.partition(TOPIC, 0).filter(p -> p.getLeader() > 0 && p.getIsrCount() == 3).isPresent());

      Map<Long, String> acked = new ConcurrentSkipListMap<>();
      Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
      List<CompletableFuture<?>> sends = new ArrayList<>();
      AtomicLong lastAckNanos = new AtomicLong();
      // When each acknowledgement arrived, and when the stopped broker's JVM was gone.
      ConcurrentSkipListSet<Long> ackTimes = new ConcurrentSkipListSet<>();
      AtomicLong exitedAt = new AtomicLong();
      String bootstrap = String.join(",", cluster.ids().stream()
          .map(id -> cluster.broker(id).host + ":" + cluster.broker(id).port).toList());
      try (Producer<String, String> producer = new Producer<>(Map.of(
          "bootstrap.servers", bootstrap, "acks", "all", "linger.ms", 5, "delivery.timeout.ms", 120_000),
          new StringSerializer(), new StringSerializer())) {
        int leader = cluster.partition(TOPIC, 0).orElseThrow().getLeader();
        long sent = 0;
        // Load before, during and after the shutdown; each send is checked, none is dropped.
        long stoppedAt = 0;
        while (true) {
          String value = "v-" + sent++;
          sends.add(producer.send(new ProducerRecord<>(TOPIC, 0, null, value)).toCompletableFuture()
              .whenComplete((meta, failure) -> {
                if (failure != null) {
                  failures.add(failure);
                } else {
                  acked.put(meta.offset(), value);
                  long now = System.nanoTime();
                  lastAckNanos.set(now);
                  ackTimes.add(now);
                }
              }));
          if (sent % 50 == 0) {
            // Bounded load: wait for this round trip before the next 50.
            sends.get(sends.size() - 1).handle((ok, failed) -> null).get(150, TimeUnit.SECONDS);
            if (stoppedAt == 0 && acked.size() >= 500) {
              stoppedAt = System.nanoTime();
              long pid = cluster.broker(leader).pid();
              ProcessHandle.of(pid).orElseThrow().onExit().thenRun(() -> exitedAt.set(System.nanoTime()));
              // SIGTERM without waiting: the load goes on while the broker shuts down.
              new ProcessBuilder("kill", "-TERM", Long.toString(pid)).inheritIO().start().waitFor();
            } else if (stoppedAt != 0 && !cluster.broker(leader).isAlive() && acked.size() >= 1500) {
              break;
            }
          }
        }
        producer.flush();
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).handle((ok, failed) -> null)
            .get(150, TimeUnit.SECONDS);
        assertTrue(failures.isEmpty(), () -> failures.size() + " sends failed, first: " + failures.peek());
        assertEquals(sends.size(), acked.size(), "every send acknowledged once, at its own offset");

        String stoppedOutput = cluster.broker(leader).output();
        assertTrue(stoppedOutput.contains("Controlled shutdown of broker " + leader + ": it leads no partition"),
            "the leader handed over before it stopped:\n" + stoppedOutput);
        List<Integer> survivors = new ArrayList<>(cluster.ids());
        survivors.remove(Integer.valueOf(leader));
        assertEventually("a survivor leads with the survivors in sync", Duration.ofSeconds(60), () -> {
          Optional<PartitionMetadata> p = cluster.partition(TOPIC, 0);
          return p.isPresent() && survivors.contains(p.get().getLeader()) && p.get().getIsrList().containsAll(survivors);
        });
        int newLeader = cluster.partition(TOPIC, 0).orElseThrow().getLeader();
        assertFalse(cluster.broker(leader).isAlive());
        for (int id : survivors) {
          cluster.broker(id).stop();
        }
        List<ReplicaChecker.ReplicaLog> replicas = new ArrayList<>();
        for (int id : survivors) {
          replicas.add(ReplicaChecker.read(cluster.broker(id).dataDir.resolve("logs").resolve(TOPIC + "-0")));
        }
        ReplicaChecker.check(acked, replicas);
        // The longest wait for an acknowledgement from the SIGTERM until the JVM was gone.
        long longestGap = 0;
        long previous = stoppedAt;
        for (long at : ackTimes.subSet(stoppedAt, true, exitedAt.get(), true)) {
          longestGap = Math.max(longestGap, at - previous);
          previous = at;
        }
        System.out.printf("ControlledShutdownIT: SIGTERM to leader %d, broker %d leads; it exited %.1f s after the"
                + " signal, the longest time without an acknowledgement meanwhile %.2f s; %d acks=all records"
                + " acknowledged, none failed, all on both survivors%n", leader, newLeader,
            (exitedAt.get() - stoppedAt) / 1e9, longestGap / 1e9, acked.size());
      }
    }
  }
}
