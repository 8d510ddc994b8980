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
 * one at a time, in any order. Three brokers, RF 3, min.insync.replicas 2, an acks=all load:
 *
 * <ol>
 *   <li>kill -9 two brokers: the survivor, alone, downs itself (keep-majority) and starts a new
 *       incarnation, which does not form a cluster of one (the others might only be cut off and
 *       running on): it waits for a majority;
 *   <li>start the last broker: with the survivor it is a majority, they form the cluster and
 *       serve acks=all; then the second joins: full ISR;
 *   <li>kill -9 all three (a power loss), start them one at a time in reverse order: the first
 *       waits alone, the second makes a majority and they serve, the third joins.
 * </ol>
 *
 * <p>Every acknowledged record is on all three replicas, which agree up to the high watermark.
 */
class WholeClusterRestartIT {

  static final String TOPIC = "outage";
  /** What a broker that is not yet a member of a cluster logs while it waits. */
  static final String WAITING = "Waiting for a cluster to join, or a majority of the brokers";

  @Test
  void brokersStartedOneAtATimeAfterAnOutageFormTheClusterAndLoseNothing() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-outage-");
    Map<Long, String> acked = new TreeMap<>();
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir, Map.of(), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
      cluster.awaitFullIsrs(TOPIC, 1, 3);
      acked.putAll(produce(cluster, 200));

      // The majority dies: the survivor downs itself and waits, in a new incarnation, for a majority.
      BrokerProcess survivor = cluster.broker(1);
      cluster.broker(2).kill();
      cluster.broker(3).kill();
      assertEventually("the survivor downs itself and starts a new incarnation", Duration.ofSeconds(90),
          () -> survivor.loggedThisRun(null, PausedLeaderIT.REINCARNATION));
      assertEventually("the survivor waits for a majority instead of forming a cluster of one",
          Duration.ofSeconds(60), () -> survivor.loggedThisRun(PausedLeaderIT.REINCARNATION, WAITING));
      cluster.broker(3).start(Duration.ofSeconds(120));
      survivor.awaitReady(Duration.ofSeconds(120));
      acked.putAll(produce(cluster, 200));
      cluster.broker(2).start(Duration.ofSeconds(120));
      cluster.awaitFullIsrs(TOPIC, 1, 3);
      acked.putAll(produce(cluster, 200));

      // A power loss: everything dies at once; then brokers come back one at a time, last first.
      for (int id : cluster.ids()) {
        cluster.broker(id).kill();
      }
      BrokerProcess first = cluster.broker(3);
      first.launch();
      assertEventually("a broker started alone waits for a majority", Duration.ofSeconds(60),
          () -> first.loggedThisRun(null, WAITING));
      cluster.broker(2).start(Duration.ofSeconds(120));
      first.awaitReady(Duration.ofSeconds(120));
      acked.putAll(produce(cluster, 200));
      cluster.broker(1).start(Duration.ofSeconds(120));
      cluster.awaitFullIsrs(TOPIC, 1, 3);
      acked.putAll(produce(cluster, 200));

      for (int id : cluster.ids()) {
        cluster.broker(id).stop();
      }
      ReplicaChecker.check(acked, cluster.replicaLogs(TOPIC, 0));
      assertTrue(acked.size() >= 1000, "acknowledged " + acked.size());
      System.out.printf("WholeClusterRestartIT: %d acknowledged records on all three replicas after a lost majority"
          + " and a whole-cluster kill -9, brokers started in reverse order%n", acked.size());
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
