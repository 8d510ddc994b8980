package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: a cluster that lost its majority, then everything, comes back from brokers started
 * one at a time. Three brokers, RF 3, min.insync.replicas 2, an acks=all load:
 *
 * <ol>
 *   <li>kill -9 two brokers: the survivor, alone, downs itself (keep-majority) and starts a new
 *       incarnation that forms a cluster of one and serves (before, its Controller failed on the
 *       partitions it re-elected before the partition shard region had started, and the broker
 *       waited for the Controller for ever);
 *   <li>start the two again: full ISR, acks=all acknowledged again;
 *   <li>kill -9 all three (a power loss), start them one at a time: the same.
 * </ol>
 *
 * <p>Every acknowledged record is on all three replicas, which agree up to the high watermark.
 */
class WholeClusterRestartIT {

  static final String TOPIC = "outage";

  @Test
  void brokersStartedOneAtATimeAfterAnOutageFormTheClusterAndLoseNothing() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-outage-");
    Map<Long, String> acked = new TreeMap<>();
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir, Map.of(), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
      cluster.awaitFullIsrs(TOPIC, 1, 3);
      acked.putAll(produce(cluster, 200));

      // The majority dies: the survivor downs itself and comes back as a cluster of one.
      BrokerProcess survivor = cluster.broker(1);
      cluster.broker(2).kill();
      cluster.broker(3).kill();
      assertEventually("the survivor downs itself and starts a new incarnation", Duration.ofSeconds(90),
          () -> logged(survivor, PausedLeaderIT.REINCARNATION));
      survivor.awaitReady(Duration.ofSeconds(90));
      cluster.broker(2).start(Duration.ofSeconds(120));
      cluster.broker(3).start(Duration.ofSeconds(120));
      cluster.awaitFullIsrs(TOPIC, 1, 3);
      acked.putAll(produce(cluster, 200));

      // A power loss: everything dies at once; then brokers come back one at a time.
      for (int id : cluster.ids()) {
        cluster.broker(id).kill();
      }
      for (int id : cluster.ids()) {
        cluster.broker(id).start(Duration.ofSeconds(120));
      }
      cluster.awaitFullIsrs(TOPIC, 1, 3);
      acked.putAll(produce(cluster, 200));

      for (int id : cluster.ids()) {
        cluster.broker(id).stop();
      }
      ReplicaChecker.check(acked, cluster.replicaLogs(TOPIC, 0));
      assertTrue(acked.size() >= 600, "acknowledged " + acked.size());
      System.out.printf("WholeClusterRestartIT: %d acknowledged records on all three replicas after a lost majority"
          + " and a whole-cluster kill -9%n", acked.size());
    }
  }

  private static boolean logged(BrokerProcess broker, String line) {
    try {
      return broker.output().contains(line);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** At least {@code records} acks=all records acknowledged through any live broker. */
  private static Map<Long, String> produce(SkeinCluster cluster, int records) throws Exception {
    try (AcksAllLoad load = AcksAllLoad.start(cluster, TOPIC, 0, "load-" + System.nanoTime(),
        id -> cluster.broker(id).isAlive())) {
      assertEventually(records + " records acknowledged", Duration.ofSeconds(90), () -> load.ackedCount() >= records);
      load.close();
      return new TreeMap<>(load.acked);
    }
  }
}
