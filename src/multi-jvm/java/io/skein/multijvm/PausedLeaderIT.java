package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.skein.client.Admin;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.PartitionDescription;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 4 (b): three brokers, RF=3, min.insync.replicas=2, an acks=all load. Freeze the
 * partition leader's JVM (kill -STOP) past the failure detector until a new leader is
 * elected and acknowledges writes, then let it run again (kill -CONT) and send acks=all
 * produces straight to it. It was downed meanwhile: it must acknowledge nothing on its own
 * authority, and once it notices it starts over as a new incarnation in the same process that
 * rejoins the ISR with no operator action (issue 13). Whatever it did acknowledge must be on
 * every replica, like every other acknowledged record; the three replicas hold the same
 * records up to the high watermark.
 */
class PausedLeaderIT {

  static final String TOPIC = "paused";
  static final int SEGMENT_BYTES = 16 * 1024;
  /** What the broker logs when it starts over after being downed. */
  static final String REINCARNATION = "starting a new incarnation to rejoin";

  @Test
  void aPausedLeaderThatComesBackIsFencedAndLosesNothing() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-paused-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir,
        Map.of("skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
      assertEventually("partition has a leader and a full ISR", Duration.ofSeconds(60), () ->
          cluster.describe(TOPIC, 0).filter(p -> p.getLeader() > 0 && p.getIsrCount() == 3).isPresent());

      // Small segments from here on, on followers too: a follower that missed the change keeps one segment.
      try (Admin admin = Admin.create(SkeinCluster.bootstrap(cluster.broker(1)))) {
        admin.alterTopicConfigs(TOPIC, Map.of("segment.bytes", Integer.toString(SEGMENT_BYTES)), List.of());
      }

      Set<Integer> paused = ConcurrentHashMap.newKeySet();
      Map<Long, String> acked = new TreeMap<>();
      Map<Long, String> ackedByResumed = new TreeMap<>();
      Map<ErrorCode, Integer> resumedErrors = new TreeMap<>();
      PartitionDescription before = cluster.describe(TOPIC, 0).orElseThrow();
      int oldLeader = before.getLeader();
      BrokerProcess old = cluster.broker(oldLeader);
      long pid = old.pid();
      BrokerProcess survivor = cluster.broker(oldLeader == 1 ? 2 : 1);
      int[] newLeader = new int[1];
      try (AcksAllLoad load = AcksAllLoad.start(cluster, TOPIC, 0, "load",
          id -> cluster.broker(id).isAlive() && !paused.contains(id))) {
        assertEventually("300 records acknowledged before the pause", Duration.ofSeconds(60),
            () -> load.ackedCount() >= 300);

        paused.add(oldLeader);
        old.pause();
        long pausedAt = System.nanoTime();
        assertEventually("a new leader at a newer epoch", Duration.ofSeconds(90), () ->
            cluster.describe(TOPIC, 0, survivor)
                .filter(p -> p.getLeader() > 0 && p.getLeader() != oldLeader
                    && p.getLeaderEpoch() > before.getLeaderEpoch())
                .isPresent());
        newLeader[0] = cluster.describe(TOPIC, 0, survivor).orElseThrow().getLeader();
        int ackedAtElection = load.ackedCount();
        assertEventually("the new leader acknowledges acks=all writes", Duration.ofSeconds(90),
            () -> load.ackedCount() >= ackedAtElection + 300);
        double takeoverSeconds = (load.firstAckAfter(pausedAt).orElseThrow() - pausedAt) / 1e9;

        // The old leader runs again, believing it still leads: produce straight to it until it
        // notices it was downed and starts over as a new incarnation.
        cluster.awaitDowned(oldLeader, survivor);
        old.resume();
        ManagedChannel channel = old.channel();
        try {
          long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          int seq = 0;
          while (!old.output().contains(REINCARNATION) && System.nanoTime() < until) {
            String value = "to-resumed-" + seq++;
            try {
              ProduceResponse response = ProducerServiceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(5, TimeUnit.SECONDS)
                  .produce(ProduceRequest.newBuilder().setTopic(TOPIC).setPartition(0).setAcks(-1).setTimeoutMs(4_000)
                      .setRecords(AcksAllLoad.batch(value)).build());
              ackedByResumed.put(response.getBaseOffset(), value);
            } catch (StatusRuntimeException refused) {
              resumedErrors.merge(ApiErrors.errorCode(refused), 1, Integer::sum);
              old.awaitExit(Duration.ofMillis(100)); // back-off of the prober
            }
          }
        } finally {
          channel.shutdownNow();
        }
        assertTrue(old.output().contains(REINCARNATION),
            "the downed old leader starts a new incarnation once it notices; see " + old.logFile);
        assertTrue(old.isAlive() && old.pid() == pid, "the broker rejoins in the same process; see " + old.logFile);
        load.close();
        acked.putAll(load.acked);
        acked.putAll(ackedByResumed);
        System.out.printf("PausedLeaderIT: broker %d paused; first acks=all write acknowledged by the new leader"
                + " %.1f s after the pause; after resuming, the old leader answered %d produce(s) with success"
                + " (through sharding to the new leader) and refused %s%n",
            oldLeader, takeoverSeconds, ackedByResumed.size(), resumedErrors);
      }

      // Rejoined by itself, the old leader truncates what it wrote after it was fenced and catches up.
      paused.remove(oldLeader);
      assertEventually("the rejoined broker is back in the ISR", Duration.ofSeconds(120), () ->
          cluster.describe(TOPIC, 0, survivor).filter(p -> p.getIsrCount() == 3).isPresent());
      assertTrue(old.isAlive() && old.pid() == pid, "no restart of the process; see " + old.logFile);
      for (int id : cluster.ids()) {
        cluster.broker(id).stop();
      }
      List<ReplicaChecker.ReplicaLog> replicas = new ArrayList<>();
      for (int id : cluster.ids()) {
        replicas.add(ReplicaChecker.read(cluster.broker(id).dataDir.resolve("logs").resolve(TOPIC + "-0")));
      }
      ReplicaChecker.check(acked, replicas);
      // The broker that followed throughout, never restarted, applied the segment size change.
      int follower = cluster.ids().stream().filter(id -> id != oldLeader && id != newLeader[0]).findFirst()
          .orElseThrow();
      Path followerLog = cluster.broker(follower).dataDir.resolve("logs").resolve(TOPIC + "-0");
      long segments;
      try (Stream<Path> files = Files.list(followerLog)) {
        segments = files.filter(f -> f.getFileName().toString().endsWith(".log")).count();
      }
      assertTrue(segments >= 2, "follower " + follower + " rolls segments at segment.bytes=" + SEGMENT_BYTES
          + ": " + segments + " segment(s) in " + followerLog);
    }
  }
}
