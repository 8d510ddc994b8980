package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.skein.proto.v1.PartitionMetadata;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 4 (a): three brokers, RF=3, min.insync.replicas=2, an acks=all producer running;
 * kill -9 the partition leader. The producer continues once a new leader is elected, and
 * every acknowledged record is afterwards on every surviving replica, once per offset, in
 * order. Prints the failover time (kill to the first acknowledged write after it).
 */
class ReplicatedFailoverIT {

  static final String TOPIC = "failover";
  static final int RECORDS_PER_BATCH = 5;

  @Test
  void killingTheLeaderLosesNoAcknowledgedWrite() throws Exception {
    Path baseDir = Files.createTempDirectory("skein-repl-");
    try (SkeinCluster cluster = SkeinCluster.start(3, baseDir,
        Map.of("skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
      assertEventually("partition has a leader and a full ISR", Duration.ofSeconds(60), () ->
          cluster.partition(TOPIC, 0).filter(p -> p.getLeader() > 0 && p.getIsrCount() == 3).isPresent());

      AckedWrites acked = new AckedWrites();
      Set<Integer> killed = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      Thread producer = new Thread(() -> produce(cluster, killed, acked, stop), "producer");
      producer.start();
      assertEventually("500 records acknowledged before the kill", Duration.ofSeconds(90),
          () -> acked.records.size() >= 500);

      int leader = cluster.partition(TOPIC, 0).orElseThrow().getLeader();
      killed.add(leader);
      cluster.broker(leader).kill();
      // Taken once the JVM is gone: a request sent while the kill command started may still be answered by it.
      long killedAt = System.nanoTime();
      int ackedAtKill = acked.records.size();
      assertEventually("writes acknowledged again after the leader was killed", Duration.ofSeconds(120),
          () -> acked.firstAckAfter(killedAt).isPresent() && acked.records.size() >= ackedAtKill + 500);
      double failoverSeconds = (acked.firstAckAfter(killedAt).orElseThrow() - killedAt) / 1e9;
      stop.set(true);
      producer.join(TimeUnit.SECONDS.toMillis(60));

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
      ReplicaChecker.check(acked.records, replicas);
      assertTrue(newLeader != leader);
      System.out.printf("ReplicatedFailoverIT: leader %d killed, broker %d leads; failover (kill -9 to first"
              + " acknowledged acks=all write) %.1f s; %d acknowledged records on both survivors%n",
          leader, newLeader, failoverSeconds, acked.records.size());
    }
  }

  /** Every acknowledged record by offset, and when each acknowledged request was sent and answered. */
  static final class AckedWrites {
    final Map<Long, String> records = new ConcurrentSkipListMap<>();
    /** Send time to answer time (System.nanoTime) of each acknowledged request. */
    final ConcurrentSkipListMap<Long, Long> ackTimes = new ConcurrentSkipListMap<>();

    /** When the first request sent after {@code nanos} was acknowledged: one in flight at the kill does not count. */
    Optional<Long> firstAckAfter(long nanos) {
      return ackTimes.tailMap(nanos, false).values().stream().min(Long::compare);
    }
  }

  /** acks=all batches through any live broker (sharding routes them to the leader); on an error, the next one. */
  private static void produce(SkeinCluster cluster, Set<Integer> killed, AckedWrites acked, AtomicBoolean stop) {
    List<Integer> ids = cluster.ids();
    Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
    AtomicLong sequence = new AtomicLong();
    int target = 0;
    try {
      while (!stop.get()) {
        int id = ids.get(target % ids.size());
        if (killed.contains(id)) {
          target++;
          continue;
        }
        ManagedChannel channel = channels.computeIfAbsent(id, i -> cluster.broker(i).channel());
        long seq = sequence.getAndIncrement();
        String[] values = new String[RECORDS_PER_BATCH];
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
          values[i] = "v-" + seq + "-" + i;
        }
        long sentAt = System.nanoTime();
        try {
          ProduceResponse response = ProducerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.SECONDS)
              .produce(ProduceRequest.newBuilder().setTopic(TOPIC).setPartition(0).setAcks(-1).setTimeoutMs(10_000)
                  .setRecords(batch(values)).build());
          for (int i = 0; i < RECORDS_PER_BATCH; i++) {
            acked.records.put(response.getBaseOffset() + i, values[i]);
          }
          acked.ackTimes.put(sentAt, System.nanoTime());
        } catch (StatusRuntimeException failed) {
          // Not acknowledged: it may or may not be in the log; the checker only holds acks to account.
          target++;
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // back-off of the load generator
        }
      }
    } finally {
      channels.values().forEach(ManagedChannel::shutdownNow);
    }
  }

  private static ByteString batch(String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
    }
    return ByteString.copyFrom(MemoryRecords.withRecords(Compression.NONE, records).buffer());
  }
}
