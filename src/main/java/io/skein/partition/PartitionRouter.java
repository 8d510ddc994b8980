package io.skein.partition;

import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.skein.cluster.LeaderLocations;
import io.skein.common.TopicNames;
import io.skein.log.LogReadResult;
import io.skein.log.DirectBuffers;
import io.skein.metadata.PartitionKey;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Finds a partition's leader through Cluster Sharding, after checking the names and that it is
 * reachable; reads committed data of partitions this node leads without going through it.
 */
public final class PartitionRouter {

  /** Direct read buffers kept for local reads: more than the reads a 2-4 core broker runs at once. */
  private static final int POOLED_READ_BUFFERS = 16;

  private final ClusterSharding sharding;
  private final LeaderLocations leaders;
  private final LocalLeaderLogs localLogs;
  private final DirectBuffers readBuffers;

  public PartitionRouter(ActorSystem<?> system, int readBufferBytes) {
    this.sharding = ClusterSharding.get(system);
    this.leaders = LeaderLocations.get(system);
    this.localLogs = LocalLeaderLogs.get(system);
    this.readBuffers = new DirectBuffers(readBufferBytes, POOLED_READ_BUFFERS);
  }

  public EntityRef<PartitionLeader.Command> leaderOf(String topic, int partition) {
    PartitionKey key = keyOf(topic, partition);
    // Sent now, it would be lost on the dead node and the client would wait its whole timeout.
    leaders.unreachableLeader(key).ifPresent(why -> {
      throw new FailureException(ErrorCode.LEADER_NOT_AVAILABLE, why);
    });
    return sharding.entityRefFor(PartitionLeader.TYPE_KEY, key.entityId());
  }

  /**
   * Committed batches from {@code offset}, read on this thread, if this node leads the partition
   * and has some; hand {@code records()} to {@link #release} once sent.
   */
  public Optional<LogReadResult> readLocally(String topic, int partition, long offset, int maxBytes) {
    return localLogs.readCommitted(keyOf(topic, partition), offset, maxBytes, readBuffers);
  }

  /** Takes back the buffer of a local read once gRPC has copied it out (it does so within onNext). */
  public void release(ByteBuffer records) {
    readBuffers.release(records);
  }

  private static PartitionKey keyOf(String topic, int partition) {
    TopicNames.problem(topic).ifPresent(problem -> {
      throw new FailureException(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    });
    if (partition < 0) {
      throw new FailureException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          "partition must be >= 0, was " + partition);
    }
    return new PartitionKey(topic, partition);
  }
}
