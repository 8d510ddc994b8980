package io.skein.server;

import io.skein.common.FailureException;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.skein.cluster.LeaderLocations;
import io.skein.common.TopicNames;
import io.skein.partition.PartitionKey;
import io.skein.partition.PartitionLeader;
import io.skein.proto.v1.ErrorCode;

/** Finds a partition's leader through Cluster Sharding, after checking the names and that it is reachable. */
final class PartitionRouter {

  private final ClusterSharding sharding;
  private final LeaderLocations leaders;

  PartitionRouter(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
    this.leaders = LeaderLocations.get(system);
  }

  EntityRef<PartitionLeader.Command> leaderOf(String topic, int partition) {
    TopicNames.problem(topic).ifPresent(problem -> {
      throw new FailureException(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
    });
    if (partition < 0) {
      throw new FailureException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          "partition must be >= 0, was " + partition);
    }
    PartitionKey key = new PartitionKey(topic, partition);
    // Sent now, it would be lost on the dead node and the client would wait its whole timeout.
    leaders.unreachableLeader(key).ifPresent(why -> {
      throw new FailureException(ErrorCode.LEADER_NOT_AVAILABLE, why);
    });
    return sharding.entityRefFor(PartitionLeader.TYPE_KEY, key.entityId());
  }
}
