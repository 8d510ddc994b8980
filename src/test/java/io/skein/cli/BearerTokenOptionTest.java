package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.Caller;
import io.skein.client.ChannelFactory;
import io.skein.security.TestTokens;
import io.skein.security.TestTokens.TestKey;
import io.skein.server.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CLI's --bearer-token-file against a broker whose gRPC calls authenticate with bearer tokens
 * only (skein.grpc.authentication = bearer, no users): a token of the JWKS file's key is served,
 * an expired one is a clear UNAUTHENTICATED error, and --user with it is refused.
 */
class BearerTokenOptionTest {

  private static final TestKey ISSUER = TestKey.ec("cli-issuer", "P-384");

  private static Path dir;
  private static TestBroker broker;
  private String err;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("skein-cli-bearer-");
    Files.writeString(dir.resolve("jwks.json"), TestTokens.jwks(ISSUER));
    broker = TestBroker.start(Map.of("skein.grpc.authentication", "bearer",
        "skein.security.oauthbearer.jwks-file", dir.resolve("jwks.json").toString()));
    broker.node().broker().topics().createTopic(Caller.BROKER, "cli-with-token", 1, 1, Map.of(), false)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
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

  private static Path tokenFile(String name, Instant expiry) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, TestTokens.sign("ES384", ISSUER, TestTokens.claims("ops", expiry)) + "\n");
    return file;
  }

  @Test
  void listsTopicsWithABearerTokenFile() throws Exception {
    String listed = run(0, "topics", "--bootstrap-server", "127.0.0.1:" + broker.node().grpcPort(), "--list",
        "--timeout", "10", "--bearer-token-file", tokenFile("good.jwt", Instant.now().plusSeconds(600)).toString());
    assertTrue(listed.contains("cli-with-token"), listed);
  }

  @Test
  void anExpiredTokenOrNoneIsAClearError() throws Exception {
    run(-1, "topics", "--bootstrap-server", "127.0.0.1:" + broker.node().grpcPort(), "--list", "--timeout", "5",
        "--bearer-token-file", tokenFile("expired.jwt", Instant.now().minusSeconds(600)).toString());
    assertTrue(err.contains("UNAUTHENTICATED") && err.contains("expired"), err);
    run(-1, "topics", "--bootstrap-server", "127.0.0.1:" + broker.node().grpcPort(), "--list", "--timeout", "5");
    assertTrue(err.contains("UNAUTHENTICATED"), err);
    run(2, "topics", "--bootstrap-server", "127.0.0.1:" + broker.node().grpcPort(), "--list", "--user", "ops",
        "--password", "x", "--bearer-token-file", dir.resolve("good.jwt").toString());
    assertTrue(err.contains("not both"), err);
  }
}
