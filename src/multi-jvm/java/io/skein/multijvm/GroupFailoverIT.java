package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.Admin;
import io.skein.client.OffsetAndMetadata;
import io.skein.client.TopicPartition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 4 (d): a consumer group reads a replicated topic under an acks=all load, committing
 * after every poll. kill -9 a broker that leads a partition (not the group's coordinator),
 * restart it, then kill -9 the broker that hosts the group's coordinator. The group keeps
 * consuming through both, reads every acknowledged record, and no offset whose commit was
 * confirmed is lost: the group's committed offsets are afterwards exactly the last ones
 * confirmed.
 */
class GroupFailoverIT {

  static final String TOPIC = "group-failover";
  static final String GROUP = "billing";
  static final int PARTITIONS = 3;

  @Test
  void aGroupKeepsConsumingThroughLeaderFailoverAndTheLossOfItsCoordinatorsNode() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-group-failover-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir,
        Map.of("skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
      cluster.awaitFullIsrs(TOPIC, PARTITIONS, 3);
      String bootstrap = cluster.ids().stream().map(id -> SkeinCluster.bootstrap(cluster.broker(id)))
          .collect(Collectors.joining(","));

      List<AcksAllLoad> loads = new ArrayList<>();
      try (GroupReader reader = GroupReader.start(bootstrap, GROUP, TOPIC)) {
        for (int p = 0; p < PARTITIONS; p++) {
          loads.add(AcksAllLoad.start(cluster, TOPIC, p, "p" + p, id -> cluster.broker(id).isAlive()));
        }
        assertEventually("the group reads and commits every partition", Duration.ofSeconds(90),
            () -> reader.committed.size() == PARTITIONS && reader.readCount() >= 300);
        int coordinatorNode = coordinatorNode(cluster);

        // A partition leader that does not host the coordinator: only partition leadership moves.
        int leaderNode = cluster.ids().stream().filter(id -> id != coordinatorNode).findFirst().orElseThrow();
        int ledPartition = partitionLedBy(cluster, leaderNode);
        long readBefore = reader.readCount(ledPartition);
        cluster.broker(leaderNode).kill();
        assertEventually("the group reads partition " + ledPartition + " again after its leader " + leaderNode
            + " was killed", Duration.ofSeconds(90),
            () -> reader.readCount(ledPartition) >= readBefore + 100);
        cluster.broker(leaderNode).start(Duration.ofSeconds(120));
        cluster.awaitFullIsrs(TOPIC, PARTITIONS, 3);

        // The broker hosting the group's coordinator: the coordinator moves with its state.
        Map<Integer, Long> confirmedBeforeKill = Map.copyOf(reader.committed);
        long readAtKill = reader.readCount();
        cluster.broker(coordinatorNode).kill();
        Map<Integer, Long> committedAtKill = new HashMap<>(reader.committed);
        assertEventually("the group reads and commits again after its coordinator's node " + coordinatorNode
            + " was killed", Duration.ofSeconds(120), () -> reader.readCount() >= readAtKill + 300
            && PARTITIONS == committedAtKill.keySet().stream()
                .filter(p -> reader.committed.get(p) > committedAtKill.get(p)).count());
        String newCoordinator = findCoordinatorNode(cluster).map(String::valueOf).orElse("a node that logged no new generation");
        Map<Integer, Long> durable = committedOffsets(cluster);
        for (Map.Entry<Integer, Long> confirmed : confirmedBeforeKill.entrySet()) {
          assertTrue(durable.get(confirmed.getKey()) >= confirmed.getValue(), "offset " + confirmed.getValue()
              + " of partition " + confirmed.getKey() + " was confirmed before the coordinator's node died, the"
              + " group now has " + durable.get(confirmed.getKey()));
        }

        for (AcksAllLoad load : loads) {
          load.close();
        }
        assertEventually("the group reads every acknowledged record", Duration.ofSeconds(90),
            () -> reader.hasReadAll(loads), () -> reader.gapsAgainst(loads));
        reader.close();
        assertNull(reader.failure.get(), "the consumer failed");
        assertEquals(reader.committed, committedOffsets(cluster), "the group's committed offsets are the last"
            + " ones whose commit was confirmed");

        // Back with all three brokers, every partition's replicas agree byte for byte.
        cluster.broker(coordinatorNode).start(Duration.ofSeconds(120));
        cluster.awaitFullIsrs(TOPIC, PARTITIONS, 3);
        for (int id : cluster.ids()) {
          cluster.broker(id).stop();
        }
        for (int p = 0; p < PARTITIONS; p++) {
          ReplicaChecker.check(loads.get(p).acked, cluster.replicaLogs(TOPIC, p));
        }
        System.out.printf("GroupFailoverIT: group read %d records through the failover of partition %d (broker %d"
                + " killed) and the loss of its coordinator's broker %d (coordinator now on %s); committed %s%n",
            reader.readCount(), ledPartition, leaderNode, coordinatorNode, newCoordinator, reader.committed);
      } finally {
        for (AcksAllLoad load : loads) {
          load.close();
        }
      }
    }
  }

  /** The broker whose log shows the group coordinator's latest generation. */
  private static int coordinatorNode(SkeinCluster cluster) {
    assertEventually("a broker hosts the coordinator of " + GROUP, Duration.ofSeconds(90),
        () -> findCoordinatorNode(cluster).isPresent());
    return findCoordinatorNode(cluster).orElseThrow();
  }

  private static Optional<Integer> findCoordinatorNode(SkeinCluster cluster) {
    String latest = "";
    Optional<Integer> found = Optional.empty();
    for (int id : cluster.ids()) {
      BrokerProcess broker = cluster.broker(id);
      if (!broker.isAlive()) {
        continue;
      }
      Optional<String> line = lastLine(broker, "Group " + GROUP + ": generation");
      if (line.isPresent() && line.get().compareTo(latest) > 0) {
        latest = line.get();
        found = Optional.of(id);
      }
    }
    return found;
  }

  private static Optional<String> lastLine(BrokerProcess broker, String containing) {
    try {
      String output = broker.output();
      String last = null;
      for (String line : output.substring(output.lastIndexOf("=== start ")).split("\n")) {
        if (line.contains(containing)) {
          last = line;
        }
      }
      return Optional.ofNullable(last);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int partitionLedBy(SkeinCluster cluster, int brokerId) {
    for (int p = 0; p < PARTITIONS; p++) {
      if (cluster.describe(TOPIC, p).orElseThrow().getLeader() == brokerId) {
        return p;
      }
    }
    throw new AssertionError("broker " + brokerId + " leads no partition of " + TOPIC);
  }

  private static Map<Integer, Long> committedOffsets(SkeinCluster cluster) {
    try (Admin admin = Admin.create(SkeinCluster.bootstrap(cluster.anyLive()))) {
      Map<Integer, Long> offsets = new HashMap<>();
      for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : admin.listGroupOffsets(GROUP).entrySet()) {
        offsets.put(entry.getKey().partition(), entry.getValue().offset());
      }
      return offsets;
    }
  }
}
