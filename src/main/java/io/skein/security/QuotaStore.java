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
import io.skein.security.quota.QuotaConfigs;
import io.skein.security.quota.QuotaEntity;
import io.skein.security.quota.QuotaKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster's client quotas: one instance in the cluster (a cluster singleton), event sourced
 * on the journal beside the user and ACL stores, so the quotas survive restarts and move with
 * it. Every change is persisted first, then sent whole to every node's {@link Quotas} copy,
 * which is what enforcement reads.
 */
public final class QuotaStore extends EventSourcedBehavior<QuotaStore.Command, QuotaStore.Event, QuotaStore.State> {

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("skein-quotas");

  /** Where the nodes' copies register. */
  public static final ServiceKey<QuotasChanged> COPIES = ServiceKey.create(QuotasChanged.class, "skein-local-quotas");

  // ---- protocol -------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Applies the alterations (already validated) together; answers with the version that has them. */
  public record Alter(List<Alteration> alterations, ActorRef<Version> replyTo) implements Command {}

  /** Answers with the store's version, for a node to wait until its copy has it. */
  public record GetVersion(ActorRef<Version> replyTo) implements Command {}

  /** The nodes' copies came or went. */
  private record CopiesChanged(Receptionist.Listing listing) implements Command {}

  /** An entity's keys set to new values, and keys removed. */
  public record Alteration(QuotaEntity entity, Map<QuotaKey, Double> set, Set<QuotaKey> removed)
      implements CborSerializable {}

  public record Version(long version) implements CborSerializable {}

  /** Every entity's quotas at {@code version} of the store: what a node's copy is sent. */
  public record QuotasChanged(long version, List<EntityQuotas> quotas) implements CborSerializable {

    public QuotaConfigs configs() {
      Map<QuotaEntity, Map<QuotaKey, Double>> byEntity = new HashMap<>();
      quotas.forEach(entity -> byEntity.put(entity.entity(), entity.quotas()));
      return QuotaConfigs.of(byEntity);
    }
  }

  public record EntityQuotas(QuotaEntity entity, Map<QuotaKey, Double> quotas) implements CborSerializable {}

  // ---- events and state -----------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  public record QuotasAltered(List<Alteration> alterations) implements Event {}

  /** Every entity's quotas and the number of events applied. */
  public record State(List<EntityQuotas> quotas, long version) implements CborSerializable {

    State altered(QuotasAltered event) {
      QuotaConfigs configs = new QuotasChanged(version, quotas).configs();
      for (Alteration alteration : event.alterations()) {
        Map<QuotaKey, Double> changes = new HashMap<>(alteration.set());
        alteration.removed().forEach(key -> changes.put(key, null));
        configs = configs.altered(alteration.entity(), changes);
      }
      List<EntityQuotas> next = new ArrayList<>();
      configs.entries().forEach((entity, keys) -> next.add(new EntityQuotas(entity, Map.copyOf(keys))));
      return new State(List.copyOf(next), version + 1);
    }

    QuotasChanged snapshot() {
      return new QuotasChanged(version, quotas);
    }
  }

  // ---- setup ----------------------------------------------------------------------------

  /** Starts the singleton (on the oldest node) and returns a proxy to it from this node. */
  public static ActorRef<Command> initSingleton(ActorSystem<?> system) {
    return ClusterCopies.initSingleton(system, create(), "quota-store");
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> new QuotaStore(context,
        ClusterCopies.subscribe(context, COPIES, CopiesChanged::new)));
  }

  /** A node's copy, kept in {@code copy}. */
  public static Behavior<QuotasChanged> localCopy(Quotas copy) {
    return ClusterCopies.localCopy(COPIES, QuotasChanged.class,
        changed -> copy.replace(changed.version(), changed.configs()));
  }

  private final ActorContext<Command> context;
  private final ClusterCopies<QuotasChanged> copies;

  private QuotaStore(ActorContext<Command> context, ClusterCopies<QuotasChanged> copies) {
    super(PERSISTENCE_ID, JournalBackoff.strategy());
    this.context = context;
    this.copies = copies;
  }

  @Override
  public State emptyState() {
    return new State(List.of(), 0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Alter.class, this::onAlter)
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
        .onEvent(QuotasAltered.class, (state, event) -> state.altered(event))
        .build();
  }

  // ---- handlers -------------------------------------------------------------------------

  private Effect<Event, State> onAlter(State state, Alter cmd) {
    if (cmd.alterations().isEmpty()) {
      return Effect().reply(cmd.replyTo(), new Version(state.version()));
    }
    context.getLog().info("Client quotas altered: {}", cmd.alterations());
    return Effect()
        .persist(new QuotasAltered(cmd.alterations()))
        .thenRun(next -> copies.announce(next.snapshot()))
        .thenReply(cmd.replyTo(), next -> new Version(next.version()));
  }
}
