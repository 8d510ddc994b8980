package io.skein.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The health gauges from assignments, and the election and ISR counters. */
class ClusterHealthTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ClusterHealth health = new ClusterHealth(registry);

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  @Test
  void countsPartitionsLedHereThatLackReplicasAndPartitionsWithoutALiveLeader() {
    Topic orders = new Topic("orders", "id-1", List.of(
        new ReplicaAssignment(List.of(1, 2, 3), 1, 0, List.of(1, 2, 3)),
        new ReplicaAssignment(List.of(1, 2, 3), 1, 0, List.of(1, 2)),
        new ReplicaAssignment(List.of(1, 2, 3), 1, 0, List.of(1)),
        new ReplicaAssignment(List.of(2, 3, 4), 4, 0, List.of(4))), Map.of("min.insync.replicas", "2"));
    Topic logs = new Topic("logs", "id-2", List.of(
        new ReplicaAssignment(List.of(1, 2), 1, 0, List.of(1))), Map.of());
    health.update(1, List.of(orders, logs), Set.of(1, 2, 3), 1);
    assertEquals(4, gauge("skein.partitions.led"));
    assertEquals(3, gauge("skein.partitions.under.replicated"));
    assertEquals(1, gauge("skein.partitions.under.min.isr"), "orders-2 (1 < 2); logs-0 meets the default 1");
    assertEquals(1, gauge("skein.partitions.offline"), "orders-3: broker 4 is no member");
    assertEquals(3, gauge("skein.brokers.up"));
  }

  @Test
  void countsElectionsAndIsrShrinksAndExpands() {
    health.leadersElected(3);
    health.isrChanged(3, 2);
    health.isrChanged(2, 3);
    health.isrChanged(2, 3);
    assertEquals(3, registry.get("skein.leader.elections").counter().count());
    assertEquals(1, registry.get("skein.isr.shrinks").counter().count());
    assertEquals(2, registry.get("skein.isr.expands").counter().count());
  }

  @Test
  void anElectionIsTimedFromTheControllersDecisionToTheLeaderServing() {
    health.leaderServing(10_000, 10_750);
    health.leaderServing(20_000, 19_990);
    Timer elections = registry.get("skein.leader.election.duration").timer();
    assertEquals(2, elections.count());
    assertEquals(750, elections.totalTime(TimeUnit.MILLISECONDS), "a clock behind the Controller's counts 0");
    assertEquals(750, elections.max(TimeUnit.MILLISECONDS));
  }

  @Test
  void theControllerIsPresentAsLastSeen() {
    assertEquals(0, gauge("skein.controller.present"), "not seen before the first look");
    health.controllerSeen(true);
    assertEquals(1, gauge("skein.controller.present"));
    health.controllerSeen(false);
    assertEquals(0, gauge("skein.controller.present"));
  }
}
