package io.skein.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The group gauges as each refresh describes the groups, and rebalances counted from generations. */
class GroupHealthTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SampleTable lagHistory = new SampleTable(Duration.ofSeconds(5), Duration.ofMinutes(1), 1);
  private final GroupHealth health = new GroupHealth(registry, lagHistory);

  private static GroupHealth.Group group(String id, int generation, GroupHealth.Lag... lags) {
    return new GroupHealth.Group(id, 2, generation, List.of(lags));
  }

  private double rebalances(String group) {
    return registry.get("skein.group.rebalances").tag("group", group).counter().count();
  }

  @Test
  void rebalancesCountTheGenerationsSinceTheGroupWasFirstSeen() {
    health.update(List.of(group("orders", 5)));
    assertEquals(0, rebalances("orders"), "the first look sets where counting starts");
    health.update(List.of(group("orders", 6)));
    health.update(List.of(group("orders", 6)));
    health.update(List.of(group("orders", 9)));
    assertEquals(4, rebalances("orders"), "6, then 7, 8 and 9 between two looks");
    assertEquals(9, registry.get("skein.group.generation").tag("group", "orders").gauge().value());
  }

  @Test
  void aGroupThatGoesAwayLosesItsSeries() {
    health.update(List.of(group("orders", 1, new GroupHealth.Lag("t", 0, 3, 1.5)), group("audit", 1)));
    health.update(List.of(group("audit", 2)));
    assertTrue(registry.find("skein.group.rebalances").tag("group", "orders").counters().isEmpty());
    assertTrue(registry.find("skein.group.lag.records").tag("group", "orders").gauges().isEmpty());
    assertEquals(1, rebalances("audit"));
  }

  @Test
  void lagIsReportedPerGroupAndPartition() {
    health.update(List.of(group("orders", 1, new GroupHealth.Lag("t", 0, 3, 1.5), new GroupHealth.Lag("t", 1, 0, 0))));
    assertEquals(3, registry.get("skein.group.lag.records").tags("group", "orders", "partition", "0").gauge().value());
    assertEquals(1.5, registry.get("skein.group.lag.seconds").tags("group", "orders", "partition", "0").gauge().value());
    assertEquals(0, registry.get("skein.group.lag.records").tags("group", "orders", "partition", "1").gauge().value());
  }

  @Test
  void eachUpdateSamplesTheGroupsTotalLagsIntoTheHistory() {
    health.update(List.of(group("orders", 1, new GroupHealth.Lag("t", 0, 3, 1.5), new GroupHealth.Lag("t", 1, 4, 2)),
        group("audit", 1)));
    assertEquals(7, lagHistory.samples("orders").orElseThrow().values()[0][0]);
    assertEquals(0, lagHistory.samples("audit").orElseThrow().values()[0][0]);
    health.update(List.of(group("orders", 1)));
    assertTrue(lagHistory.samples("audit").isEmpty(), "a group that went has no series left");
  }
}
