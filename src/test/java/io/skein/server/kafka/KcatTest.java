package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skein.broker.Caller;
import io.skein.client.Admin;
import io.skein.client.OffsetAndMetadata;
import io.skein.client.TopicPartition;
import io.skein.server.TestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * librdkafka's kcat lists, produces to and consumes from a broker, alone and in a group; skipped
 * where kcat is not installed.
 */
class KcatTest {

  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed");
    broker = TestBroker.start(Map.of());
    broker.node().broker().topics().createTopic(Caller.BROKER, "kcat", 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  /** kcat's standard output; fails unless it exits 0 within the deadline. */
  private static String kcat(String input, String... args) throws IOException, InterruptedException {
    return run(broker.kafkaBootstrap(), input, List.of(args));
  }

  /** kcat against {@code bootstrap}, for other tests too. */
  static String run(String bootstrap, String input, List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("/usr/bin/kcat", "-b", bootstrap));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
    process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kcat " + String.join(" ", args) + " finished in time");
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), "kcat " + String.join(" ", args) + ": " + err);
    return out;
  }

  @Test
  void listsProducesAndConsumes() throws Exception {
    String listing = kcat("", "-L");
    assertTrue(listing.contains("broker " + broker.node().config().brokerId() + " at 127.0.0.1:" + broker.node().kafkaPort()),
        listing);
    assertTrue(listing.contains("topic \"kcat\" with 1 partitions"), listing);

    kcat("one\ntwo\nthree\n", "-P", "-t", "kcat", "-p", "0");
    String consumed = kcat("", "-C", "-t", "kcat", "-o", "beginning", "-e", "-f", "%o:%s\\n");
    assertEquals("0:one\n1:two\n2:three\n", consumed);
  }

  @Test
  void aGroupConsumerReadsEveryPartitionAndCommitsWhereItStopped() throws Exception {
    broker.node().broker().topics().createTopic(Caller.BROKER, "kcat-grouped", 3, 1, Map.of(),
        false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    for (int p = 0; p < 3; p++) {
      kcat("a" + p + "\nb" + p + "\n", "-P", "-t", "kcat-grouped", "-p", Integer.toString(p));
    }

    String consumed = kcat("", "-G", "kcat-readers", "-X", "auto.offset.reset=earliest", "-e", "-f", "%p:%o:%s\n",
        "kcat-grouped");

    assertEquals(List.of("0:0:a0", "0:1:b0", "1:0:a1", "1:1:b1", "2:0:a2", "2:1:b2"),
        consumed.lines().sorted().toList());
    try (Admin admin = Admin.create(broker.bootstrap())) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listGroupOffsets("kcat-readers");
      for (int p = 0; p < 3; p++) {
        assertEquals(2, committed.get(new TopicPartition("kcat-grouped", p)).offset(), "partition " + p);
      }
    }
  }

  @Test
  void producingToAMissingTopicCreatesIt() throws Exception {
    kcat("created\n", "-P", "-t", "kcat-created");
    assertEquals("created\n", kcat("", "-C", "-t", "kcat-created", "-o", "beginning", "-e", "-f", "%s\\n"));
  }
}
