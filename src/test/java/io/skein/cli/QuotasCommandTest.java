package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.ChannelFactory;
import io.skein.server.TestBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code skein quotas} end to end over gRPC: quotas it sets are described by it and by Kafka's
 * Admin API on the same broker, removed ones are gone, and bad input gets the broker's error
 * (exit 1) or a usage error (exit 2).
 */
class QuotasCommandTest {

  private static TestBroker broker;
  private String out;
  private String err;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private int quotas(String... args) {
    List<String> line = new ArrayList<>(List.of("quotas", "--bootstrap-server", broker.bootstrap(), "--timeout", "10"));
    line.addAll(List.of(args));
    CliRun run = CliRun.of(ChannelFactory.plaintext(), "", line.toArray(String[]::new));
    out = run.out();
    err = run.err();
    return run.exitCode();
  }

  private static Map<ClientQuotaEntity, Map<String, Double>> kafkaDescribe(ClientQuotaFilter filter) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.kafkaBootstrap(),
        "default.api.timeout.ms", 10_000, "request.timeout.ms", 8000))) {
      return admin.describeClientQuotas(filter).entities().get(15, TimeUnit.SECONDS);
    }
  }

  @Test
  void quotasAreSetDescribedOnBothApisAndRemoved() throws Exception {
    assertEquals(0, quotas("--alter", "--entity-user", "alice", "--entity-client-id", "app",
        "--add", "producer_byte_rate=1048576", "--add", "request_percentage=12.5"), err);
    assertEquals("Altered the quotas of user=alice,client-id=app.\n", out);
    assertEquals(0, quotas("--alter", "--entity-user", "<default>", "--add", "consumer_byte_rate=2048"), err);

    assertEquals(0, quotas("--describe"), err);
    assertTrue(out.lines().anyMatch(
        "user=alice,client-id=app\tproducer_byte_rate=1048576,request_percentage=12.5"::equals), out);
    assertTrue(out.lines().anyMatch("user=<default>\tconsumer_byte_rate=2048"::equals), out);
    assertEquals(0, quotas("--describe", "--entity-user", "<default>"), err);
    assertEquals("user=<default>\tconsumer_byte_rate=2048\n", out);
    assertEquals(Map.of(new ClientQuotaEntity(Map.of("user", "alice", "client-id", "app")),
            Map.of("producer_byte_rate", 1048576.0, "request_percentage", 12.5)),
        kafkaDescribe(ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntity("user", "alice")))));

    assertEquals(0, quotas("--alter", "--entity-user", "alice", "--entity-client-id", "app",
        "--remove", "producer_byte_rate"), err);
    assertEquals(0, quotas("--describe", "--entity-user", "alice"), err);
    assertEquals("user=alice,client-id=app\trequest_percentage=12.5\n", out);
  }

  @Test
  void badQuotasAreTheBrokersErrorsAndMisuseIsAUsageError() {
    assertEquals(1, quotas("--alter", "--entity-user", "bob", "--add", "no_such_rate=1"));
    assertTrue(err.contains("INVALID_REQUEST") && err.contains("no_such_rate"), err);
    assertEquals(1, quotas("--alter", "--entity-user", "bob", "--add", "producer_byte_rate=0.5"));
    assertTrue(err.contains("INVALID_REQUEST"), err);

    assertEquals(2, quotas("--alter", "--add", "producer_byte_rate=1"));
    assertTrue(err.contains("--alter needs --entity-user"), err);
    assertEquals(2, quotas("--alter", "--entity-user", "bob"));
    assertEquals(2, quotas("--describe", "--add", "producer_byte_rate=1"));
    assertEquals(2, quotas("--describe", "--alter"));
  }
}
