package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 4 (e): three brokers under an acks=all load on every partition (each broker leads
 * one) and a group consumer. Restart the brokers one at a time with a controlled shutdown
 * (SIGTERM), waiting each time until the broker is back and every ISR is full. Nothing
 * acknowledged is lost, the consumer reads every acknowledged record, and every replica holds
 * them all.
 */
class RollingRestartIT {

  static final String TOPIC = "rolling";
  static final int PARTITIONS = 3;

  @Test
  void aRollingRestartUnderLoadLosesNothingAndLeavesNoConsumerStuck() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-rolling-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir,
        Map.of("skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
      cluster.awaitFullIsrs(TOPIC, PARTITIONS, 3);
      String bootstrap = cluster.ids().stream().map(id -> SkeinCluster.bootstrap(cluster.broker(id)))
          .collect(Collectors.joining(","));

      List<AcksAllLoad> loads = new ArrayList<>();
      try (GroupReader reader = GroupReader.start(bootstrap, "rolling-readers", TOPIC)) {
        for (int p = 0; p < PARTITIONS; p++) {
          loads.add(AcksAllLoad.start(cluster, TOPIC, p, "p" + p, id -> cluster.broker(id).isAlive()));
        }
        assertEventually("100 records acknowledged on every partition", Duration.ofSeconds(60),
            () -> loads.stream().allMatch(load -> load.ackedCount() >= 100));

        for (int id : cluster.ids()) {
          BrokerProcess broker = cluster.broker(id);
          long stoppingAt = System.nanoTime();
          assertTrue(broker.terminate(Duration.ofSeconds(60)),
              "broker " + id + " finishes its controlled shutdown; see " + broker.logFile);
          double stopSeconds = (System.nanoTime() - stoppingAt) / 1e9;
          broker.start(Duration.ofSeconds(120));
          cluster.awaitFullIsrs(TOPIC, PARTITIONS, 3);
          List<Integer> ackedNow = loads.stream().map(AcksAllLoad::ackedCount).toList();
          assertEventually("every partition acknowledges writes after broker " + id + " restarted",
              Duration.ofSeconds(60), () -> {
                for (int p = 0; p < PARTITIONS; p++) {
                  if (loads.get(p).ackedCount() < ackedNow.get(p) + 50) {
                    return false;
                  }
                }
                return true;
              });
          System.out.printf("RollingRestartIT: broker %d stopped in %.1f s, back with full ISRs %.1f s after the"
              + " SIGTERM%n", id, stopSeconds, (System.nanoTime() - stoppingAt) / 1e9);
        }
        for (AcksAllLoad load : loads) {
          load.close();
        }
        assertEventually("the consumer reads every acknowledged record", Duration.ofSeconds(90),
            () -> reader.hasReadAll(loads), () -> reader.gapsAgainst(loads));
        assertNull(reader.failure.get(), "the consumer failed");
      } finally {
        for (AcksAllLoad load : loads) {
          load.close();
        }
      }

      for (int id : cluster.ids()) {
        cluster.broker(id).stop();
      }
      int total = 0;
      for (int p = 0; p < PARTITIONS; p++) {
        List<ReplicaChecker.ReplicaLog> replicas = new ArrayList<>();
        for (int id : cluster.ids()) {
          replicas.add(ReplicaChecker.read(cluster.broker(id).dataDir.resolve("logs").resolve(TOPIC + "-" + p)));
        }
        ReplicaChecker.check(loads.get(p).acked, replicas);
        total += loads.get(p).acked.size();
      }
      assertTrue(total > 0);
      System.out.printf("RollingRestartIT: %d acknowledged records on all three replicas and read by the group%n",
          total);
    }
  }
}
