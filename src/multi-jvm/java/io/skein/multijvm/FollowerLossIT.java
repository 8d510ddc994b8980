package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.client.Admin;
import io.skein.client.SkeinException;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.PartitionDescription;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 4 (c): three brokers, RF=3, min.insync.replicas=2, an acks=all load. Kill a follower:
 * the ISR shrinks and acks=all continues. Kill the second: the ISR is the leader alone and
 * acks=all is refused with NOT_ENOUGH_REPLICAS before anything is written. Restart both:
 * they catch up and rejoin the ISR, and every acknowledged record is on all three replicas.
 *
 * <p>Broker 1 stays up throughout and the partition followed is the one it leads: with two
 * brokers left, keep-majority keeps the side with the lowest address, which is broker 1's.
 */
class FollowerLossIT {

  static final String TOPIC = "follower-loss";

  @Test
  void theIsrShrinksWithLostFollowersRefusesAcksAllBelowMinInsyncAndGrowsBack() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-followers-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir,
        Map.of("skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      // Three partitions, each preferring a different leader: one of them is led by broker 1.
      cluster.createTopic(TOPIC, 3, 3, Map.of("min.insync.replicas", "2"));
      int[] found = new int[1];
      assertEventually("a partition led by broker 1 with a full ISR", Duration.ofSeconds(60), () -> {
        for (int p = 0; p < 3; p++) {
          Optional<PartitionDescription> d = cluster.describe(TOPIC, p);
          if (d.isPresent() && d.get().getLeader() == 1 && d.get().getIsrCount() == 3) {
            found[0] = p;
            return true;
          }
        }
        return false;
      });
      int partition = found[0];
      // Any broker's console shows every partition's log, from one answer of each broker.
      assertEventually("broker 1's console shows the logs of partitions led elsewhere", Duration.ofSeconds(30),
          () -> cluster.console(1, "/topics/" + TOPIC).map(topic -> {
            boolean ledElsewhere = false;
            for (JsonNode p : topic.get("partitions")) {
              if (p.get("highWatermark").isNull()) {
                return false;
              }
              ledElsewhere |= p.get("leader").asInt() != 1;
            }
            return ledElsewhere;
          }).orElse(false));
      // A follower copies each batch in one remote message: batches that cannot fit are refused up front.
      try (Admin admin = Admin.create(SkeinCluster.bootstrap(cluster.broker(1)))) {
        SkeinException tooLarge = assertThrows(SkeinException.class,
            () -> admin.alterTopicConfigs(TOPIC, Map.of("max.message.bytes", Integer.toString(4 << 20)), List.of()));
        assertEquals(ErrorCode.INVALID_CONFIG, tooLarge.errorCode(), tooLarge.getMessage());
      }
      Map<Long, String> acked = new TreeMap<>();
      Set<String> refused = new HashSet<>();

      try (AcksAllLoad load = AcksAllLoad.start(cluster, TOPIC, partition, "before", id -> cluster.broker(id).isAlive())) {
        assertEventually("300 records acknowledged with the full ISR", Duration.ofSeconds(60),
            () -> load.ackedCount() >= 300);

        assertEventually("the leader's metrics count no under-replicated partition", Duration.ofSeconds(30),
            () -> cluster.metrics(1).sum("skein_partitions_under_replicated") == 0);
        cluster.broker(3).kill();
        long killedAt = System.nanoTime();
        awaitIsr(cluster, partition, Set.of(1, 2));
        // Broker 1 leads one partition of three: the ISR of each it leads lost broker 3.
        assertEventually("the leader's metrics count its partitions under-replicated", Duration.ofSeconds(30),
            () -> cluster.metrics(1).sum("skein_partitions_under_replicated") >= 1);
        int ackedAtShrink = load.ackedCount();
        assertEventually("acks=all continues with ISR [1, 2]", Duration.ofSeconds(60),
            () -> load.ackedCount() >= ackedAtShrink + 300);
        System.out.printf("FollowerLossIT: first acks=all write acknowledged %.1f s after the kill -9 of a follower%n",
            (load.firstAckAfter(killedAt).orElseThrow() - killedAt) / 1e9);

        cluster.broker(2).kill();
        awaitIsr(cluster, partition, Set.of(1));
        assertEventually("acks=all refused with NOT_ENOUGH_REPLICAS", Duration.ofSeconds(30),
            () -> load.errorCount(ErrorCode.NOT_ENOUGH_REPLICAS) >= 5);
        load.close();
        acked.putAll(load.acked);
        refused.addAll(load.refused);
      }

      // Refused before writing: the leader's log does not grow with refused requests.
      long logEnd = cluster.describe(TOPIC, partition).orElseThrow().getLogEndOffset();
      ManagedChannel channel = cluster.broker(1).channel();
      try {
        for (int i = 0; i < 5; i++) {
          String value = "refused-" + i;
          try {
            ProducerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.SECONDS)
                .produce(ProduceRequest.newBuilder().setTopic(TOPIC).setPartition(partition).setAcks(-1)
                    .setTimeoutMs(10_000).setRecords(AcksAllLoad.batch(value)).build());
            fail("acks=all with the leader as the only in-sync replica was acknowledged");
          } catch (StatusRuntimeException expected) {
            assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, ApiErrors.errorCode(expected), expected.getMessage());
            refused.add(value);
          }
        }
      } finally {
        channel.shutdownNow();
      }
      assertEquals(logEnd, cluster.describe(TOPIC, partition).orElseThrow().getLogEndOffset(),
          "log end offset after refused acks=all requests");

      cluster.broker(2).launch();
      cluster.broker(3).launch();
      cluster.broker(2).awaitReady(Duration.ofSeconds(120));
      cluster.broker(3).awaitReady(Duration.ofSeconds(120));
      awaitIsr(cluster, partition, Set.of(1, 2, 3));
      try (AcksAllLoad load = AcksAllLoad.start(cluster, TOPIC, partition, "after", id -> cluster.broker(id).isAlive())) {
        assertEventually("acks=all acknowledged again with the full ISR", Duration.ofSeconds(60),
            () -> load.ackedCount() >= 200);
        load.close();
        acked.putAll(load.acked);
      }
      awaitIsr(cluster, partition, Set.of(1, 2, 3));
      assertEventually("under-replicated back to 0 on the leader, and ISR expansions counted by the Controller",
          Duration.ofSeconds(60), () -> cluster.metrics(1).sum("skein_partitions_under_replicated") == 0
              && cluster.ids().stream().mapToDouble(id -> cluster.metrics(id).sum("skein_isr_expands_total")).sum() >= 1);
      long highWatermark = cluster.describe(TOPIC, partition).orElseThrow().getHighWatermark();

      for (int id : cluster.ids()) {
        cluster.broker(id).stop();
      }
      List<ReplicaChecker.ReplicaLog> replicas = new ArrayList<>();
      for (int id : cluster.ids()) {
        replicas.add(ReplicaChecker.read(cluster.broker(id).dataDir.resolve("logs").resolve(TOPIC + "-" + partition)));
      }
      ReplicaChecker.check(acked, replicas);
      for (ReplicaChecker.ReplicaLog replica : replicas) {
        assertTrue(replica.offsets().size() >= highWatermark, "caught up to the high watermark " + highWatermark
            + ": " + replica.dir() + " has " + replica.offsets().size() + " records");
        for (String value : replica.values()) {
          assertFalse(refused.contains(value), "a record refused with NOT_ENOUGH_REPLICAS is in " + replica.dir());
        }
      }
      System.out.printf("FollowerLossIT: partition %d led by broker 1; %d acknowledged records on all three replicas"
          + " after losing and restarting both followers; %d refused records written nowhere%n",
          partition, acked.size(), refused.size());
    }
  }

  private static void awaitIsr(SkeinCluster cluster, int partition, Set<Integer> isr) {
    assertEventually("ISR of " + TOPIC + "-" + partition + " is " + isr + " under leader 1", Duration.ofSeconds(90),
        () -> cluster.describe(TOPIC, partition)
            .filter(d -> d.getLeader() == 1 && new HashSet<>(d.getIsrList()).equals(isr))
            .isPresent());
  }
}
