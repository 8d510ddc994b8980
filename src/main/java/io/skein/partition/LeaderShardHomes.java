package io.skein.partition;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import io.skein.cluster.BrokerRoles;
import io.skein.metadata.BrokerAddress;
import java.time.Duration;

/**
 * One per node: places this broker's shard of partition leaders as soon as the node runs, and
 * learns where every other broker's is, so that no election waits for the shard coordinator. A
 * shard is otherwise placed when its first leader starts, which on a broker that led nothing yet
 * (a small cluster, or one just restarted) is the moment another broker failed; if the failed
 * node hosted the coordinator, the new leader would wait until the coordinator moved.
 */
public final class LeaderShardHomes {

  /**
   * How long after another broker is up this node asks where its shard is: by then that broker
   * has placed it on its own node. Asked earlier, before that broker's region exists, the
   * coordinator would place the shard here for a while.
   */
  static final Duration OTHERS_AFTER = Duration.ofSeconds(10);

  public sealed interface Command {}

  private record BrokerUp(int broker) implements Command {}

  private record Place(int broker) implements Command {}

  private LeaderShardHomes() {}

  public static Behavior<Command> create(int localBroker) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.MemberUp.class, up -> new BrokerUp(
              BrokerRoles.brokerOf(up.member()).map(BrokerAddress::id).orElse(-1))),
          ClusterEvent.MemberUp.class));
      ClusterSharding sharding = ClusterSharding.get(context.getSystem());
      context.getSelf().tell(new Place(localBroker));
      return Behaviors.receive(Command.class)
          .onMessage(BrokerUp.class, up -> {
            if (up.broker() >= 0 && up.broker() != localBroker) {
              timers.startSingleTimer(up.broker(), new Place(up.broker()), OTHERS_AFTER);
            }
            return Behaviors.same();
          })
          .onMessage(Place.class, place -> {
            sharding.entityRefFor(PartitionLeader.TYPE_KEY, LeaderShards.homeId(place.broker()))
                .tell(new PartitionLeader.PlaceShard());
            return Behaviors.same();
          })
          .build();
    }));
  }
}
