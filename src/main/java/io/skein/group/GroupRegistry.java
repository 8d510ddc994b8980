package io.skein.group;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import io.skein.common.JournalBackoff;
import io.skein.common.CborSerializable;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ids of the groups that exist, for ListGroups: a small event-sourced cluster
 * singleton. Coordinators register when their group comes into being (and, idempotently,
 * every time they start) and unregister when it is deleted.
 *
 * <p>Why not {@code currentPersistenceIds} of the JDBC read journal: that scans the whole
 * journal for distinct ids on every call (costly on PostgreSQL with many groups) and keeps
 * listing groups that were deleted, since their events remain. Why not the Controller: it
 * is the topics' source of truth and on the path of every topic change; groups come and
 * go with consumers and should not add load or risk there. The registry also starts every
 * known group when it starts, so that groups no client talks to after a restart still run
 * their timers (offset expiry, deletion of empty groups).
 */
public final class GroupRegistry
    extends EventSourcedBehavior<GroupRegistry.Command, GroupRegistry.Event, GroupRegistry.State> {

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("skein-group-registry");

  public sealed interface Command extends CborSerializable {}

  public record Register(String groupId) implements Command {}

  public record Unregister(String groupId) implements Command {}

  public record ListGroups(ActorRef<Groups> replyTo) implements Command {}

  public record Groups(List<String> groupIds) implements CborSerializable {}

  public sealed interface Event extends CborSerializable {}

  public record GroupAdded(String groupId) implements Event {}

  public record GroupRemoved(String groupId) implements Event {}

  public record State(Set<String> groupIds) implements CborSerializable {
    public State {
      groupIds = Set.copyOf(groupIds);
    }

    State with(String id) {
      Set<String> next = new TreeSet<>(groupIds);
      next.add(id);
      return new State(next);
    }

    State without(String id) {
      Set<String> next = new TreeSet<>(groupIds);
      next.remove(id);
      return new State(next);
    }
  }

  /** Starts the singleton (on the oldest node) and returns a proxy to it; idempotent. */
  public static ActorRef<Command> initSingleton(ActorSystem<?> system) {
    return ClusterSingleton.get(system).init(SingletonActor.of(create(), "group-registry"));
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(GroupRegistry::new);
  }

  private final ActorContext<Command> context;

  private GroupRegistry(ActorContext<Command> context) {
    super(PERSISTENCE_ID, JournalBackoff.strategy());
    this.context = context;
  }

  @Override
  public State emptyState() {
    return new State(Set.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> {
      for (String id : state.groupIds()) {
        GroupCoordinator.of(context.getSystem(), id).tell(new GroupCoordinator.Wake());
      }
    }).build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Register.class, (state, cmd) -> state.groupIds().contains(cmd.groupId())
            ? Effect().none() : Effect().persist(new GroupAdded(cmd.groupId())))
        .onCommand(Unregister.class, (state, cmd) -> state.groupIds().contains(cmd.groupId())
            ? Effect().persist(new GroupRemoved(cmd.groupId())) : Effect().none())
        .onCommand(ListGroups.class, (state, cmd) -> {
          cmd.replyTo().tell(new Groups(List.copyOf(new TreeSet<>(state.groupIds()))));
          return Effect().none();
        })
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(GroupAdded.class, (state, e) -> state.with(e.groupId()))
        .onEvent(GroupRemoved.class, (state, e) -> state.without(e.groupId()))
        .build();
  }
}
