package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.Caller;
import io.skein.client.ChannelFactory;
import io.skein.security.TestCertificates;
import io.skein.server.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CLI's --tls-ca, --user and --password against a broker with gRPC TLS and Basic authentication. */
class SecureConnectionOptionsTest {

  private static Path dir;
  private static TestBroker broker;
  private String err;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("skein-cli-tls-");
    broker = TestBroker.start(TestCertificates.authority("CLI Test CA").writeSecureGrpcSettings(dir));
    broker.node().broker().topics().createTopic(Caller.BROKER, "cli-over-tls", 1, 1, Map.of(),
        false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private String run(int expectedExit, String... args) {
    CliRun run = CliRun.of(ChannelFactory.plaintext(), "", args);
    err = run.err();
    if (expectedExit >= 0) {
      assertEquals(expectedExit, run.exitCode(), String.join(" ", args) + ": " + err);
    } else {
      assertNotEquals(0, run.exitCode(), String.join(" ", args) + " should fail");
    }
    return run.out();
  }

  @Test
  void listsTopicsOverTlsWithAUserAndPassword() {
    String listed = run(0, "topics", "--bootstrap-server", "127.0.0.1:" + broker.node().grpcPort(), "--list",
        "--timeout", "10", "--tls-ca", dir.resolve("ca.pem").toString(), "--user", "alice",
        "--password", "alice-secret");
    assertTrue(listed.contains("cli-over-tls"), listed);
  }

  @Test
  void aWrongPasswordOrNoneIsAClearError() {
    run(-1, "topics", "--bootstrap-server", "127.0.0.1:" + broker.node().grpcPort(), "--list", "--timeout", "5",
        "--tls-ca", dir.resolve("ca.pem").toString(), "--user", "alice", "--password", "wrong");
    assertTrue(err.contains("UNAUTHENTICATED") || err.contains("invalid credentials"), err);
    run(2, "topics", "--bootstrap-server", "127.0.0.1:" + broker.node().grpcPort(), "--list",
        "--tls-ca", dir.resolve("ca.pem").toString(), "--user", "alice");
    assertTrue(err.contains("--user needs a password"), err);
  }
}
