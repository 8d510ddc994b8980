package io.skein.cluster;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.cluster.ClusterEvent.CurrentClusterState;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import akka.cluster.typed.Cluster;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Per node: which broker leads each partition (as last pushed by the Controller) and which
 * led it before, so that a request is not routed into a dead node.
 *
 * <p>A partition's shard lives on its leader's node. When that node crashes, Cluster
 * Sharding keeps forwarding the partition's messages there until the node is removed from
 * the cluster, and they are lost: a client then waits its whole request timeout, and a
 * producer that sends one request at a time loses that time twice over during a failover.
 * Only once the node is removed does sharding buffer the messages until the shard starts on
 * the new leader. So while the leader, or the previous leader whose node may still hold the
 * shard, is unreachable or downed and not yet removed, requests are refused at once with a
 * retriable error instead.
 */
public final class LeaderLocations implements Extension {

  public static final ExtensionId<LeaderLocations> ID = new ExtensionId<>() {
    @Override
    public LeaderLocations createExtension(ActorSystem<?> system) {
      return new LeaderLocations(Cluster.get(system));
    }
  };

  public static LeaderLocations get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The leader, and the node of a failed previous leader that may still hold the shard (or null). */
  private record Leaders(int leader, UniqueAddress failedPrevious) {}

  /**
   * The members that are unreachable or downed, by node and by broker id, as of {@code
   * state}. Every produce request asks; working it out walks the members and parses their
   * roles, so it is done once per membership view (the cluster replaces its state object on
   * every change) rather than per request.
   */
  private record FailedMembers(CurrentClusterState state, Set<UniqueAddress> nodes, Map<Integer, UniqueAddress> byBroker) {

    static FailedMembers of(CurrentClusterState state) {
      Set<Member> unreachable = state.getUnreachable();
      Set<UniqueAddress> nodes = new HashSet<>();
      Map<Integer, UniqueAddress> byBroker = new HashMap<>();
      for (Member member : state.getMembers()) {
        if (unreachable.contains(member) || member.status() == MemberStatus.down()) {
          nodes.add(member.uniqueAddress());
          BrokerRoles.brokerOf(member).ifPresent(broker -> byBroker.put(broker.id(), member.uniqueAddress()));
        }
      }
      return new FailedMembers(state, nodes, byBroker);
    }
  }

  private final Cluster cluster;
  private volatile Map<PartitionKey, Leaders> leaders = Map.of();
  /** The Controller's latest assignments; null until the first arrives. */
  private volatile Map<String, Topic> assignments;
  /** The same topics by topic id. */
  private volatile Map<String, Topic> byTopicId = Map.of();
  private volatile FailedMembers failedMembers;

  private LeaderLocations(Cluster cluster) {
    this.cluster = cluster;
  }

  /** The Controller's latest assignments. */
  public synchronized void update(Map<String, Topic> topics) {
    Map<PartitionKey, Leaders> next = new HashMap<>();
    for (Topic topic : topics.values()) {
      for (PartitionKey key : topic.partitionKeys()) {
        int leader = topic.partitions().get(key.partition()).leader();
        Leaders known = leaders.get(key);
        UniqueAddress failedPrevious = null;
        if (known != null && known.leader() != leader) {
          // A leader that moved away in good health handed its shard over; a failed one did not.
          failedPrevious = failed(known.leader()).orElse(null);
        } else if (known != null) {
          failedPrevious = known.failedPrevious();
        }
        next.put(key, new Leaders(leader, failedPrevious));
      }
    }
    leaders = Map.copyOf(next);
    assignments = Map.copyOf(topics);
    Map<String, Topic> byId = new HashMap<>();
    topics.values().forEach(topic -> byId.put(topic.topicId(), topic));
    byTopicId = Map.copyOf(byId);
  }

  /** The leader epoch of {@code key} as last pushed by the Controller; empty if this node does not know it. */
  public OptionalInt leaderEpoch(PartitionKey key) {
    Map<String, Topic> known = assignments;
    Topic topic = known == null ? null : known.get(key.topic());
    if (topic == null || key.partition() >= topic.partitions().size()) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(topic.partitions().get(key.partition()).leaderEpoch());
  }

  /** Every topic as last pushed by the Controller; empty until the first push reaches this node. */
  public Optional<Map<String, Topic>> assignments() {
    return Optional.ofNullable(assignments);
  }

  /** The topic with {@code topicId} as last pushed by the Controller, if this node knows it. */
  public Optional<Topic> topicById(String topicId) {
    return Optional.ofNullable(byTopicId.get(topicId));
  }

  /**
   * Whether this node knows the assignments and {@code brokerId} is in the ISR of every
   * partition it follows that has a leader: a restarted broker has caught up.
   */
  public boolean inSyncFollower(int brokerId) {
    Map<String, Topic> known = assignments;
    return known != null && inSyncFollower(known, brokerId);
  }

  /** Partitions without a leader do not count: nothing can be caught up with. */
  static boolean inSyncFollower(Map<String, Topic> topics, int brokerId) {
    for (Topic topic : topics.values()) {
      for (ReplicaAssignment a : topic.partitions()) {
        if (a.replicas().contains(brokerId) && a.leader() >= 0 && a.leader() != brokerId
            && !a.isr().contains(brokerId)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Why a request for {@code key} would be lost now, if it would. */
  public Optional<String> unreachableLeader(PartitionKey key) {
    Leaders known = leaders.get(key);
    if (known == null) {
      return Optional.empty();
    }
    if (failed(known.leader()).isPresent()) {
      return Optional.of("broker " + known.leader() + ", the leader of " + key
          + ", is unreachable; a new leader is being elected");
    }
    if (known.failedPrevious() != null && isFailed(known.failedPrevious())) {
      return Optional.of("the previous leader of " + key + " failed and is not yet removed from the cluster;"
          + " broker " + known.leader() + " takes over once it is");
    }
    return Optional.empty();
  }

  /** The node of {@code brokerId} if it is unreachable or downed but still a member. */
  private Optional<UniqueAddress> failed(int brokerId) {
    return Optional.ofNullable(failedMembers().byBroker().get(brokerId));
  }

  private boolean isFailed(UniqueAddress node) {
    return failedMembers().nodes().contains(node);
  }

  private FailedMembers failedMembers() {
    CurrentClusterState state = cluster.state();
    FailedMembers known = failedMembers;
    if (known == null || known.state() != state) {
      known = FailedMembers.of(state);
      failedMembers = known;
    }
    return known;
  }
}
