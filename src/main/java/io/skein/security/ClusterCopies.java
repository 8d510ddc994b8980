package io.skein.security;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What every cluster store of a node-local copy shares (users, ACLs, quotas): the store runs as a
 * cluster singleton, each node's copy registers under the store's service key, and the store
 * sends a snapshot of type {@code M} to each copy when it appears and to all of them after every
 * change. A store keeps one of these to track the copies; a node starts its copy with {@link
 * #localCopy} (and, at start-up, waits until it holds the store's version: see SkeinNode).
 *
 * @param <M> the snapshot message a copy takes, the whole stored value at a version of the store
 */
public final class ClusterCopies<M> {

  private final ServiceKey<M> key;
  private Set<ActorRef<M>> copies = Set.of();

  private ClusterCopies(ServiceKey<M> key) {
    this.key = key;
  }

  /** Starts the store as a singleton (on the oldest node) and returns a proxy to it from this node. */
  public static <C> ActorRef<C> initSingleton(ActorSystem<?> system, Behavior<C> store, String name) {
    return ClusterSingleton.get(system).init(SingletonActor.of(store, name));
  }

  /**
   * For a store's setup: subscribes it to the copies registered under {@code key}, each listing
   * coming to the store through {@code listed}, to be handed to {@link #copiesChanged}.
   */
  public static <C, M> ClusterCopies<M> subscribe(ActorContext<C> context, ServiceKey<M> key,
      Function<Receptionist.Listing, C> listed) {
    context.getSystem().receptionist().tell(Receptionist.subscribe(key,
        context.messageAdapter(Receptionist.Listing.class, listed::apply)));
    return new ClusterCopies<>(key);
  }

  /** A node's copy: registered under {@code key}, handing every snapshot to {@code take}. */
  public static <M> Behavior<M> localCopy(ServiceKey<M> key, Class<M> snapshotType, Consumer<M> take) {
    return Behaviors.setup(context -> {
      context.getSystem().receptionist().tell(Receptionist.register(key, context.getSelf()));
      return Behaviors.receive(snapshotType)
          .onAnyMessage(snapshot -> {
            take.accept(snapshot);
            return Behaviors.same();
          })
          .build();
    });
  }

  /** The copies now registered: those new to the store are sent {@code snapshot}, the store as it is. */
  public void copiesChanged(Receptionist.Listing listing, M snapshot) {
    Set<ActorRef<M>> current = listing.getServiceInstances(key);
    current.stream().filter(copy -> !copies.contains(copy)).forEach(copy -> copy.tell(snapshot));
    copies = current;
  }

  /** Tells every copy {@code snapshot}, the store after a change. */
  public void announce(M snapshot) {
    copies.forEach(copy -> copy.tell(snapshot));
  }
}
