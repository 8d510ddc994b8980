package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.ChannelFactory;
import io.skein.server.TestBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code skein users} end to end against a broker whose gRPC calls authenticate with Basic
 * credentials and whose Kafka listener is SASL_PLAINTEXT: a user it adds logs in at once over
 * both, a new password replaces the old, a deleted user is refused, and bad input gets the
 * broker's error (exit 1) or a usage error (exit 2).
 */
class UsersCommandTest {

  private static TestBroker broker;
  private String out;
  private String err;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of(
        "skein.kafka.security-protocol", "SASL_PLAINTEXT",
        "skein.grpc.authentication", "basic",
        "skein.security.sasl.users.admin", "admin-secret"));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private int run(String... args) {
    CliRun run = CliRun.of(ChannelFactory.plaintext(), "", args);
    out = run.out();
    err = run.err();
    return run.exitCode();
  }

  /** {@code skein users ARGS} as the configured admin. */
  private int users(String... args) {
    List<String> line = new ArrayList<>(List.of("users", "--bootstrap-server", broker.bootstrap(), "--timeout", "10",
        "--user", "admin", "--password", "admin-secret"));
    line.addAll(List.of(args));
    return run(line.toArray(String[]::new));
  }

  /** Whether {@code user} may list topics over gRPC with {@code password}. */
  private boolean grpcLogsIn(String user, String password) {
    int exitCode = run("topics", "--list", "--bootstrap-server", broker.bootstrap(), "--timeout", "0",
        "--user", user, "--password", password);
    assertTrue(exitCode == 0 || err.contains("UNAUTHENTICATED") || err.contains("invalid credentials"), err);
    return exitCode == 0;
  }

  private static String kafkaClusterId(String user, String password) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.kafkaBootstrap(),
        "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-512",
        "default.api.timeout.ms", 10_000, "request.timeout.ms", 8000,
        "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
            + "\" password=\"" + password + "\";"))) {
      return admin.describeCluster().clusterId().get(15, TimeUnit.SECONDS);
    }
  }

  private static void assertKafkaRefuses(String user, String password) {
    ExecutionException refused = assertThrows(ExecutionException.class, () -> kafkaClusterId(user, password));
    assertInstanceOf(SaslAuthenticationException.class, refused.getCause(), refused.getCause().toString());
  }

  @Test
  void anAddedUserLogsInOverBothListenersUntilItsPasswordChangesOrItIsDeleted() throws Exception {
    assertFalse(grpcLogsIn("gina", "gina-secret"));

    assertEquals(0, users("--add", "gina", "--new-password", "gina-secret"), err);
    assertEquals("Set the password of user gina: SCRAM-SHA-256=iterations=4096,SCRAM-SHA-512=iterations=4096.\n",
        out);
    assertEquals(0, users("--list"), err);
    assertTrue(out.lines().anyMatch("gina\tSCRAM-SHA-256=iterations=4096,SCRAM-SHA-512=iterations=4096"::equals), out);
    assertTrue(out.lines().anyMatch("admin\tSCRAM-SHA-256=iterations=4096,SCRAM-SHA-512=iterations=4096"::equals), out);
    assertTrue(grpcLogsIn("gina", "gina-secret"));
    assertFalse(kafkaClusterId("gina", "gina-secret").isEmpty());

    assertEquals(0, users("--add", "gina", "--new-password", "gina-new", "--mechanism", "SCRAM-SHA-512",
        "--iterations", "8192"), err);
    assertEquals(0, users("--list"), err);
    assertTrue(out.lines().anyMatch("gina\tSCRAM-SHA-256=iterations=4096,SCRAM-SHA-512=iterations=8192"::equals), out);
    assertFalse(grpcLogsIn("gina", "gina-secret"));
    assertKafkaRefuses("gina", "gina-secret");
    assertTrue(grpcLogsIn("gina", "gina-new"));
    assertFalse(kafkaClusterId("gina", "gina-new").isEmpty());

    assertEquals(0, users("--delete", "gina"), err);
    assertEquals("Deleted user gina.\n", out);
    assertFalse(grpcLogsIn("gina", "gina-new"));
    assertKafkaRefuses("gina", "gina-new");
    assertEquals(0, users("--list"), err);
    assertTrue(out.lines().noneMatch(line -> line.startsWith("gina\t")), out);

    assertEquals(1, users("--delete", "gina"));
    assertTrue(err.contains("RESOURCE_NOT_FOUND"), err);
  }

  @Test
  void badCredentialsAreTheBrokersErrorsAndMisuseIsAUsageError() {
    assertEquals(1, users("--add", "hugo", "--new-password", "p", "--iterations", "100"));
    assertTrue(err.contains("UNACCEPTABLE_CREDENTIAL") && err.contains("Too few iterations"), err);
    assertEquals(1, users("--add", "hugo", "--new-password", "p", "--mechanism", "SCRAM-SHA-1"));
    assertTrue(err.contains("UNSUPPORTED_SASL_MECHANISM"), err);
    assertEquals(1, users("--delete", "hugo", "--mechanism", "SCRAM-SHA-512"));
    assertTrue(err.contains("RESOURCE_NOT_FOUND"), err);

    assertEquals(2, users("--add", "hugo"));
    assertTrue(err.contains("--add needs a password"), err);
    assertEquals(2, users("--list", "--mechanism", "SCRAM-SHA-512"));
    assertEquals(2, users("--delete", "hugo", "--iterations", "8192"));
    assertEquals(2, users("--list", "--delete", "hugo"));
  }
}
