package io.skein.cluster;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.cluster.ClusterEvent.CurrentClusterState;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
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
 * Per node: the Controller's assignments as it last pushed them, and so which broker leads each
 * partition, without sending a request into a dead node.
 *
 * <p>A partition leader lives on its broker's node. When that node crashes, Cluster Sharding
 * keeps forwarding its messages there until the node is removed from the cluster, and they
 * are lost: a client would wait its whole request timeout. So while the leader is unreachable
 * or downed (the Controller is electing another one meanwhile), requests are refused at once
 * with a retriable error instead.
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

  /**
   * The brokers whose members are unreachable or downed, as of {@code state}. Every produce
   * request asks; working it out walks the members and parses their roles, so it is done once
   * per membership view (the cluster replaces its state object on every change) rather than
   * per request.
   */
  private record FailedMembers(CurrentClusterState state, Set<Integer> brokers) {

    static FailedMembers of(CurrentClusterState state) {
      Set<Member> unreachable = state.getUnreachable();
      Set<Integer> brokers = new HashSet<>();
      for (Member member : state.getMembers()) {
        if (unreachable.contains(member) || member.status() == MemberStatus.down()) {
          BrokerRoles.brokerOf(member).ifPresent(broker -> brokers.add(broker.id()));
        }
      }
      return new FailedMembers(state, brokers);
    }
  }

  private final Cluster cluster;
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
    assignments = Map.copyOf(topics);
    Map<String, Topic> byId = new HashMap<>();
    topics.values().forEach(topic -> byId.put(topic.topicId(), topic));
    byTopicId = Map.copyOf(byId);
  }

  /** The leader epoch of {@code key} as last pushed by the Controller; empty if this node does not know it. */
  public OptionalInt leaderEpoch(PartitionKey key) {
    return assignment(key).map(a -> OptionalInt.of(a.leaderEpoch())).orElse(OptionalInt.empty());
  }

  /** The assignment of {@code key} as last pushed by the Controller; empty if this node does not know it. */
  public Optional<ReplicaAssignment> assignment(PartitionKey key) {
    Map<String, Topic> known = assignments;
    Topic topic = known == null ? null : known.get(key.topic());
    if (topic == null || key.partition() >= topic.partitions().size()) {
      return Optional.empty();
    }
    return Optional.of(topic.partitions().get(key.partition()));
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

  /** Whether the node of {@code brokerId} is unreachable or downed but still a member: a request to it would be lost. */
  public boolean unreachable(int brokerId) {
    return failedMembers().brokers().contains(brokerId);
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
