package io.skein.cluster;

import akka.actor.Address;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import java.util.Map;
import java.util.TreeMap;

/** Where each live broker's node is, for pinning partition shards to elected leaders. */
public final class BrokerAddresses {

  private BrokerAddresses() {}

  /** Broker id to node address, for members that are up (the same rule as {@link BrokerRoles#live}). */
  public static Map<Integer, Address> live(Cluster cluster) {
    Map<Integer, Address> addresses = new TreeMap<>();
    for (Member member : cluster.state().getMembers()) {
      if (member.status() == MemberStatus.up() || member.status() == MemberStatus.weaklyUp()) {
        BrokerRoles.brokerOf(member).ifPresent(broker -> addresses.put(broker.id(), member.address()));
      }
    }
    return addresses;
  }

  /** Ids of brokers still in the cluster: up, or leaving it gracefully (not down, not removed). */
  public static java.util.Set<Integer> members(Cluster cluster) {
    java.util.Set<Integer> ids = new java.util.TreeSet<>();
    for (Member member : cluster.state().getMembers()) {
      MemberStatus status = member.status();
      if (status != MemberStatus.down() && status != MemberStatus.removed() && status != MemberStatus.joining()) {
        BrokerRoles.brokerOf(member).ifPresent(broker -> ids.add(broker.id()));
      }
    }
    return ids;
  }
}
