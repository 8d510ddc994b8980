package io.skein.security;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import io.skein.common.CborSerializable;
import io.skein.common.JournalBackoff;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The cluster's ACLs: one instance in the cluster (a cluster singleton), event sourced on the
 * journal beside the user store, so the ACLs survive restarts and move with it. Every change is
 * persisted first, then sent whole to every node's {@link Acls} copy ({@link #localCopy}), which
 * is what the {@link Authorizer} reads: authorization never asks across the cluster.
 */
public final class AclStore extends EventSourcedBehavior<AclStore.Command, AclStore.Event, AclStore.State> {

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("skein-acls");

  /** Where the nodes' copies register. */
  public static final ServiceKey<AclsChanged> COPIES = ServiceKey.create(AclsChanged.class, "skein-local-acls");

  // ---- protocol -------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Adds the ACLs (one already there stays, as in Kafka); answers with the version that has them. */
  public record Create(List<Acl> acls, ActorRef<Version> replyTo) implements Command {}

  /** Removes every ACL a filter matches; answers with each filter's matches, in order. */
  public record Delete(List<AclFilter> filters, ActorRef<Deleted> replyTo) implements Command {}

  /** Answers with the store's version, for a node to wait until its copy has it. */
  public record GetVersion(ActorRef<Version> replyTo) implements Command {}

  /** The nodes' copies came or went. */
  private record CopiesChanged(Receptionist.Listing listing) implements Command {}

  public record Version(long version) implements CborSerializable {}

  /** Every ACL at {@code version} of the store: what a node's copy is sent. */
  public record AclsChanged(long version, Set<Acl> acls) implements CborSerializable {}

  /** Per filter the ACLs it matched (now deleted), and the version without them. */
  public record Deleted(List<List<Acl>> matched, long version) implements CborSerializable {}

  // ---- events and state -----------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  public record AclsCreated(List<Acl> acls) implements Event {}

  public record AclsDeleted(List<Acl> acls) implements Event {}

  /** The ACLs and the number of events applied. */
  public record State(Set<Acl> acls, long version) implements CborSerializable {

    State created(AclsCreated event) {
      Set<Acl> next = new HashSet<>(acls);
      next.addAll(event.acls());
      return new State(Set.copyOf(next), version + 1);
    }

    AclsChanged snapshot() {
      return new AclsChanged(version, acls);
    }

    State deleted(AclsDeleted event) {
      Set<Acl> next = new HashSet<>(acls);
      event.acls().forEach(next::remove);
      return new State(Set.copyOf(next), version + 1);
    }
  }

  // ---- setup ----------------------------------------------------------------------------

  /** Starts the singleton (on the oldest node) and returns a proxy to it from this node. */
  public static ActorRef<Command> initSingleton(ActorSystem<?> system) {
    return ClusterCopies.initSingleton(system, create(), "acl-store");
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> new AclStore(context,
        ClusterCopies.subscribe(context, COPIES, CopiesChanged::new)));
  }

  /** A node's copy, kept in {@code copy}. */
  public static Behavior<AclsChanged> localCopy(Acls copy) {
    return ClusterCopies.localCopy(COPIES, AclsChanged.class, changed -> copy.replace(changed.version(), changed.acls()));
  }

  private final ActorContext<Command> context;
  private final ClusterCopies<AclsChanged> copies;

  private AclStore(ActorContext<Command> context, ClusterCopies<AclsChanged> copies) {
    super(PERSISTENCE_ID, JournalBackoff.strategy());
    this.context = context;
    this.copies = copies;
  }

  @Override
  public State emptyState() {
    return new State(Set.of(), 0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Create.class, this::onCreate)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(GetVersion.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Version(state.version())))
        .onCommand(CopiesChanged.class, (state, cmd) -> {
          copies.copiesChanged(cmd.listing(), state.snapshot());
          return Effect().none();
        })
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(AclsCreated.class, (state, event) -> state.created(event))
        .onEvent(AclsDeleted.class, (state, event) -> state.deleted(event))
        .build();
  }

  // ---- handlers -------------------------------------------------------------------------

  private Effect<Event, State> onCreate(State state, Create cmd) {
    List<Acl> added = cmd.acls().stream().filter(acl -> !state.acls().contains(acl)).distinct().toList();
    if (added.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new Version(state.version()));
    }
    context.getLog().info("ACLs added: {}", added);
    return Effect()
        .persist(new AclsCreated(added))
        .thenRun(next -> copies.announce(next.snapshot()))
        .thenReply(cmd.replyTo(), next -> new Version(next.version()));
  }

  private Effect<Event, State> onDelete(State state, Delete cmd) {
    List<List<Acl>> matched = new ArrayList<>();
    Set<Acl> removed = new LinkedHashSet<>();
    for (AclFilter filter : cmd.filters()) {
      List<Acl> matches = state.acls().stream().filter(filter::matches).toList();
      matched.add(matches);
      removed.addAll(matches);
    }
    if (removed.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new Deleted(matched, state.version()));
    }
    context.getLog().info("ACLs removed: {}", removed);
    return Effect()
        .persist(new AclsDeleted(List.copyOf(removed)))
        .thenRun(next -> copies.announce(next.snapshot()))
        .thenReply(cmd.replyTo(), next -> new Deleted(matched, next.version()));
  }
}
