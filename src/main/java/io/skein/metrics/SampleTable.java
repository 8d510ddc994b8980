package io.skein.metrics;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A bounded history of one series per key (a topic, a group): a sample every {@code interval}
 * for the last {@code length}, each series a {@link SampleRing}. Each {@link #record} gives the
 * keys as they are now, so a key that went (a deleted topic, a gone group) loses its series and
 * the table holds no more series than there are keys. Times are rounded down to the interval,
 * so the samples of different brokers line up.
 */
public final class SampleTable {

  private final long intervalMs;
  private final int capacity;
  private final int width;
  private final Map<String, SampleRing> series = new HashMap<>();

  public SampleTable(Duration interval, Duration length, int width) {
    if (interval.toMillis() < 1 || length.compareTo(interval) < 0) {
      throw new IllegalArgumentException("a history needs an interval of at least 1 ms and a length of at least"
          + " one interval, not " + interval + " and " + length);
    }
    if (width != 1 && width != 2) {
      throw new IllegalArgumentException("a series has one or two values a sample, not " + width);
    }
    this.intervalMs = interval.toMillis();
    this.capacity = (int) Math.min(Integer.MAX_VALUE, length.toMillis() / intervalMs);
    this.width = width;
  }

  public Duration interval() {
    return Duration.ofMillis(intervalMs);
  }

  /** Samples taken at {@code nowMs}: each key's values (as many as the table's width); keys not given are dropped. */
  public synchronized void record(long nowMs, Map<String, long[]> now) {
    long time = nowMs - Math.floorMod(nowMs, intervalMs);
    series.keySet().retainAll(now.keySet());
    now.forEach((key, values) -> {
      SampleRing ring = series.computeIfAbsent(key, k -> new SampleRing(capacity, width));
      if (width == 1) {
        ring.add(time, values[0]);
      } else {
        ring.add(time, values[0], values[1]);
      }
    });
  }

  /** The samples of {@code key}'s series, if it has one. */
  public synchronized Optional<SampleRing.Samples> samples(String key) {
    return Optional.ofNullable(series.get(key)).map(SampleRing::samples);
  }

  /** How many series the table holds. */
  public synchronized int seriesCount() {
    return series.size();
  }
}
