package io.skein.cluster;

import akka.actor.ActorRef;
import akka.actor.Address;
import akka.actor.typed.ActorSystem;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.sharding.ShardCoordinator;
import akka.cluster.sharding.external.ExternalShardAllocationStrategy;
import akka.cluster.typed.Cluster;
import scala.concurrent.ExecutionContext;
import akka.util.Timeout;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Map;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * External shard allocation (the Controller pins each partition's shard to its elected
 * leader's node) that never waits for a dead node.
 *
 * <p>A rebalance asks every shard region to begin the hand-off and waits for all of them; a
 * region on a crashed or unreachable node never answers, so the rebalance hangs until the
 * hand-off timeout while requests for the shard wait with it. So while any region's node is
 * unreachable or no longer up, nothing is rebalanced. The crashed node's shards are not
 * moved either: once the node is removed the coordinator drops its region and its shards,
 * and the next message to each allocates it fresh on the pinned node. That lets the
 * Controller pin a new leader the moment it elects it.
 *
 * <p>Allocation never picks a region on a dead node: if the pin still names one, the
 * requester gets the shard and a later rebalance moves it to the pin.
 */
public final class PinnedShardAllocation implements ShardCoordinator.StartableAllocationStrategy {

  private final ExternalShardAllocationStrategy pins;
  private final Cluster cluster;

  public PinnedShardAllocation(ActorSystem<?> system, String typeName, Duration timeout) {
    this.pins = new ExternalShardAllocationStrategy(system, typeName, Timeout.create(timeout));
    this.cluster = Cluster.get(system);
  }

  @Override
  public void start() {
    pins.start();
  }

  @Override
  public Future<ActorRef> allocateShard(
      ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> currentShardAllocations) {
    return pins.allocateShard(requester, shardId, currentShardAllocations)
        .map(region -> onLiveNode(region, liveAddresses()) ? region : requester, ExecutionContext.parasitic$.MODULE$);
  }

  @Override
  public Future<scala.collection.immutable.Set<String>> rebalance(
      Map<ActorRef, IndexedSeq<String>> currentShardAllocations, scala.collection.immutable.Set<String> inProgress) {
    Set<Address> live = liveAddresses();
    for (ActorRef region : CollectionConverters.asJava(currentShardAllocations.keySet())) {
      if (!onLiveNode(region, live)) {
        return Future.successful(scala.collection.immutable.Set$.MODULE$.empty());
      }
    }
    return pins.rebalance(currentShardAllocations, inProgress);
  }

  /** Members that are reachable and up (or joining the way up): they answer a hand-off. */
  private Set<Address> liveAddresses() {
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

  private boolean onLiveNode(ActorRef region, Set<Address> live) {
    Address address = region.path().address();
    return address.hasLocalScope() || live.contains(address);
  }
}
