package io.skein.multijvm;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.DescribeClusterRequest;
import io.skein.proto.v1.PartitionMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's fault schedule: three brokers, a topic of three partitions (RF 3,
 * min.insync.replicas 2), an idempotent acks=all producer and a reader that keeps re-reading
 * near the end on every partition, and a seeded random series of faults, one broker at a time,
 * each right after the cluster healed from the one before: kill -9 (then a restart), SIGSTOP for
 * 5–15 s (then SIGCONT: the broker must come back by itself, in the same process; a request in flight
 * to it is abandoned, as a client's time-out would) and SIGTERM
 * (then a restart); healed means every ISR full and every broker seeing every other reachable. Every broker holds a copy of every partition, so each fault hits partitions
 * the victim led and partitions it followed; for each, the test prints how long acks=all writes
 * waited (the fault to the first acknowledgement of a request sent after it), and at the end the
 * median and maximum per fault kind. Afterwards: every acknowledged record is on every replica at
 * its offset, no offset a reader read holds another record, nothing an idempotent producer
 * retried is stored twice, and the replicas are byte for byte identical up to the high
 * watermark. {@code -Dskein.faults.seed} replays a schedule; {@code -Dskein.faults.count} sets its
 * length (20); {@code -Dskein.faults.kinds} (e.g. {@code TERMINATE,KILL}) draws from those kinds only.
 */
class FaultScheduleIT {

  static final String TOPIC = "faults";
  static final int PARTITIONS = 3;
  static final int BROKERS = 3;

  enum Fault {
    KILL,
    PAUSE,
    TERMINATE
  }

  /** What one fault did: per partition, how long acks=all writes waited, split by the victim's role. */
  record Outcome(int number, Fault fault, int victim, boolean controllerHost, long pauseMillis,
      List<Double> ledSeconds, List<Double> followedSeconds, double downGapSeconds, double backGapSeconds,
      double exitSeconds, double healedSeconds) {

    @Override
    public String toString() {
      return String.format("fault %2d: %-9s broker %d%s%s: acks=all again after %s s where it led, %s s where it"
              + " followed; longest wait for an ack %.1f s while it went, %.1f s while it came back%s; full ISRs again %.1f s"
              + " after the fault", number, fault,
          victim, controllerHost ? " (Controller host)" : "",
          fault == Fault.PAUSE ? String.format(" for %.1f s", pauseMillis / 1e3) : "", seconds(ledSeconds),
          seconds(followedSeconds), downGapSeconds, backGapSeconds,
          fault == Fault.TERMINATE ? String.format("; exited %.1f s after SIGTERM", exitSeconds) : "",
          healedSeconds);
    }

    private static String seconds(List<Double> values) {
      return values.isEmpty() ? "-"
          : values.stream().map(v -> String.format("%.1f", v)).collect(Collectors.joining("/"));
    }
  }

  @Test
  void randomFaultsOneBrokerAtATimeLoseNothingAndEachFailsOver() throws Exception {
    long seed = Long.getLong("skein.faults.seed", System.currentTimeMillis());
    int count = Integer.getInteger("skein.faults.count", 20);
    List<Fault> kinds = Arrays.stream(System.getProperty("skein.faults.kinds", "KILL,PAUSE,TERMINATE").split(","))
        .map(String::trim).map(Fault::valueOf).toList();
    Random random = new Random(seed);
    System.out.printf("FaultScheduleIT: %d faults, seed %d (-Dskein.faults.seed=%d replays it)%n", count, seed,
        seed);
    Path baseDir = Files.createTempDirectory("skein-faults-");
    try (SkeinCluster cluster = SkeinCluster.start(BROKERS, baseDir,
        Map.of("skein.replication.replica-lag-time-max", "5s"), Duration.ofSeconds(120))) {
      cluster.createTopic(TOPIC, PARTITIONS, BROKERS, Map.of("min.insync.replicas", "2"));
      cluster.awaitFullIsrs(TOPIC, PARTITIONS, BROKERS);
      String bootstrap = cluster.ids().stream().map(id -> SkeinCluster.bootstrap(cluster.broker(id)))
          .collect(Collectors.joining(","));

      Set<Integer> paused = ConcurrentHashMap.newKeySet();
      List<AcksAllLoad> loads = new ArrayList<>();
      List<AssignedReader> readers = new ArrayList<>();
      List<Outcome> outcomes = new ArrayList<>();
      try {
        for (int p = 0; p < PARTITIONS; p++) {
          loads.add(AcksAllLoad.start(cluster, TOPIC, p, "p" + p,
              id -> cluster.broker(id).isAlive() && !paused.contains(id)));
          readers.add(AssignedReader.start(bootstrap, TOPIC, p, Duration.ofSeconds(2), 50));
        }
        assertEventually("every partition acknowledges writes before the first fault", Duration.ofSeconds(60),
            () -> loads.stream().allMatch(load -> load.ackedCount() >= 100));

        for (int number = 1; number <= count; number++) {
          Fault fault = kinds.get(random.nextInt(kinds.size()));
          int victim = 1 + random.nextInt(BROKERS);
          long pauseMillis = 5_000 + random.nextInt(10_001);
          Outcome outcome = inject(cluster, loads, paused, number, fault, victim, pauseMillis);
          System.out.println("FaultScheduleIT: " + outcome);
          outcomes.add(outcome);
        }
        assertEventually("acks=all writes on every partition after the last fault", Duration.ofSeconds(60),
            () -> loads.stream().allMatch(load -> load.ackedCount() > 0));
      } finally {
        for (AcksAllLoad load : loads) {
          load.close();
        }
      }
      for (int p = 0; p < PARTITIONS; p++) {
        AcksAllLoad load = loads.get(p);
        AssignedReader reader = readers.get(p);
        assertEventually("the reader of partition " + p + " read every acknowledged record", Duration.ofSeconds(120),
            () -> reader.hasRead(load.acked) || reader.failure.get() != null);
        reader.close();
        assertEquals(null, reader.failure.get(), "the reader of partition " + p + " failed");
        assertTrue(reader.conflicts.isEmpty(), "an offset read twice held two records: " + reader.conflicts);
      }
      summarize(outcomes);

      for (int id : cluster.ids()) {
        cluster.broker(id).stop();
      }
      for (int p = 0; p < PARTITIONS; p++) {
        List<ReplicaChecker.ReplicaLog> replicas = cluster.replicaLogs(TOPIC, p);
        ReplicaChecker.check(loads.get(p).acked, replicas);
        ReplicaChecker.checkRead(readers.get(p).read, replicas);
        for (ReplicaChecker.ReplicaLog replica : replicas) {
          for (String value : replica.values()) {
            assertFalse(loads.get(p).refused.contains(value),
                "a record refused with NOT_ENOUGH_REPLICAS, " + value + ", is in " + replica.dir());
          }
        }
      }
    }
  }

  /** One fault, measured, then back to a healed cluster: the victim serving and every ISR full. */
  private static Outcome inject(SkeinCluster cluster, List<AcksAllLoad> loads, Set<Integer> paused, int number,
      Fault fault, int victim, long pauseMillis) throws Exception {
    BrokerProcess broker = cluster.broker(victim);
    BrokerProcess witness = cluster.broker(victim == 1 ? 2 : 1);
    boolean controllerHost = controllerId(witness) == victim;
    List<Integer> leaders = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      leaders.add(cluster.partition(TOPIC, p, witness).map(PartitionMetadata::getLeader).orElse(-1));
    }
    long pid = broker.pid();
    long faultAt;
    double exitSeconds = 0;
    switch (fault) {
      case KILL -> {
        broker.kill();
        // Taken once the JVM is gone: a request it answered while dying may still come back.
        faultAt = System.nanoTime();
      }
      case PAUSE -> {
        paused.add(victim);
        broker.pause();
        faultAt = System.nanoTime();
        loads.forEach(load -> load.abandon(victim));
      }
      case TERMINATE -> {
        faultAt = System.nanoTime();
        assertTrue(broker.terminate(Duration.ofSeconds(60)), "broker " + victim + " exits after SIGTERM");
        exitSeconds = (System.nanoTime() - faultAt) / 1e9;
      }
      default -> throw new IllegalStateException(fault.name());
    }
    long backAt;
    if (fault == Fault.PAUSE) {
      long resumeAt = faultAt + TimeUnit.MILLISECONDS.toNanos(pauseMillis);
      broker.awaitExit(Duration.ofNanos(Math.max(0, resumeAt - System.nanoTime())));
      backAt = System.nanoTime();
      broker.resume();
      paused.remove(victim);
      awaitAcksAfter(loads, faultAt, number, fault, victim);
    } else {
      awaitAcksAfter(loads, faultAt, number, fault, victim);
      backAt = System.nanoTime();
      broker.start(Duration.ofSeconds(120));
    }
    cluster.awaitFullIsrs(TOPIC, PARTITIONS, BROKERS);
    long healedAt = System.nanoTime();
    // One fault at a time: the next comes once every broker sees every other reachable again, as
    // the split-brain resolver downs a broker some member still sees unreachable when another
    // fails (DownIndirectlyConnected).
    assertEventually("every broker sees every other reachable after fault " + number, Duration.ofSeconds(60),
        () -> cluster.ids().stream().allMatch(cluster::seesAllReachable));
    if (fault == Fault.PAUSE) {
      assertTrue(broker.isAlive() && broker.pid() == pid,
          "the paused broker " + victim + " came back by itself, in the same process; see " + broker.logFile);
    }
    List<Double> led = new ArrayList<>();
    List<Double> followed = new ArrayList<>();
    long downGap = 0;
    long backGap = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      AcksAllLoad load = loads.get(p);
      double seconds = (load.firstAckAfter(faultAt).orElseThrow() - faultAt) / 1e9;
      (leaders.get(p) == victim ? led : followed).add(seconds);
      downGap = Math.max(downGap, load.longestGapWithoutAck(faultAt, backAt));
      backGap = Math.max(backGap, load.longestGapWithoutAck(backAt, healedAt));
    }
    return new Outcome(number, fault, victim, controllerHost, pauseMillis, led, followed, downGap / 1e9,
        backGap / 1e9, exitSeconds, (healedAt - faultAt) / 1e9);
  }

  private static void awaitAcksAfter(List<AcksAllLoad> loads, long faultAt, int number, Fault fault, int victim) {
    assertEventually("fault " + number + " (" + fault + " of broker " + victim + "): acks=all writes on every"
        + " partition again", Duration.ofSeconds(120),
        () -> loads.stream().allMatch(load -> load.firstAckAfter(faultAt).isPresent()));
  }

  private static int controllerId(BrokerProcess via) {
    ManagedChannel channel = via.channel();
    try {
      return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .describeCluster(DescribeClusterRequest.getDefaultInstance()).getControllerId();
    } catch (StatusRuntimeException unknown) {
      return -1;
    } finally {
      channel.shutdownNow();
    }
  }

  /** Median and maximum per fault kind and role, the figures the README reports. */
  private static void summarize(List<Outcome> outcomes) {
    Map<Fault, List<Outcome>> byKind = new EnumMap<>(Fault.class);
    outcomes.forEach(outcome -> byKind.computeIfAbsent(outcome.fault(), k -> new ArrayList<>()).add(outcome));
    byKind.forEach((fault, list) -> {
      System.out.printf("FaultScheduleIT: %-9s x%d: where the victim led %s; Controller host as victim %s;"
              + " where it only followed %s%n", fault, list.size(),
          stats(list.stream().filter(o -> !o.controllerHost()).flatMap(o -> o.ledSeconds().stream()).toList()),
          stats(list.stream().filter(Outcome::controllerHost).flatMap(o -> o.ledSeconds().stream()).toList()),
          stats(list.stream().flatMap(o -> o.followedSeconds().stream()).toList()));
      if (fault == Fault.TERMINATE) {
        System.out.printf("FaultScheduleIT: TERMINATE exit after SIGTERM %s; longest wait for an ack while it"
                + " went %s%n", stats(list.stream().map(Outcome::exitSeconds).toList()),
            stats(list.stream().map(Outcome::downGapSeconds).toList()));
      }
      System.out.printf("FaultScheduleIT: %-9s longest wait for an ack while the victim came back %s%n", fault,
          stats(list.stream().map(Outcome::backGapSeconds).toList()));
    });
  }

  private static String stats(List<Double> values) {
    if (values.isEmpty()) {
      return "(none)";
    }
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return String.format("median %.1f s, max %.1f s (n=%d)", median, sorted.get(n - 1), n);
  }
}
