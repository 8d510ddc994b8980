package io.skein.cluster;

import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import akka.cluster.typed.Cluster;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/** Which brokers may lead partitions, and which are still in the cluster, as membership shows them. */
public final class LiveBrokers {

  private LiveBrokers() {}

  /**
   * Brokers that may lead: up members, without the unreachable ones, so that leadership moves
   * off a crashed or frozen broker as soon as the failure detector suspects it (epochs fence it
   * if it was only slow). Only a node that reaches a majority of the up members leaves the
   * unreachable out: one cut off from the others would otherwise take every leadership it can,
   * and the split-brain resolver stops that side anyway.
   */
  public static Set<Integer> electable(Cluster cluster) {
    Set<UniqueAddress> unreachable = new HashSet<>();
    cluster.state().getUnreachable().forEach(member -> unreachable.add(member.uniqueAddress()));
    return electable(cluster.state().getMembers(), unreachable);
  }

  /** As {@link #electable(Cluster)}, of the members given, with the members the failure detector suspects given. */
  public static Set<Integer> electable(Iterable<Member> members, Set<UniqueAddress> unreachable) {
    Set<Integer> up = new TreeSet<>();
    Set<Integer> reachable = new TreeSet<>();
    for (Member member : members) {
      if (member.status() == MemberStatus.up() || member.status() == MemberStatus.weaklyUp()) {
        BrokerRoles.brokerOf(member).ifPresent(broker -> {
          up.add(broker.id());
          if (!unreachable.contains(member.uniqueAddress())) {
            reachable.add(broker.id());
          }
        });
      }
    }
    return reachable.size() * 2 > up.size() ? reachable : up;
  }

  /** Ids of brokers still in the cluster: up, or leaving it gracefully (not down, not removed). */
  public static Set<Integer> members(Cluster cluster) {
    return members(cluster.state().getMembers());
  }

  /** As {@link #members(Cluster)}, of the members given. */
  public static Set<Integer> members(Iterable<Member> members) {
    Set<Integer> ids = new TreeSet<>();
    for (Member member : members) {
      MemberStatus status = member.status();
      if (status != MemberStatus.down() && status != MemberStatus.removed() && status != MemberStatus.joining()) {
        BrokerRoles.brokerOf(member).ifPresent(broker -> ids.add(broker.id()));
      }
    }
    return ids;
  }
}
