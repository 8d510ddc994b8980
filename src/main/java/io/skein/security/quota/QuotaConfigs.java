package io.skein.security.quota;

import io.skein.security.quota.QuotaEntity.Name;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every quota set in the cluster, immutable, and which one applies to a connection: Kafka's eight
 * levels, most specific first, looked up for each {@link QuotaKey} on its own.
 */
public final class QuotaConfigs {

  public static final QuotaConfigs EMPTY = new QuotaConfigs(Map.of());

  private final Map<QuotaEntity, Map<QuotaKey, Double>> byEntity;

  private QuotaConfigs(Map<QuotaEntity, Map<QuotaKey, Double>> byEntity) {
    this.byEntity = byEntity;
  }

  /**
   * The quota a client is held to, and whose usage is measured together against it: an entity with
   * a user part measures that user (a default user's quota holds each user on its own), one with a
   * client-id part that client id, and an empty tag means "any" (Kafka's sensor tags).
   */
  public record Bound(QuotaEntity entity, double limit, String user, String clientId) {}

  /** The configs holding these entities' quotas. */
  public static QuotaConfigs of(Map<QuotaEntity, Map<QuotaKey, Double>> byEntity) {
    QuotaConfigs configs = EMPTY;
    for (Map.Entry<QuotaEntity, Map<QuotaKey, Double>> entry : byEntity.entrySet()) {
      configs = configs.altered(entry.getKey(), entry.getValue());
    }
    return configs;
  }

  public Map<QuotaEntity, Map<QuotaKey, Double>> entries() {
    return byEntity;
  }

  public Map<QuotaKey, Double> of(QuotaEntity entity) {
    return byEntity.getOrDefault(entity, Map.of());
  }

  /** The bound for {@code key}, by Kafka's precedence; empty when no level sets it. */
  public Optional<Bound> bound(QuotaKey key, String user, String clientId) {
    if (byEntity.isEmpty()) {
      return Optional.empty();
    }
    Name userName = Name.of(user);
    Name clientName = Name.of(clientId);
    for (QuotaEntity entity : List.of(
        QuotaEntity.userAndClientId(userName, clientName),
        QuotaEntity.userAndClientId(userName, Name.DEFAULT),
        QuotaEntity.user(userName),
        QuotaEntity.userAndClientId(Name.DEFAULT, clientName),
        QuotaEntity.userAndClientId(Name.DEFAULT, Name.DEFAULT),
        QuotaEntity.user(Name.DEFAULT),
        QuotaEntity.clientId(clientName),
        QuotaEntity.clientId(Name.DEFAULT))) {
      Double limit = of(entity).get(key);
      if (limit != null) {
        return Optional.of(new Bound(entity, limit, entity.user() == null ? "" : user,
            entity.clientId() == null ? "" : clientId));
      }
    }
    return Optional.empty();
  }

  /** These configs with {@code entity}'s keys set ({@code null} value: removed), as AlterClientQuotas. */
  public QuotaConfigs altered(QuotaEntity entity, Map<QuotaKey, Double> changes) {
    Map<QuotaKey, Double> keys = new EnumMap<>(QuotaKey.class);
    keys.putAll(of(entity));
    changes.forEach((key, limit) -> {
      if (limit == null) {
        keys.remove(key);
      } else {
        keys.put(key, limit);
      }
    });
    Map<QuotaEntity, Map<QuotaKey, Double>> next = new HashMap<>(byEntity);
    if (keys.isEmpty()) {
      next.remove(entity);
    } else {
      next.put(entity, Collections.unmodifiableMap(keys));
    }
    return new QuotaConfigs(Collections.unmodifiableMap(next));
  }
}
