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
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.common.JournalBackoff;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster's SCRAM users: per user and mechanism the salt, iterations, StoredKey and
 * ServerKey, never a password. One instance in the cluster (a cluster singleton), event sourced
 * on the journal beside the Controller's, so the users survive restarts and move with it. Every
 * change is persisted first, then sent whole to every node's {@link UserCredentials} copy
 * ({@link #localCopy}), which is what logins check: authentication never asks across the cluster.
 *
 * <p>Users of the brokers' configuration are a seed, as Kafka's {@code kafka-storage format
 * --add-scram}: a configured name is created once, when a broker listing it first starts, unless
 * a user of that name exists already; later changes and deletions (through either admin API)
 * stand, and the configured password is not applied again.
 */
public final class UserStore extends EventSourcedBehavior<UserStore.Command, UserStore.Event, UserStore.State> {

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("skein-users");

  /** Where the nodes' copies register. */
  public static final ServiceKey<UsersChanged> COPIES = ServiceKey.create(UsersChanged.class, "skein-local-users");

  // ---- protocol -------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Creates the configured users this store has never seeded; answers with the store's version. */
  public record Seed(Map<String, Map<ScramMechanism, ScramCredential>> users, ActorRef<Version> replyTo)
      implements Command {}

  /** Applies changes of distinct users at once, or none if a deletion names a credential that does not exist. */
  public record Alter(List<CredentialChange> changes, ActorRef<Altered> replyTo) implements Command {}

  /** The nodes' copies came or went. */
  private record CopiesChanged(Receptionist.Listing listing) implements Command {}

  /** Every user's credentials at {@code version} of the store: what a node's copy is sent. */
  public record UsersChanged(long version, Map<String, Map<ScramMechanism, ScramCredential>> users)
      implements CborSerializable {}

  /** Sets the user's credential of its mechanism, or, with no credential, removes the user's {@code mechanism}. */
  public record CredentialChange(String user, ScramMechanism mechanism, ScramCredential credential)
      implements CborSerializable {
    public static CredentialChange put(String user, ScramCredential credential) {
      return new CredentialChange(user, credential.mechanism(), credential);
    }

    public static CredentialChange remove(String user, ScramMechanism mechanism) {
      return new CredentialChange(user, mechanism, null);
    }
  }

  /** The store's version: each change makes a new one. */
  public record Version(long version) implements CborSerializable {}

  /** The users whose changes were refused, with why (none if all were stored), and the version with the changes. */
  public record Altered(Map<String, Failure> refused, long version) implements CborSerializable {}

  // ---- events and state -----------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  /** Configured users created, and the names now seeded (created, or found to exist). */
  public record UsersSeeded(Map<String, Map<ScramMechanism, ScramCredential>> created, Set<String> names)
      implements Event {}

  public record CredentialsChanged(List<CredentialChange> changes) implements Event {}

  /** The users, the configured names seeded so far, and the number of events applied. */
  public record State(Map<String, Map<ScramMechanism, ScramCredential>> users, Set<String> seeded, long version)
      implements CborSerializable {

    State seeded(UsersSeeded event) {
      Map<String, Map<ScramMechanism, ScramCredential>> next = new HashMap<>(users);
      next.putAll(event.created());
      Set<String> names = new HashSet<>(seeded);
      names.addAll(event.names());
      return new State(Map.copyOf(next), Set.copyOf(names), version + 1);
    }

    State changed(CredentialsChanged event) {
      Map<String, Map<ScramMechanism, ScramCredential>> next = new HashMap<>(users);
      for (CredentialChange change : event.changes()) {
        Map<ScramMechanism, ScramCredential> credentials = new EnumMap<>(ScramMechanism.class);
        credentials.putAll(next.getOrDefault(change.user(), Map.of()));
        if (change.credential() == null) {
          credentials.remove(change.mechanism());
        } else {
          credentials.put(change.mechanism(), change.credential());
        }
        if (credentials.isEmpty()) {
          next.remove(change.user());
        } else {
          next.put(change.user(), Map.copyOf(credentials));
        }
      }
      return new State(Map.copyOf(next), seeded, version + 1);
    }
  }

  // ---- setup ----------------------------------------------------------------------------

  /** Starts the singleton (on the oldest node) and returns a proxy to it from this node. */
  public static ActorRef<Command> initSingleton(ActorSystem<?> system) {
    return ClusterCopies.initSingleton(system, create(), "user-store");
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> new UserStore(context,
        ClusterCopies.subscribe(context, COPIES, CopiesChanged::new)));
  }

  /** A node's copy, kept in {@code copy}. */
  public static Behavior<UsersChanged> localCopy(UserCredentials copy) {
    return ClusterCopies.localCopy(COPIES, UsersChanged.class,
        changed -> copy.replace(changed.version(), changed.users()));
  }

  private final ActorContext<Command> context;
  private final ClusterCopies<UsersChanged> copies;

  private UserStore(ActorContext<Command> context, ClusterCopies<UsersChanged> copies) {
    super(PERSISTENCE_ID, JournalBackoff.strategy());
    this.context = context;
    this.copies = copies;
  }

  @Override
  public State emptyState() {
    return new State(Map.of(), Set.of(), 0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Seed.class, this::onSeed)
        .onCommand(Alter.class, this::onAlter)
        .onCommand(CopiesChanged.class, (state, cmd) -> {
          copies.copiesChanged(cmd.listing(), snapshot(state));
          return Effect().none();
        })
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(UsersSeeded.class, (state, event) -> state.seeded(event))
        .onEvent(CredentialsChanged.class, (state, event) -> state.changed(event))
        .build();
  }

  // ---- handlers -------------------------------------------------------------------------

  private Effect<Event, State> onSeed(State state, Seed cmd) {
    Map<String, Map<ScramMechanism, ScramCredential>> created = new HashMap<>();
    Set<String> names = new HashSet<>();
    cmd.users().forEach((user, credentials) -> {
      if (!state.seeded().contains(user)) {
        names.add(user);
        if (!state.users().containsKey(user)) {
          created.put(user, credentials);
        }
      }
    });
    if (names.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new Version(state.version()));
    }
    context.getLog().info("Users from the configuration: created {}, already present {}", created.keySet(),
        names.stream().filter(name -> !created.containsKey(name)).sorted().toList());
    return Effect()
        .persist(new UsersSeeded(created, names))
        .thenRun(next -> copies.announce(snapshot(next)))
        .thenReply(cmd.replyTo(), next -> new Version(next.version()));
  }

  private Effect<Event, State> onAlter(State state, Alter cmd) {
    Map<String, Failure> refused = new HashMap<>();
    for (CredentialChange change : cmd.changes()) {
      if (change.credential() == null
          && !state.users().getOrDefault(change.user(), Map.of()).containsKey(change.mechanism())) {
        refused.put(change.user(), Failure.of(ErrorCode.RESOURCE_NOT_FOUND,
            "Attempt to delete a user credential that does not exist"));
      }
    }
    List<CredentialChange> accepted =
        cmd.changes().stream().filter(change -> !refused.containsKey(change.user())).toList();
    if (accepted.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new Altered(refused, state.version()));
    }
    context.getLog().info("SCRAM credentials changed: {}", accepted.stream()
        .map(change -> change.user() + " " + change.mechanism().mechanismName()
            + (change.credential() == null ? " removed" : " set"))
        .toList());
    return Effect()
        .persist(new CredentialsChanged(accepted))
        .thenRun(next -> copies.announce(snapshot(next)))
        .thenReply(cmd.replyTo(), next -> new Altered(refused, next.version()));
  }

  private static UsersChanged snapshot(State state) {
    return new UsersChanged(state.version(), state.users());
  }
}
