package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.CreateTopicRequest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the metadata store (the Controller's PostgreSQL journal) is down for a minute under
 * an acks=all load with a consumer reading. Produce and fetch go on throughout: a partition
 * whose leader is alive needs the journal only to change leader or ISR. A topic created
 * meanwhile is refused. Once the journal is back, the Controller, which failed to persist that
 * topic, recovers (it is restarted with back-off, not left stopped): a topic can be created, and
 * a leader killed right after the outage is replaced. Nothing acknowledged is
 * lost, and the replicas agree up to the high watermark.
 */
class JournalOutageIT {

  static final String TOPIC = "journal";
  static final Duration OUTAGE = Duration.ofSeconds(60);
  /** The load must be acknowledged at least once in every stretch of this length during the outage. */
  static final Duration WINDOW = Duration.ofSeconds(15);

  @Test
  void produceAndFetchGoOnWhileTheJournalIsDownAndElectionsResumeAfterwards() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-journal-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir, Map.of(), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
      cluster.awaitFullIsrs(TOPIC, 1, 3);
      String bootstrap = String.join(",", cluster.ids().stream()
          .map(id -> SkeinCluster.bootstrap(cluster.broker(id))).toList());
      try (AcksAllLoad load = AcksAllLoad.start(cluster, TOPIC, 0, "journal", id -> cluster.broker(id).isAlive());
          AssignedReader reader = AssignedReader.start(bootstrap, TOPIC, 0, Duration.ofSeconds(5), 50)) {
        assertEventually("200 records acknowledged before the outage", Duration.ofSeconds(90),
            () -> load.ackedCount() >= 200);

        int ackedAtStop = load.ackedCount();
        cluster.stopJournal();
        long outageEnd = System.nanoTime() + OUTAGE.toNanos();
        // Held for the whole outage: no gap of a window without an acknowledgement.
        while (System.nanoTime() < outageEnd) {
          int before = load.ackedCount();
          assertEventually("acks=all writes acknowledged within " + WINDOW + " while the journal is down ("
              + (before - ackedAtStop) + " so far)", WINDOW, () -> load.ackedCount() > before);
        }
        // A change the Controller must persist fails while the journal is down, and the
        // Controller, which failed to persist it, is restarted until the journal is back.
        ManagedChannel channel = cluster.anyLive().channel();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () ->
            AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                .createTopic(CreateTopicRequest.newBuilder().setName("during-outage").setPartitions(1)
                    .setReplicationFactor(3).build()));
        channel.shutdownNow();
        Map<Long, String> ackedInOutage = new TreeMap<>(load.acked);
        assertEventually("the consumer read every record acknowledged during the outage", Duration.ofSeconds(30),
            () -> reader.hasRead(ackedInOutage));
        cluster.startJournal();
        cluster.createTopic("after-outage", 1, 3, Map.of());

        int leader = cluster.partition(TOPIC, 0).orElseThrow().getLeader();
        cluster.broker(leader).kill();
        long killedAt = System.nanoTime();
        assertEventually("a new leader elected after the outage acknowledges writes", Duration.ofSeconds(120),
            () -> load.firstAckAfter(killedAt).isPresent());
        double failoverSeconds = (load.firstAckAfter(killedAt).orElseThrow() - killedAt) / 1e9;
        load.close();
        Map<Long, String> acked = new TreeMap<>(load.acked);
        assertEventually("the consumer read every acknowledged record", Duration.ofSeconds(60),
            () -> reader.hasRead(acked));
        reader.close();
        assertTrue(reader.conflicts.isEmpty(), "offsets read with two values: " + reader.conflicts);

        List<ReplicaChecker.ReplicaLog> replicas = new ArrayList<>();
        for (int id : cluster.ids()) {
          if (id != leader) {
            cluster.broker(id).stop();
            replicas.add(ReplicaChecker.read(cluster.broker(id).dataDir.resolve("logs").resolve(TOPIC + "-0")));
          }
        }
        ReplicaChecker.check(acked, replicas);
        System.out.printf("JournalOutageIT: %d records acknowledged during a %d s journal outage (%d before it);"
                + " a topic creation meanwhile refused with %s; the Controller served again once the journal was"
                + " back; leader %d killed after it, failover %.1f s; %d acknowledged records on both survivors%n",
            ackedInOutage.size() - ackedAtStop, OUTAGE.toSeconds(), ackedAtStop, refused.getStatus().getCode(), leader,
            failoverSeconds, acked.size());
      }
    }
  }
}
