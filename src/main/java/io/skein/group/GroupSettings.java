package io.skein.group;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code skein.group} section of the configuration. */
public record GroupSettings(
    Duration minSessionTimeout,
    Duration maxSessionTimeout,
    Duration defaultSessionTimeout,
    Duration defaultRebalanceTimeout,
    Duration offsetsRetention,
    Duration metadataRefresh,
    Duration checkInterval,
    int maxQueuedPushes,
    Duration consumerHeartbeatInterval,
    Duration consumerSessionTimeout,
    Duration requestTimeout) {

  public static GroupSettings from(Config root) {
    Config c = root.getConfig("skein.group");
    return new GroupSettings(
        c.getDuration("min-session-timeout"),
        c.getDuration("max-session-timeout"),
        c.getDuration("default-session-timeout"),
        c.getDuration("default-rebalance-timeout"),
        c.getDuration("offsets-retention"),
        c.getDuration("metadata-refresh"),
        c.getDuration("check-interval"),
        c.getInt("max-queued-pushes"),
        c.getDuration("consumer-heartbeat-interval"),
        c.getDuration("consumer-session-timeout"),
        root.getDuration("skein.request.timeout"));
  }
}
