package io.skein.partition;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code skein.replication} section: how followers fetch and when they count as lagging.
 *
 * @param followerFetchTimeout a follower that fetched from this leader and then sent nothing
 *     for this long (none of its fetches waiting here) leaves the ISR at once, without waiting
 *     out {@code replicaLagTimeMax}: a dead follower must not hold up acks=all for long
 */
public record ReplicationConfig(
    Duration replicaLagTimeMax, Duration fetchMaxWait, int fetchMaxBytes, Duration retryBackoff,
    Duration assignmentsRefreshInterval, Duration followerFetchTimeout) {

  public ReplicationConfig {
    if (followerFetchTimeout.compareTo(fetchMaxWait) <= 0) {
      // A healthy follower is silent for up to fetch-max-wait while its fetch waits for data.
      throw new IllegalArgumentException("skein.replication.follower-fetch-timeout (" + followerFetchTimeout
          + ") must be longer than skein.replication.fetch-max-wait (" + fetchMaxWait + ")");
    }
  }

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
        c.getDuration("assignments-refresh-interval"),
        c.getDuration("follower-fetch-timeout"));
  }
}
