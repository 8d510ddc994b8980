package io.skein.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The charts' history on a driven clock: bounded rings, times on the interval, series dropped with their keys. */
class SampleTableTest {

  private static final long INTERVAL = 5_000;

  @Test
  void aRingKeepsTheLastSamplesOldestFirst() {
    SampleRing ring = new SampleRing(3, 2);
    for (int i = 1; i <= 5; i++) {
      ring.add(i * INTERVAL, i, i * 10);
    }
    SampleRing.Samples samples = ring.samples();
    assertArrayEquals(new long[] {3 * INTERVAL, 4 * INTERVAL, 5 * INTERVAL}, samples.timesMs());
    assertArrayEquals(new long[] {3, 4, 5}, samples.values()[0]);
    assertArrayEquals(new long[] {30, 40, 50}, samples.values()[1]);
  }

  @Test
  void aSampleAtTheLastTimeReplacesItAndAnOlderOneIsDropped() {
    SampleRing ring = new SampleRing(4, 1);
    ring.add(10_000, 1);
    ring.add(10_000, 2);
    ring.add(5_000, 3);
    ring.add(15_000, 4);
    assertArrayEquals(new long[] {10_000, 15_000}, ring.samples().timesMs());
    assertArrayEquals(new long[] {2, 4}, ring.samples().values()[0]);
    assertThrows(IllegalArgumentException.class, () -> ring.add(20_000, 1, 2), "a one-value series");
  }

  @Test
  void aTableHoldsALengthOfSamplesOnTheIntervalAndDropsKeysThatWent() {
    SampleTable table = new SampleTable(Duration.ofMillis(INTERVAL), Duration.ofMillis(4 * INTERVAL), 2);
    long start = 1_000_000_000_000L;
    for (int i = 0; i < 10; i++) {
      Map<String, long[]> now = new LinkedHashMap<>();
      now.put("orders", new long[] {i, 100L * i});
      if (i < 6) {
        now.put("audit", new long[] {1, 1});
      }
      // A tick a little late still lands on its interval, so brokers' samples line up.
      table.record(start + i * INTERVAL + 1_234, now);
    }
    SampleRing.Samples orders = table.samples("orders").orElseThrow();
    assertEquals(4, orders.size(), "15 minutes at 5 s is 180 samples; here 4 intervals are 4");
    assertEquals(start + 6 * INTERVAL, orders.timesMs()[0]);
    assertEquals(start + 9 * INTERVAL, orders.timesMs()[3]);
    assertArrayEquals(new long[] {6, 7, 8, 9}, orders.values()[0]);
    assertArrayEquals(new long[] {600, 700, 800, 900}, orders.values()[1]);
    assertTrue(table.samples("audit").isEmpty(), "a topic that went has no series left");
    assertEquals(1, table.seriesCount());
  }

  @Test
  void aTableRefusesWhatCannotBeKept() {
    assertThrows(IllegalArgumentException.class, () -> new SampleTable(Duration.ZERO, Duration.ofMinutes(1), 1));
    assertThrows(IllegalArgumentException.class,
        () -> new SampleTable(Duration.ofSeconds(5), Duration.ofSeconds(1), 1));
    assertThrows(IllegalArgumentException.class,
        () -> new SampleTable(Duration.ofSeconds(5), Duration.ofMinutes(1), 3));
  }
}
