package io.skein.partition;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.skein.cluster.AssignmentSubscribers;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.util.Map;

/**
 * Carries the Controller's announcements to the partition actors: assignments to every
 * broker's {@link ReplicaManager}, leader, config and deletion updates to the {@link
 * PartitionLeader} of each partition, wherever sharding runs it.
 */
public final class PartitionUpdates implements AssignmentSubscribers<ReplicaManager.Command> {

  private final ClusterSharding sharding;

  public PartitionUpdates(ActorSystem<?> system) {
    this.sharding = ClusterSharding.get(system);
  }

  @Override
  public ServiceKey<ReplicaManager.Command> listeners() {
    return ReplicaManager.SERVICE_KEY;
  }

  @Override
  public ReplicaManager.Command assignmentsChanged(Map<String, Topic> topics) {
    return new ReplicaManager.AssignmentsChanged(topics);
  }

  @Override
  public String partitionShardType() {
    return PartitionLeader.TYPE_KEY.name();
  }

  @Override
  public void leaderElected(PartitionKey partition, String topicId, ReplicaAssignment assignment) {
    leaderOf(partition).tell(new PartitionLeader.LeaderAndIsr(topicId, assignment));
  }

  @Override
  public void configsChanged(Topic topic) {
    for (PartitionKey key : topic.partitionKeys()) {
      leaderOf(key).tell(new PartitionLeader.ConfigChanged(topic.topicId(), topic.configs()));
    }
  }

  @Override
  public void topicDeleted(Topic topic) {
    for (PartitionKey key : topic.partitionKeys()) {
      leaderOf(key).tell(new PartitionLeader.DeleteLog(topic.topicId()));
    }
  }

  private EntityRef<PartitionLeader.Command> leaderOf(PartitionKey key) {
    return sharding.entityRefFor(PartitionLeader.TYPE_KEY, key.entityId());
  }
}
