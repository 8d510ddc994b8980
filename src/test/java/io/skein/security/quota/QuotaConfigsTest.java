package io.skein.security.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.security.quota.QuotaEntity.Name;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kafka's precedence of the eight quota levels, and whose usage a bound measures together. */
class QuotaConfigsTest {

  private static final Name ALICE = Name.of("alice");
  private static final Name APP = Name.of("app");

  /** Most specific first, as Kafka's ClientQuotaManager documents them. */
  private static final List<QuotaEntity> LEVELS = List.of(
      QuotaEntity.userAndClientId(ALICE, APP),
      QuotaEntity.userAndClientId(ALICE, Name.DEFAULT),
      QuotaEntity.user(ALICE),
      QuotaEntity.userAndClientId(Name.DEFAULT, APP),
      QuotaEntity.userAndClientId(Name.DEFAULT, Name.DEFAULT),
      QuotaEntity.user(Name.DEFAULT),
      QuotaEntity.clientId(APP),
      QuotaEntity.clientId(Name.DEFAULT));

  private static Map<QuotaKey, Double> set(QuotaKey key, Double limit) {
    Map<QuotaKey, Double> changes = new HashMap<>();
    changes.put(key, limit);
    return changes;
  }

  @Test
  void eachLevelWinsOverAllLessSpecificOnes() {
    QuotaConfigs configs = QuotaConfigs.EMPTY;
    for (int level = 0; level < LEVELS.size(); level++) {
      configs = configs.altered(LEVELS.get(level), set(QuotaKey.PRODUCER_BYTE_RATE, 1000.0 + level));
    }
    for (int level = 0; level < LEVELS.size(); level++) {
      QuotaConfigs.Bound bound = configs.bound(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app").orElseThrow();
      assertEquals(LEVELS.get(level), bound.entity());
      assertEquals(1000.0 + level, bound.limit());
      configs = configs.altered(LEVELS.get(level), set(QuotaKey.PRODUCER_BYTE_RATE, null));
    }
    assertTrue(configs.bound(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app").isEmpty());
    assertTrue(configs.entries().isEmpty());
  }

  @Test
  void eachKeyIsResolvedOnItsOwn() {
    QuotaConfigs configs = QuotaConfigs.EMPTY
        .altered(QuotaEntity.user(ALICE), set(QuotaKey.PRODUCER_BYTE_RATE, 500.0))
        .altered(QuotaEntity.clientId(Name.DEFAULT), set(QuotaKey.CONSUMER_BYTE_RATE, 700.0));

    assertEquals(500.0, configs.bound(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app").orElseThrow().limit());
    assertEquals(700.0, configs.bound(QuotaKey.CONSUMER_BYTE_RATE, "alice", "app").orElseThrow().limit());
    assertTrue(configs.bound(QuotaKey.REQUEST_PERCENTAGE, "alice", "app").isEmpty());
    assertTrue(configs.bound(QuotaKey.PRODUCER_BYTE_RATE, "bob", "app").isEmpty());
  }

  @Test
  void aDefaultUserQuotaHoldsEachUserOnItsOwnAndAUserQuotaSharesItAcrossClientIds() {
    QuotaConfigs configs = QuotaConfigs.EMPTY
        .altered(QuotaEntity.user(Name.DEFAULT), set(QuotaKey.PRODUCER_BYTE_RATE, 100.0))
        .altered(QuotaEntity.clientId(APP), set(QuotaKey.CONSUMER_BYTE_RATE, 200.0));

    QuotaConfigs.Bound alice = configs.bound(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app").orElseThrow();
    QuotaConfigs.Bound bob = configs.bound(QuotaKey.PRODUCER_BYTE_RATE, "bob", "other").orElseThrow();
    assertEquals(List.of("alice", ""), List.of(alice.user(), alice.clientId()));
    assertEquals(List.of("bob", ""), List.of(bob.user(), bob.clientId()));

    QuotaConfigs.Bound byClient = configs.bound(QuotaKey.CONSUMER_BYTE_RATE, "alice", "app").orElseThrow();
    assertEquals(List.of("", "app"), List.of(byClient.user(), byClient.clientId()));
  }

  @Test
  void alteringOneKeyKeepsTheEntitysOthers() {
    QuotaEntity entity = QuotaEntity.userAndClientId(ALICE, APP);
    QuotaConfigs configs = QuotaConfigs.EMPTY
        .altered(entity, Map.of(QuotaKey.PRODUCER_BYTE_RATE, 1.0, QuotaKey.REQUEST_PERCENTAGE, 50.0))
        .altered(entity, set(QuotaKey.PRODUCER_BYTE_RATE, null));

    assertEquals(Map.of(QuotaKey.REQUEST_PERCENTAGE, 50.0), configs.of(entity));
  }
}
