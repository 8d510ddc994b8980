package io.skein.partition;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.skein.cluster.AssignmentSubscribers;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries the Controller's announcements to the partition actors: assignments to every
 * broker's {@link ReplicaManager}, leader, config and deletion updates to the {@link
 * PartitionLeader} of each partition, wherever sharding runs it.
 *
 * <p>The Controller can start on a node before that node's partition shard region does (the
 * node starts partitions only once the Controller has confirmed its cluster id), for example
 * when a broker restarts alone after a whole-cluster outage and elects at once. Updates sent
 * then are held, in order, and delivered once the region has started, instead of failing
 * the Controller.
 */
public final class PartitionUpdates implements AssignmentSubscribers<ReplicaManager.Command> {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionUpdates.class);
  private static final Duration RETRY = Duration.ofMillis(200);

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  /** Updates waiting for the local region, oldest first; guarded by {@code this}. */
  private final List<Runnable> held = new ArrayList<>();

  public PartitionUpdates(ActorSystem<?> system) {
    this.system = system;
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
  public void leaderElected(PartitionKey partition, String topicId, int previousLeader, ReplicaAssignment assignment) {
    PartitionLeader.LeaderAndIsr update =
        new PartitionLeader.LeaderAndIsr(topicId, assignment, System.currentTimeMillis());
    deliver(() -> {
      // The new leader starts now rather than at the first request; the old one steps down.
      if (assignment.leader() >= 0) {
        PartitionLeader.on(sharding, partition, assignment.leader()).tell(update);
      }
      if (previousLeader >= 0 && previousLeader != assignment.leader()) {
        PartitionLeader.on(sharding, partition, previousLeader).tell(update);
      }
    });
  }

  @Override
  public void configsChanged(Topic topic) {
    deliver(() -> {
      for (PartitionKey key : topic.partitionKeys()) {
        leaderOf(topic, key).ifPresent(leader ->
            leader.tell(new PartitionLeader.ConfigChanged(topic.topicId(), topic.configs())));
      }
    });
  }

  @Override
  public void topicDeleted(Topic topic) {
    deliver(() -> {
      for (PartitionKey key : topic.partitionKeys()) {
        leaderOf(topic, key).ifPresent(leader -> leader.tell(new PartitionLeader.DeleteLog(topic.topicId())));
      }
    });
  }

  private synchronized void deliver(Runnable update) {
    if (held.isEmpty() && PartitionLeader.shardRegionStarted(system)) {
      update.run();
      return;
    }
    if (held.isEmpty()) {
      LOG.info("Holding partition updates until this node's partition shard region has started");
      system.scheduler().scheduleOnce(RETRY, this::deliverHeld, system.executionContext());
    }
    held.add(update);
  }

  private synchronized void deliverHeld() {
    if (!PartitionLeader.shardRegionStarted(system)) {
      system.scheduler().scheduleOnce(RETRY, this::deliverHeld, system.executionContext());
      return;
    }
    held.forEach(Runnable::run);
    held.clear();
  }

  /** The partition's elected leader; none while it is offline (its followers learn through their manager). */
  private Optional<EntityRef<PartitionLeader.Command>> leaderOf(Topic topic, PartitionKey key) {
    int leader = topic.partitions().get(key.partition()).leader();
    return leader < 0 ? Optional.empty() : Optional.of(PartitionLeader.on(sharding, key, leader));
  }
}
