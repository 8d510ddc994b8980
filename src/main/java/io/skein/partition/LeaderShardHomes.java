package io.skein.partition;

import akka.actor.Address;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.Member;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import io.skein.cluster.BrokerRoles;
import io.skein.common.CborSerializable;
import io.skein.metadata.BrokerAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per node: places this broker's shard of partition leaders as soon as the node runs, and
 * learns where every other broker's is, so that no election waits for the shard coordinator. A
 * shard is otherwise placed when its first leader starts, which on a broker that led nothing yet
 * (a small cluster, or one just restarted) is the moment another broker failed; if the failed
 * node hosted the coordinator, the new leader would wait until the coordinator moved.
 *
 * <p>Each node asks where another broker's shard is only once that broker has said, through the
 * Receptionist, that its shard runs on its own node: asked before that broker's region exists,
 * the coordinator would place the shard with the asker until the next rebalance.
 */
public final class LeaderShardHomes {

  private static final Logger LOG = LoggerFactory.getLogger(LeaderShardHomes.class);

  /** The nodes whose broker's shard is placed at home, by their LeaderShardHomes. */
  static final ServiceKey<Command> PLACED = ServiceKey.create(Command.class, "skein-leader-shard-placed");
  /** How often this node asks again to place its own shard until it is placed (a request may be lost). */
  static final Duration PLACE_AGAIN = Duration.ofSeconds(5);
  /** How soon a listed node is looked at again when its member is not known here yet. */
  static final Duration LOOK_AGAIN = Duration.ofSeconds(1);

  public sealed interface Command {}

  /** From a shard's node: the shard of {@code broker} runs there. */
  public record ShardPlaced(int broker) implements Command, CborSerializable {}

  private record Listed(Set<ActorRef<Command>> placed) implements Command {}

  private record Place(int broker) implements Command {}

  private record PlaceOwnAgain() implements Command {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ClusterSharding sharding;
  private final int localBroker;
  /** The other nodes' LeaderShardHomes whose broker's shard this node has asked for. */
  private final Set<ActorRef<Command>> asked = new HashSet<>();
  private boolean ownPlaced;

  private LeaderShardHomes(ActorContext<Command> context, TimerScheduler<Command> timers, int localBroker) {
    this.context = context;
    this.timers = timers;
    this.sharding = ClusterSharding.get(context.getSystem());
    this.localBroker = localBroker;
  }

  public static Behavior<Command> create(int localBroker) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      context.getSystem().receptionist().tell(Receptionist.subscribe(PLACED,
          context.messageAdapter(Receptionist.Listing.class, listing -> new Listed(listing.getServiceInstances(PLACED)))));
      context.getSelf().tell(new Place(localBroker));
      timers.startTimerWithFixedDelay(new PlaceOwnAgain(), PLACE_AGAIN);
      return new LeaderShardHomes(context, timers, localBroker).behavior();
    }));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Place.class, this::onPlace)
        .onMessage(PlaceOwnAgain.class, again -> onPlace(new Place(localBroker)))
        .onMessage(ShardPlaced.class, this::onShardPlaced)
        .onMessage(Listed.class, this::onListed)
        .build();
  }

  private Behavior<Command> onPlace(Place place) {
    sharding.entityRefFor(PartitionLeader.TYPE_KEY, LeaderShards.homeId(place.broker()))
        .tell(new PartitionLeader.PlaceShard(context.getSelf()));
    return Behaviors.same();
  }

  /** Once this broker's shard runs here, the other nodes may ask where it is. */
  private Behavior<Command> onShardPlaced(ShardPlaced placed) {
    if (placed.broker() == localBroker && !ownPlaced) {
      ownPlaced = true;
      timers.cancel(new PlaceOwnAgain());
      context.getSystem().receptionist().tell(Receptionist.register(PLACED, context.getSelf()));
      LOG.debug("The shard of broker {}'s partition leaders runs on its node", localBroker);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onListed(Listed listed) {
    asked.retainAll(listed.placed());
    boolean unknownMember = false;
    for (ActorRef<Command> home : listed.placed()) {
      Address node = home.path().address();
      if (node.hasLocalScope() || asked.contains(home)) {
        continue;
      }
      Optional<Integer> broker = brokerAt(node);
      if (broker.isPresent()) {
        asked.add(home);
        onPlace(new Place(broker.get()));
      } else {
        unknownMember = true;
      }
    }
    if (unknownMember) {
      timers.startSingleTimer(Listed.class, listed, LOOK_AGAIN);
    }
    return Behaviors.same();
  }

  private Optional<Integer> brokerAt(Address node) {
    for (Member member : Cluster.get(context.getSystem()).state().getMembers()) {
      if (member.address().equals(node)) {
        return BrokerRoles.brokerOf(member).map(BrokerAddress::id);
      }
    }
    return Optional.empty();
  }
}
