package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.server.TestBroker;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterClientQuotasOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client quotas managed with kafka-clients' Admin (DescribeClientQuotas, AlterClientQuotas):
 * set, changed, removed and described with Kafka's filters, Kafka's per-entry errors,
 * validate_only, and quotas that survive a restart.
 */
class KafkaClientQuotasTest {

  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Admin admin() {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 8000);
    return Admin.create(config);
  }

  private static ClientQuotaEntity entity(String user, String clientId) {
    Map<String, String> parts = new HashMap<>();
    if (user != null) {
      parts.put(ClientQuotaEntity.USER, user.equals("<default>") ? null : user);
    }
    if (clientId != null) {
      parts.put(ClientQuotaEntity.CLIENT_ID, clientId.equals("<default>") ? null : clientId);
    }
    return new ClientQuotaEntity(parts);
  }

  private static ClientQuotaAlteration set(ClientQuotaEntity entity, String key, Double value) {
    return new ClientQuotaAlteration(entity, List.of(new ClientQuotaAlteration.Op(key, value)));
  }

  private static void alter(ClientQuotaAlteration... alterations) throws Exception {
    try (Admin admin = admin()) {
      admin.alterClientQuotas(List.of(alterations)).all().get(15, TimeUnit.SECONDS);
    }
  }

  private static Map<ClientQuotaEntity, Map<String, Double>> describe(ClientQuotaFilter filter) throws Exception {
    try (Admin admin = admin()) {
      return admin.describeClientQuotas(filter).entities().get(15, TimeUnit.SECONDS);
    }
  }

  private static Throwable alterationFailure(ClientQuotaAlteration alteration) {
    try (Admin admin = admin()) {
      KafkaFuture<Void> outcome = admin.alterClientQuotas(List.of(alteration)).values().get(alteration.entity());
      return assertThrows(ExecutionException.class, () -> outcome.get(15, TimeUnit.SECONDS)).getCause();
    }
  }

  @Test
  void quotasAreSetChangedAndRemoved() throws Exception {
    ClientQuotaEntity alice = entity("alice", null);
    alter(new ClientQuotaAlteration(alice, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1024.0),
        new ClientQuotaAlteration.Op("request_percentage", 12.5))));
    assertEquals(Map.of(alice, Map.of("producer_byte_rate", 1024.0, "request_percentage", 12.5)),
        describe(ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity("user", "alice")))));

    alter(new ClientQuotaAlteration(alice, List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 2048.0),
        new ClientQuotaAlteration.Op("request_percentage", null))));
    assertEquals(Map.of(alice, Map.of("producer_byte_rate", 2048.0)),
        describe(ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity("user", "alice")))));

    alter(set(alice, "producer_byte_rate", null));
    assertEquals(Map.of(),
        describe(ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity("user", "alice")))));
  }

  @Test
  void filtersMatchExactDefaultAndAnyNamesStrictlyOrNot() throws Exception {
    ClientQuotaEntity bob = entity("bob", null);
    ClientQuotaEntity bobApp = entity("bob", "app");
    ClientQuotaEntity defaultUser = entity("<default>", null);
    ClientQuotaEntity defaultUserApp = entity("<default>", "app");
    ClientQuotaEntity app = entity(null, "app");
    alter(set(bob, "consumer_byte_rate", 100.0), set(bobApp, "consumer_byte_rate", 200.0),
        set(defaultUser, "consumer_byte_rate", 300.0), set(defaultUserApp, "consumer_byte_rate", 400.0),
        set(app, "consumer_byte_rate", 500.0));

    assertEquals(Map.of(bob, Map.of("consumer_byte_rate", 100.0), bobApp, Map.of("consumer_byte_rate", 200.0)),
        describe(ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntity("user", "bob")))));
    assertEquals(Map.of(bob, Map.of("consumer_byte_rate", 100.0)),
        describe(ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntity("user", "bob")))));
    assertEquals(Map.of(defaultUser, Map.of("consumer_byte_rate", 300.0)),
        describe(ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofDefaultEntity("user")))));
    assertEquals(Map.of(bobApp, Map.of("consumer_byte_rate", 200.0),
            defaultUserApp, Map.of("consumer_byte_rate", 400.0)),
        describe(ClientQuotaFilter.containsOnly(List.of(ClientQuotaFilterComponent.ofEntityType("user"),
            ClientQuotaFilterComponent.ofEntity("client-id", "app")))));
    Map<ClientQuotaEntity, Map<String, Double>> all = describe(ClientQuotaFilter.all());
    assertTrue(all.keySet().containsAll(List.of(bob, bobApp, defaultUser, defaultUserApp, app)), all.toString());
  }

  @Test
  void badAlterationsGetInvalidRequestPerEntryAndChangeNothing() throws Exception {
    ClientQuotaEntity carol = entity("carol", null);
    assertInstanceOf(InvalidRequestException.class, alterationFailure(set(carol, "no_such_rate", 10.0)));
    assertInstanceOf(InvalidRequestException.class, alterationFailure(set(carol, "producer_byte_rate", 10.5)));
    assertInstanceOf(InvalidRequestException.class, alterationFailure(set(carol, "producer_byte_rate", -1.0)));
    assertInstanceOf(InvalidRequestException.class,
        alterationFailure(set(new ClientQuotaEntity(Map.of("group", "g")), "producer_byte_rate", 10.0)));

    // One entry's refusal leaves another's change in the same request to be made.
    ClientQuotaEntity dave = entity("dave", null);
    try (Admin admin = admin()) {
      Map<ClientQuotaEntity, KafkaFuture<Void>> outcome = admin.alterClientQuotas(List.of(
          set(carol, "consumer_byte_rate", 1.5), set(dave, "consumer_byte_rate", 64.0))).values();
      outcome.get(dave).get(15, TimeUnit.SECONDS);
      assertInstanceOf(InvalidRequestException.class,
          assertThrows(ExecutionException.class, () -> outcome.get(carol).get(15, TimeUnit.SECONDS)).getCause());
    }
    assertEquals(Map.of(dave, Map.of("consumer_byte_rate", 64.0)), describe(ClientQuotaFilter.containsOnly(
        List.of(ClientQuotaFilterComponent.ofEntity("user", "dave")))));
    assertEquals(Map.of(), describe(ClientQuotaFilter.containsOnly(
        List.of(ClientQuotaFilterComponent.ofEntity("user", "carol")))));
  }

  @Test
  void validateOnlyChecksWithoutChanging() throws Exception {
    ClientQuotaEntity erin = entity("erin", null);
    try (Admin admin = admin()) {
      admin.alterClientQuotas(List.of(set(erin, "producer_byte_rate", 4096.0)),
          new AlterClientQuotasOptions().validateOnly(true)).all().get(15, TimeUnit.SECONDS);
      KafkaFuture<Void> refused = admin.alterClientQuotas(List.of(set(erin, "producer_byte_rate", 0.5)),
          new AlterClientQuotasOptions().validateOnly(true)).all();
      assertInstanceOf(InvalidRequestException.class,
          assertThrows(ExecutionException.class, () -> refused.get(15, TimeUnit.SECONDS)).getCause());
    }
    assertEquals(Map.of(), describe(ClientQuotaFilter.containsOnly(
        List.of(ClientQuotaFilterComponent.ofEntity("user", "erin")))));
  }

  @Test
  void aFilterNamingATypeTwiceFailsTheRequest() {
    try (Admin admin = admin()) {
      KafkaFuture<Map<ClientQuotaEntity, Map<String, Double>>> described = admin.describeClientQuotas(
          ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntity("user", "a"),
              ClientQuotaFilterComponent.ofEntity("user", "b")))).entities();
      assertInstanceOf(InvalidRequestException.class,
          assertThrows(ExecutionException.class, () -> described.get(15, TimeUnit.SECONDS)).getCause());
    }
  }

  @Test
  void quotasSurviveARestart() throws Exception {
    ClientQuotaEntity fred = entity("fred", "<default>");
    alter(set(fred, "producer_byte_rate", 777.0));

    broker.restart();

    assertEquals(Map.of(fred, Map.of("producer_byte_rate", 777.0)), describe(ClientQuotaFilter.containsOnly(
        List.of(ClientQuotaFilterComponent.ofEntity("user", "fred"), ClientQuotaFilterComponent.ofDefaultEntity(
            "client-id")))));
  }
}
