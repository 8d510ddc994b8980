package io.skein.cli;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.Admin;
import io.skein.client.ChannelFactory;
import io.skein.server.TestBroker;
import io.skein.testing.FreePorts;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Commands wait for a broker that is not up yet, and say so once. */
class CliRetriesTest {

  /** Runs a command line; {@code err} collects its stderr (StringWriter is thread-safe). */
  static int run(StringWriter out, StringWriter err, String... args) {
    SkeinCli cli = new SkeinCli(ChannelFactory.plaintext(), new ByteArrayInputStream(new byte[0]));
    return SkeinCli.run(cli, args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void aBrokerThatCannotBeReachedIsReportedAsSuchAfterTheTimeout() throws Exception {
    String address = "127.0.0.1:" + FreePorts.on("127.0.0.1");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertEquals(1, run(out, err, "topics", "--bootstrap-server", address, "--list", "--timeout", "6"));
    String[] lines = err.toString().split("\n");
    assertEquals(2, lines.length, err.toString());
    assertTrue(lines[0].startsWith("Waiting for a broker to listen at " + address), lines[0]);
    assertEquals("Error: cannot connect to " + address + ": connection refused", lines[1]);
  }

  @Test
  void topicsCreateStartedBeforeTheBrokerSucceedsOnceItServes() throws Exception {
    int port = FreePorts.on("127.0.0.1");
    String address = "127.0.0.1:" + port;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> created = CompletableFuture.supplyAsync(() -> run(out, err,
        "topics", "--bootstrap-server", address, "--create", "--topic", "early", "--partitions", "2"));
    assertEventually("the command waits for the broker", Duration.ofSeconds(30),
        () -> err.toString().startsWith("Waiting for "));
    try (TestBroker broker = TestBroker.start(Map.of("skein.grpc.port", port))) {
      assertEquals(0, created.get(60, TimeUnit.SECONDS), err.toString());
      assertEquals("Created topic early.\n", out.toString());
      assertEquals(1, err.toString().lines().count(), "told once what it waited for: " + err);
      try (Admin admin = Admin.create(address)) {
        assertEquals(2, admin.describeTopics(java.util.List.of("early")).get(0).getPartitionsCount());
      }
    }
  }
}
