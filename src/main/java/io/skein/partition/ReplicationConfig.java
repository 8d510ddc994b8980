package io.skein.partition;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code skein.replication} section: how followers fetch and when they count as lagging. */
public record ReplicationConfig(
    Duration replicaLagTimeMax, Duration fetchMaxWait, int fetchMaxBytes, Duration retryBackoff,
    Duration assignmentsRefreshInterval) {

  public static ReplicationConfig from(Config root) {
    Config c = root.getConfig("skein.replication");
    return new ReplicationConfig(
        c.getDuration("replica-lag-time-max"),
        c.getDuration("fetch-max-wait"),
        c.getInt("fetch-max-bytes"),
        c.getDuration("retry-backoff"),
        c.getDuration("assignments-refresh-interval"));
  }
}
