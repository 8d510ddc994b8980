package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.proto.v1.PartitionMetadata;
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
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: two leader changes within seconds under an acks=all load, as when replicas diverged.
 * The preferred replica is stopped and restarted; the Controller hands leadership back to it as
 * soon as it rejoins the ISR, while the interim leader still has records past the high
 * watermark. As soon as the returned leader has appended a few records, it fails again
 * (SIGTERM, kill -9 or SIGSTOP, one per round), so that the interim leader, first in line and
 * perhaps not yet reconciled, is elected while the third replica may hold records of the epoch
 * in between. Afterwards every acknowledged record is on every replica, the replicas are
 * byte-identical up to the high watermark, and no offset a consumer read (it keeps re-reading
 * the recent past) ever held another record.
 */
class QuickLeaderChangesIT {

  static final String TOPIC = "quick";

  enum Fault {
    SIGTERM,
    SIGKILL,
    SIGSTOP
  }

  @Test
  void replicasStayIdenticalThroughLeaderChangesInQuickSuccession() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-quick-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir,
        Map.of("skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, 3, 3, Map.of("min.insync.replicas", "2"));
      cluster.awaitFullIsrs(TOPIC, 3, 3);
      // Broker 1, the oldest, hosts the Controller and the shard coordinator, and only observes:
      // take the partition whose preferred and second replicas are the others.
      int partition = IntStream.range(0, 3)
          .filter(p -> cluster.partition(TOPIC, p).orElseThrow().getReplicas(2) == 1).findFirst().orElseThrow();
      int preferred = cluster.partition(TOPIC, partition).orElseThrow().getReplicas(0);
      BrokerProcess victim = cluster.broker(preferred);
      Set<Integer> paused = ConcurrentHashMap.newKeySet();
      String bootstrap = cluster.ids().stream().map(id -> SkeinCluster.bootstrap(cluster.broker(id)))
          .collect(Collectors.joining(","));
      Map<Long, String> acked = new TreeMap<>();
      List<String> rounds = new ArrayList<>();
      try (AssignedReader reader = AssignedReader.start(bootstrap, TOPIC, partition, Duration.ofSeconds(2), 2_000);
          AcksAllLoad first = AcksAllLoad.start(cluster, TOPIC, partition, "a",
              id -> cluster.broker(id).isAlive() && !paused.contains(id));
          AcksAllLoad second = AcksAllLoad.start(cluster, TOPIC, partition, "b",
              id -> cluster.broker(id).isAlive() && !paused.contains(id))) {
        for (Fault fault : Fault.values()) {
          awaitAcks(first, second, 200);
          // The preferred replica leaves (handing its leadership over) and comes back.
          BrokerProcess oldest = cluster.broker(1);
          assertTrue(victim.terminate(Duration.ofSeconds(60)), "broker " + preferred + " stops on SIGTERM");
          int interim = awaitLeader("an interim leader", cluster, oldest, partition,
              leader -> leader > 0 && leader != preferred).getLeader();
          // Metadata comes from the third broker, which never fails.
          BrokerProcess third = cluster.broker(6 - preferred - interim);
          awaitAcks(first, second, 200);
          victim.start(Duration.ofSeconds(120));
          PartitionMetadata returned = awaitLeader("leadership returns to broker " + preferred, cluster, third, partition,
              leader -> leader == preferred);
          long[] endAtReturn = {-1};
          assertEventually("broker " + preferred + " appends at epoch " + returned.getLeaderEpoch(),
              Duration.ofSeconds(60), () -> cluster.describe(TOPIC, partition, third)
                  .filter(p -> p.getLeader() == preferred)
                  .filter(p -> {
                    endAtReturn[0] = endAtReturn[0] < 0 ? p.getLogEndOffset() : endAtReturn[0];
                    return p.getLogEndOffset() >= endAtReturn[0] + 20;
                  })
                  .isPresent());
          switch (fault) {
            case SIGTERM -> victim.sendTerminate();
            case SIGKILL -> victim.kill();
            case SIGSTOP -> {
              paused.add(preferred);
              victim.pause();
            }
          }
          PartitionMetadata next = awaitLeader("a new leader after the " + fault + " of broker " + preferred,
              cluster, third, partition, leader -> leader > 0 && leader != preferred);
          awaitAcks(first, second, 200);
          rounds.add(fault + ": epoch " + returned.getLeaderEpoch() + " on broker " + preferred + ", epoch "
              + next.getLeaderEpoch() + " on broker " + next.getLeader() + " (interim leader " + interim + ")");
          if (fault == Fault.SIGSTOP) {
            // Downed while frozen, it starts a new incarnation in the same process once it runs again.
            cluster.awaitDowned(preferred, third);
            long pid = victim.pid();
            int incarnations = reincarnations(victim);
            victim.resume();
            paused.remove(preferred);
            assertEventually("the downed broker starts a new incarnation; see " + victim.logFile,
                Duration.ofSeconds(60), () -> reincarnations(victim) > incarnations);
            victim.awaitReady(Duration.ofSeconds(120));
            assertTrue(victim.isAlive() && victim.pid() == pid, "no restart of the process; see " + victim.logFile);
          } else {
            assertTrue(victim.awaitExit(Duration.ofSeconds(60)), "broker " + preferred + " stopped");
            victim.start(Duration.ofSeconds(120));
          }
        }
        cluster.awaitFullIsrs(TOPIC, 3, 3);
        awaitAcks(first, second, 200);
        first.close();
        second.close();
        acked.putAll(first.acked);
        acked.putAll(second.acked);
        assertEventually("the reader read every acknowledged record", Duration.ofSeconds(120),
            () -> reader.hasRead(acked), () -> "reader failure: " + reader.failure.get());
        reader.close();
        assertNull(reader.failure.get(), "the reader ran throughout");
        assertEquals(List.of(), List.copyOf(reader.conflicts), "no offset read held another record later");

        for (int id : cluster.ids()) {
          cluster.broker(id).stop();
        }
        List<ReplicaChecker.ReplicaLog> replicas = cluster.replicaLogs(TOPIC, partition);
        ReplicaChecker.check(acked, replicas);
        ReplicaChecker.checkRead(reader.read, replicas);
        System.out.printf("QuickLeaderChangesIT: %s; %d acks=all records acknowledged, %d offsets read, replicas"
            + " identical%n", rounds, acked.size(), reader.read.size());
      }
    }
  }

  /** How often the broker has started over after being downed, as its log tells. */
  private static int reincarnations(BrokerProcess broker) {
    try {
      return (int) broker.output().lines().filter(line -> line.contains(PausedLeaderIT.REINCARNATION)).count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void awaitAcks(AcksAllLoad first, AcksAllLoad second, int more) {
    int target = first.ackedCount() + second.ackedCount() + more;
    assertEventually(more + " more records acknowledged", Duration.ofSeconds(120),
        () -> first.ackedCount() + second.ackedCount() >= target,
        () -> "errors " + first.errors + " " + second.errors);
  }

  private static PartitionMetadata awaitLeader(String what, SkeinCluster cluster, BrokerProcess via, int partition,
      IntPredicate leader) {
    PartitionMetadata[] found = new PartitionMetadata[1];
    assertEventually(what, Duration.ofSeconds(120), () -> {
      Optional<PartitionMetadata> metadata = cluster.partition(TOPIC, partition, via);
      metadata.filter(p -> leader.test(p.getLeader())).ifPresent(p -> found[0] = p);
      return found[0] != null;
    });
    return found[0];
  }
}
