package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.proto.v1.PartitionMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 4 (a): three brokers, RF=3, min.insync.replicas=2, an acks=all producer running;
 * kill -9 the partition leader. The producer continues once a new leader is elected, and
 * every acknowledged record is afterwards on every surviving replica, once per offset, in
 * order, nothing the idempotent producer retried is stored twice. Prints the failover time (kill
 * to the first acknowledged write after it).
 */
class ReplicatedFailoverIT {

  static final String TOPIC = "failover";

  @Test
  void killingTheLeaderLosesNoAcknowledgedWrite() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-repl-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir,
        Map.of("skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
      assertEventually("partition has a leader and a full ISR", Duration.ofSeconds(60), () ->
          cluster.partition(TOPIC, 0).filter(p -> p.getLeader() > 0 && p.getIsrCount() == 3).isPresent());

      double failoverSeconds;
      int leader;
      Map<Long, String> acked;
      try (AcksAllLoad load = AcksAllLoad.start(cluster, TOPIC, 0, "v", id -> cluster.broker(id).isAlive())) {
        assertEventually("500 records acknowledged before the kill", Duration.ofSeconds(90),
            () -> load.ackedCount() >= 500);

        leader = cluster.partition(TOPIC, 0).orElseThrow().getLeader();
        cluster.broker(leader).kill();
        // Taken once the JVM is gone: a request sent while the kill command started may still be answered by it.
        long killedAt = System.nanoTime();
        int ackedAtKill = load.ackedCount();
        assertEventually("writes acknowledged again after the leader was killed", Duration.ofSeconds(120),
            () -> load.firstAckAfter(killedAt).isPresent() && load.ackedCount() >= ackedAtKill + 500);
        failoverSeconds = (load.firstAckAfter(killedAt).orElseThrow() - killedAt) / 1e9;
        load.close();
        acked = load.acked;
      }

      List<Integer> survivors = new ArrayList<>(cluster.ids());
      survivors.remove(Integer.valueOf(leader));
      assertEventually("the survivors " + survivors + " are the ISR", Duration.ofSeconds(60), () -> {
        Optional<PartitionMetadata> p = cluster.partition(TOPIC, 0);
        return p.isPresent() && p.get().getIsrList().containsAll(survivors) && survivors.contains(p.get().getLeader());
      });
      int newLeader = cluster.partition(TOPIC, 0).orElseThrow().getLeader();
      for (int id : survivors) {
        cluster.broker(id).stop();
      }
      List<ReplicaChecker.ReplicaLog> replicas = new ArrayList<>();
      for (int id : survivors) {
        replicas.add(ReplicaChecker.read(cluster.broker(id).dataDir.resolve("logs").resolve(TOPIC + "-0")));
      }
      ReplicaChecker.check(acked, replicas);
      assertTrue(newLeader != leader);
      System.out.printf("ReplicatedFailoverIT: leader %d killed, broker %d leads; failover (kill -9 to first"
              + " acknowledged acks=all write) %.1f s; %d acknowledged records on both survivors%n",
          leader, newLeader, failoverSeconds, acked.size());
    }
  }
}
