package io.skein.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.skein.metrics.SampleRing;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Brokers' shares of a chart's history merged into one series. */
class ClusterLogsTest {

  @Test
  void aTopicsHistorySumsTheBrokersSamplesAtTheTimesAllOfThemHave() {
    NodeLogs.History one = new NodeLogs.History(1, new long[] {5_000, 10_000, 15_000},
        new long[][] {{1, 2, 3}, {10, 20, 30}});
    NodeLogs.History two = new NodeLogs.History(2, new long[] {10_000, 15_000, 20_000},
        new long[][] {{100, 200, 300}, {1000, 2000, 3000}});
    NodeLogs.History none = new NodeLogs.History(3, new long[0], new long[2][0]);
    SampleRing.Samples merged = ClusterLogs.merge(NodeLogs.Series.TOPIC, List.of(one, two, none));
    assertArrayEquals(new long[] {10_000, 15_000}, merged.timesMs());
    assertArrayEquals(new long[] {102, 203}, merged.values()[0]);
    assertArrayEquals(new long[] {1020, 2030}, merged.values()[1]);
  }

  @Test
  void aGroupsHistoryTakesEachTimeFromOneBroker() {
    NodeLogs.History before = new NodeLogs.History(1, new long[] {5_000, 10_000}, new long[][] {{7, 8}});
    NodeLogs.History after = new NodeLogs.History(2, new long[] {10_000, 15_000}, new long[][] {{9, 4}});
    SampleRing.Samples merged = ClusterLogs.merge(NodeLogs.Series.GROUP, List.of(before, after));
    assertArrayEquals(new long[] {5_000, 10_000, 15_000}, merged.timesMs());
    assertArrayEquals(new long[] {7, 8, 4}, merged.values()[0]);
  }
}
