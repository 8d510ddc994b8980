package io.skein.partition;

import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import io.skein.cluster.BrokerRoles;
import io.skein.cluster.LeaderLocations;
import io.skein.metadata.BrokerAddress;
import io.skein.common.TopicNames;
import io.skein.log.LogReadResult;
import io.skein.log.LogSlice;
import io.skein.log.DirectBuffers;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Finds a partition's leader through Cluster Sharding, on the broker the Controller last said
 * leads it, after checking the names and that the broker is reachable (and fails what waits for
 * it once it is not); reads committed data of partitions this node leads without going through it.
 */
public final class PartitionRouter {

  /** Direct read buffers kept for local reads: more than the reads a 2-4 core broker runs at once. */
  private static final int POOLED_READ_BUFFERS = 16;

  private final ClusterSharding sharding;
  private final int brokerId;
  private final LeaderLocations leaders;
  private final ForwardedRequests forwarded;
  private final LocalLeaderLogs localLogs;
  private final DirectBuffers readBuffers;

  public PartitionRouter(ActorSystem<?> system, int readBufferBytes) {
    this.sharding = ClusterSharding.get(system);
    this.brokerId = BrokerRoles.brokerOf(Cluster.get(system).selfMember()).map(BrokerAddress::id)
        .orElseThrow(() -> new IllegalStateException("this node announces no broker id"));
    this.leaders = LeaderLocations.get(system);
    this.forwarded = ForwardedRequests.get(system);
    this.localLogs = LocalLeaderLogs.get(system);
    this.readBuffers = new DirectBuffers(readBufferBytes, POOLED_READ_BUFFERS);
  }

  public LeaderRef leaderOf(String topic, int partition) {
    PartitionKey key = keyOf(topic, partition);
    Optional<ReplicaAssignment> assignment = leaders.assignment(key);
    if (assignment.isEmpty()) {
      // Not heard of here yet (a topic just created, or none): this broker's entity asks the
      // Controller, and answers as it finds.
      return new LeaderRef(PartitionLeader.on(sharding, key, brokerId), brokerId, null);
    }
    int leader = assignment.get().leader();
    if (leader < 0) {
      throw new FailureException(ErrorCode.LEADER_NOT_AVAILABLE,
          "partition " + key + " has no leader: none of its in-sync replicas " + assignment.get().isr() + " is up");
    }
    if (leaders.unreachable(leader)) {
      // Sent now, it would be lost on the dead node and the client would wait its whole timeout.
      throw new FailureException(ErrorCode.LEADER_NOT_AVAILABLE, "broker " + leader + ", the leader of " + key
          + ", is unreachable; a new leader is being elected");
    }
    return new LeaderRef(PartitionLeader.on(sharding, key, leader), leader, leader == brokerId ? null : forwarded);
  }

  /**
   * Committed batches from {@code offset}, read on this thread, if this node leads the partition
   * and has some; hand {@code records()} to {@link #release} once sent.
   */
  public Optional<LogReadResult> readLocally(String topic, int partition, long offset, int maxBytes) {
    return localLogs.readCommitted(keyOf(topic, partition), offset, maxBytes, readBuffers);
  }

  /** {@link #readLocally} as a span of the segment file, for zero-copy sends; release it once sent. */
  public Optional<LogSlice> sliceLocally(String topic, int partition, long offset, int maxBytes) {
    return localLogs.sliceCommitted(keyOf(topic, partition), offset, maxBytes);
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
