package io.skein.metrics;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * What the console's charts open with, kept on the broker ({@code skein.metrics.history}):
 * per topic, the high watermarks and log sizes summed over the partitions led here (sampled by
 * the console's node actor), and per group its total lag (sampled by the group refresh, on the
 * node that runs it).
 */
public final class ChartHistory {

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  static final Duration DEFAULT_LENGTH = Duration.ofMinutes(15);

  private final SampleTable topics;
  private final SampleTable groups;

  ChartHistory(Duration interval, Duration length) {
    topics = new SampleTable(interval, length, 2);
    groups = new SampleTable(interval, length, 1);
  }

  static ChartHistory from(Config config) {
    return new ChartHistory(config.getDuration("skein.metrics.history.interval"),
        config.getDuration("skein.metrics.history.length"));
  }

  /** Per topic: the sum of the high watermarks, then of the log sizes, of its partitions led here. */
  public SampleTable topics() {
    return topics;
  }

  /** Per group: its total lag in records. */
  public SampleTable groups() {
    return groups;
  }
}
