package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.ChannelFactory;
import io.skein.server.TestBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code skein acls} against a broker without an authorizer (the default): SECURITY_DISABLED, as Kafka's. */
class AclsCommandWithoutAuthorizerTest {

  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static CliRun acls(String... args) {
    List<String> line = new ArrayList<>(List.of("acls", "--bootstrap-server", broker.bootstrap(), "--timeout", "10"));
    line.addAll(List.of(args));
    return CliRun.of(ChannelFactory.plaintext(), "", line.toArray(String[]::new));
  }

  @Test
  void everyAclCallIsSecurityDisabled() {
    for (String[] args : List.of(new String[] {"--list"},
        new String[] {"--add", "--allow-principal", "User:alice", "--topic", "orders"},
        new String[] {"--remove", "--topic", "orders"})) {
      CliRun run = acls(args);
      assertEquals(1, run.exitCode(), String.join(" ", args) + ": " + run.err());
      assertTrue(run.err().contains("SECURITY_DISABLED"), run.err());
      assertEquals("", run.out());
    }
  }
}
