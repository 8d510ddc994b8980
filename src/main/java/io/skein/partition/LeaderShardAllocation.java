package io.skein.partition;

import akka.actor.ActorRef;
import akka.actor.Address;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.sharding.ShardCoordinator;
import akka.cluster.typed.Cluster;
import io.skein.cluster.BrokerRoles;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Places each broker's shard of partition leaders ({@link LeaderShards}) on that broker's node:
 * which partitions a node leads is the Controller's choice alone, made by addressing the leader
 * entity in the elected broker's shard, and never a rebalance.
 *
 * <p>Before a broker's node has a region (it is starting, or gone), its shard goes to the region
 * that asked; the leaders there answer NOT_LEADER_OR_FOLLOWER without touching any log, and the
 * shard moves home at the next rebalance once the broker's region is there. Nothing is
 * rebalanced while a region's node is unreachable or no longer up: a hand-off waits for every
 * region to answer, and a dead one never does.
 */
final class LeaderShardAllocation implements ShardCoordinator.ShardAllocationStrategy {

  private final Cluster cluster;

  LeaderShardAllocation(Cluster cluster) {
    this.cluster = cluster;
  }

  @Override
  public Future<ActorRef> allocateShard(
      ActorRef requester, String shardId, scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> current) {
    Optional<ActorRef> home = homeRegion(LeaderShards.brokerOfShard(shardId), brokerNodes(),
        CollectionConverters.asJava(current.keySet()));
    return Future.successful(home.orElse(requester));
  }

  @Override
  public Future<scala.collection.immutable.Set<String>> rebalance(
      scala.collection.immutable.Map<ActorRef, IndexedSeq<String>> current,
      scala.collection.immutable.Set<String> inProgress) {
    Set<Address> live = liveNodes();
    Set<ActorRef> regions = CollectionConverters.asJava(current.keySet());
    Set<String> misplaced = new HashSet<>();
    for (ActorRef region : regions) {
      if (!live.contains(addressOf(region))) {
        return Future.successful(scala.collection.immutable.Set$.MODULE$.empty());
      }
    }
    Map<Integer, Address> nodes = brokerNodes();
    for (ActorRef region : regions) {
      for (String shard : CollectionConverters.asJava(current.apply(region))) {
        Optional<ActorRef> home = homeRegion(LeaderShards.brokerOfShard(shard), nodes, regions);
        if (home.isPresent() && !home.get().equals(region) && !inProgress.contains(shard)) {
          misplaced.add(shard);
        }
      }
    }
    return Future.successful(CollectionConverters.asScala(misplaced).toSet());
  }

  private Optional<ActorRef> homeRegion(int broker, Map<Integer, Address> nodes, Set<ActorRef> regions) {
    Address node = nodes.get(broker);
    if (node == null) {
      return Optional.empty();
    }
    return regions.stream().filter(region -> addressOf(region).equals(node)).findFirst();
  }

  /** The node of each broker that is a member on its way up or up, not downed or leaving. */
  private Map<Integer, Address> brokerNodes() {
    Map<Integer, Address> nodes = new HashMap<>();
    for (Member member : cluster.state().getMembers()) {
      MemberStatus status = member.status();
      if (status == MemberStatus.up() || status == MemberStatus.weaklyUp() || status == MemberStatus.joining()) {
        BrokerRoles.brokerOf(member).ifPresent(broker -> nodes.put(broker.id(), member.address()));
      }
    }
    return nodes;
  }

  /** Members that are reachable and up (or on the way up or out): they answer a hand-off. */
  private Set<Address> liveNodes() {
    ClusterEvent.CurrentClusterState state = cluster.state();
    Set<Member> unreachable = state.getUnreachable();
    Set<Address> live = new HashSet<>();
    for (Member member : state.getMembers()) {
      MemberStatus status = member.status();
      boolean up = status == MemberStatus.up() || status == MemberStatus.weaklyUp()
          || status == MemberStatus.joining() || status == MemberStatus.leaving() || status == MemberStatus.exiting();
      if (up && !unreachable.contains(member)) {
        live.add(member.address());
      }
    }
    return live;
  }

  /** The coordinator's own region has a local path: it lives on this node. */
  private Address addressOf(ActorRef region) {
    Address address = region.path().address();
    return address.hasLocalScope() ? cluster.selfMember().address() : address;
  }
}
