package io.skein.broker;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import io.skein.common.AkkaFutures;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.common.FailureException;
import io.skein.security.QuotaStore;
import io.skein.security.Quotas;
import io.skein.security.quota.QuotaEntity;
import io.skein.security.quota.QuotaEntity.Name;
import io.skein.security.quota.QuotaKey;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's client quotas for both admin APIs, by Kafka's rules (DescribeClientQuotas,
 * AlterClientQuotas): described from this node's copy, changed through the {@link QuotaStore}.
 * A change is answered once this node's copy holds it, so this node enforces it at once.
 * Entities come as Kafka names them: parts of type {@code user} or {@code client-id}, a
 * {@code null} name for the default.
 */
public final class QuotaAdmin {

  public static final String USER = "user";
  public static final String CLIENT_ID = "client-id";
  /** Kafka's IP quotas limit connection creation, which Skein does not. */
  private static final String IP = "ip";

  /** One part of an entity: its type and name ({@code null}: the default). */
  public record EntityPart(String type, String name) {}

  /** How a filter component matches an entity's part of its type. */
  public enum Match {
    EXACT, DEFAULT, ANY
  }

  /** One component of a describe filter; {@code name} is read for EXACT only. */
  public record FilterComponent(String type, Match match, String name) {}

  /** One change to a key: a value to set, or removal. */
  public record Op(String key, double value, boolean remove) {}

  /** The changes to one entity's quotas. */
  public record Change(List<EntityPart> entity, List<Op> ops) {}

  /** An entity with its quotas, as described. */
  public record Described(List<EntityPart> entity, Map<QuotaKey, Double> quotas) {}

  private final ActorSystem<?> system;
  private final ActorRef<QuotaStore.Command> store;
  private final Quotas copy;
  private final RequestSettings settings;

  public QuotaAdmin(ActorSystem<?> system, ActorRef<QuotaStore.Command> store, Quotas copy, RequestSettings settings) {
    this.system = system;
    this.store = store;
    this.copy = copy;
    this.settings = settings;
  }

  /** The node's copy of the quotas, which enforcement reads. */
  public Quotas copy() {
    return copy;
  }

  /**
   * The entities the filter matches, with their quotas: every component must match, and with
   * {@code strict} an entity has no part of a type the filter does not name. A bad filter
   * fails with INVALID_REQUEST.
   */
  public List<Described> describe(List<FilterComponent> filter, boolean strict) {
    Map<String, FilterComponent> byType = new HashMap<>();
    for (FilterComponent component : filter) {
      if (!USER.equals(component.type()) && !CLIENT_ID.equals(component.type()) && !IP.equals(component.type())) {
        throw invalid("Custom entity type '" + component.type() + "' not supported");
      }
      if (byType.put(component.type(), component) != null) {
        throw invalid("Entity type " + component.type() + " cannot appear more than once in the filter.");
      }
      if (component.match() == Match.EXACT && component.name() == null) {
        throw invalid("Invalid match for an exact match of entity type " + component.type() + ": none given");
      }
    }
    if (byType.containsKey(IP) && byType.size() > 1) {
      throw invalid("Invalid entity filter component combination, IP filter component should not be used with"
          + " user or clientId filter component.");
    }
    List<Described> described = new ArrayList<>();
    copy.configs().entries().forEach((entity, quotas) -> {
      if (matches(entity, byType, strict)) {
        described.add(new Described(parts(entity), quotas));
      }
    });
    return described;
  }

  /**
   * Kafka's AlterClientQuotas: each change checked on its own (entity, keys, values), the valid
   * ones stored together unless {@code validateOnly}; answers, for each change in order, why it
   * was refused, or nothing (an empty Optional) if it was (or, validating only, would be) made.
   */
  public CompletionStage<List<Optional<Failure>>> alter(List<Change> changes, boolean validateOnly) {
    List<Optional<Failure>> outcome = new ArrayList<>();
    List<QuotaStore.Alteration> accepted = new ArrayList<>();
    for (Change change : changes) {
      try {
        accepted.add(alteration(change));
        outcome.add(Optional.empty());
      } catch (FailureException refused) {
        outcome.add(Optional.of(refused.failure()));
      }
    }
    if (validateOnly || accepted.isEmpty()) {
      return CompletableFuture.completedFuture(outcome);
    }
    CompletionStage<QuotaStore.Version> stored = AkkaFutures.direct(AskPattern.ask(store,
        replyTo -> new QuotaStore.Alter(accepted, replyTo), settings.requestTimeout(), system.scheduler()));
    return stored.thenCompose(version -> copy.whenAt(version.version()).toCompletableFuture()
        .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(reached -> outcome));
  }

  private static QuotaStore.Alteration alteration(Change change) {
    QuotaEntity entity = entity(change.entity());
    Map<QuotaKey, Double> set = new EnumMap<>(QuotaKey.class);
    Set<QuotaKey> removed = EnumSet.noneOf(QuotaKey.class);
    for (Op op : change.ops()) {
      QuotaKey key = QuotaKey.named(op.key()).orElseThrow(() -> invalid("Invalid configuration key " + op.key()));
      if (op.remove()) {
        set.remove(key);
        removed.add(key);
        continue;
      }
      if (Double.isNaN(op.value()) || Double.isInfinite(op.value()) || op.value() <= 0) {
        throw invalid("Quota " + key.configName() + " must be greater than 0, got " + op.value());
      }
      if (key.wholeNumber() && (op.value() != Math.rint(op.value()) || op.value() > Long.MAX_VALUE)) {
        throw invalid("Proposed value for " + key.configName() + " must be an integer (a LONG), got " + op.value());
      }
      removed.remove(key);
      set.put(key, op.value());
    }
    return new QuotaStore.Alteration(entity, set, removed);
  }

  /** The entity Kafka's parts name; INVALID_REQUEST for none, a repeated or unknown type, or an IP. */
  private static QuotaEntity entity(List<EntityPart> parts) {
    if (parts.isEmpty()) {
      throw invalid("Invalid empty client quota entity");
    }
    Map<String, Name> byType = new LinkedHashMap<>();
    for (EntityPart part : parts) {
      if (IP.equals(part.type())) {
        throw invalid("IP quotas (connection_creation_rate) are not supported by Skein");
      }
      if (!USER.equals(part.type()) && !CLIENT_ID.equals(part.type())) {
        throw invalid("Unhandled client quota entity type: " + part.type());
      }
      if (byType.put(part.type(), Name.of(part.name())) != null) {
        throw invalid("Duplicate entity type " + part.type() + " in the client quota entity");
      }
    }
    return new QuotaEntity(byType.get(USER), byType.get(CLIENT_ID));
  }

  private static boolean matches(QuotaEntity entity, Map<String, FilterComponent> filter, boolean strict) {
    if (filter.containsKey(IP)) {
      return false;
    }
    if (strict && filter.size() != parts(entity).size()) {
      return false;
    }
    return matches(entity.user(), filter.get(USER)) && matches(entity.clientId(), filter.get(CLIENT_ID));
  }

  /** Whether an entity's part ({@code null}: the entity has none of that type) meets the component, if any. */
  private static boolean matches(Name part, FilterComponent component) {
    if (component == null) {
      return true;
    }
    if (part == null) {
      return false;
    }
    return switch (component.match()) {
      case EXACT -> component.name().equals(part.value());
      case DEFAULT -> part.isDefault();
      case ANY -> true;
    };
  }

  private static List<EntityPart> parts(QuotaEntity entity) {
    List<EntityPart> parts = new ArrayList<>(2);
    if (entity.user() != null) {
      parts.add(new EntityPart(USER, entity.user().value()));
    }
    if (entity.clientId() != null) {
      parts.add(new EntityPart(CLIENT_ID, entity.clientId().value()));
    }
    return parts;
  }

  private static FailureException invalid(String message) {
    return new FailureException(ErrorCode.INVALID_REQUEST, message);
  }
}
