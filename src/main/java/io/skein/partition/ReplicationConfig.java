package io.skein.partition;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code skein.replication} section: how followers fetch and when they count as lagging. */
public record ReplicationConfig(
    Duration replicaLagTimeMax, Duration fetchMaxWait, int fetchMaxBytes, Duration retryBackoff,
    Duration assignmentsRefreshInterval) {

  /** Room in a remote frame for the reply's other fields and the envelope. */
  static final long FRAME_HEADROOM = 64 * 1024;

  /** The largest batch a follower can receive in one message (a fetch reply always holds one whole batch). */
  public static long largestReplicatedBatch(Config root) {
    return root.getBytes("akka.remote.artery.advanced.maximum-frame-size") - FRAME_HEADROOM;
  }

  public static ReplicationConfig from(Config root) {
    Config c = root.getConfig("skein.replication");
    long frame = root.getBytes("akka.remote.artery.advanced.maximum-frame-size");
    if (c.getBytes("fetch-max-bytes") > frame - FRAME_HEADROOM) {
      // Akka drops a message larger than a frame: the follower would wait for it forever.
      throw new IllegalArgumentException("skein.replication.fetch-max-bytes (" + c.getBytes("fetch-max-bytes")
          + ") must be below akka.remote.artery.advanced.maximum-frame-size (" + frame + ") by at least "
          + FRAME_HEADROOM + " bytes");
    }
    return new ReplicationConfig(
        c.getDuration("replica-lag-time-max"),
        c.getDuration("fetch-max-wait"),
        c.getInt("fetch-max-bytes"),
        c.getDuration("retry-backoff"),
        c.getDuration("assignments-refresh-interval"));
  }
}
