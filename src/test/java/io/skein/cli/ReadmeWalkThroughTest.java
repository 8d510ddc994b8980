package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.FreePorts;
import io.skein.testing.Programs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walk-through, run as written right after the broker is started in the
 * background, with no waiting in between: every command must succeed, waiting for the broker
 * by itself. Only `bin/skein` (which would build the jar) becomes this build's classes, and
 * the broker's ports and data directory become free ones.
 */
class ReadmeWalkThroughTest {

  private static final Path README = Path.of("README.md");
  private static final String README_GRPC = "127.0.0.1:9095";

  @TempDir
  Path dir;

  /** The shell block that follows the walk-through's heading. */
  static String walkThrough() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf("\n## A walk-through\n");
    assertTrue(section >= 0, "README has a walk-through section");
    int start = readme.indexOf("```sh\n", section) + "```sh\n".length();
    int end = readme.indexOf("```", start);
    return readme.substring(start, end);
  }

  @Test
  void theWalkThroughRunsAsWrittenRightAfterTheBrokerStarts() throws Exception {
    String commands = walkThrough();
    assertTrue(commands.contains("bin/skein ") && commands.contains(README_GRPC), commands);
    String grpc = "127.0.0.1:" + FreePorts.on("127.0.0.1");
    Path pidFile = dir.resolve("broker.pid");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String script = String.join("\n", List.of(
        "set -euo pipefail",
        "skein() { '" + java + "' -XX:TieredStopAtLevel=1 -cp \"$SKEIN_CLASSPATH\" io.skein.cli.SkeinCli \"$@\"; }",
        "skein broker --host 127.0.0.1 --port " + grpc.substring(grpc.indexOf(':') + 1)
            + " --kafka-port " + FreePorts.on("127.0.0.1") + " --management-port " + FreePorts.on("127.0.0.1")
            + " --data-dir '" + dir.resolve("data") + "' > '"
            + dir.resolve("broker.out") + "' 2>&1 &",
        "echo $! > '" + pidFile + "'",
        commands.replace("bin/skein ", "skein ").replace(README_GRPC, grpc)));
    Path scriptFile = dir.resolve("walk-through.sh");
    Files.writeString(scriptFile, script);
    String output;
    try {
      output = Programs.run(Duration.ofMinutes(4), "env", "SKEIN_CLASSPATH=" + System.getProperty("java.class.path"),
          "bash", scriptFile.toString());
    } catch (AssertionError failed) {
      throw new AssertionError(failed.getMessage() + "\nbroker log:\n" + brokerLog(), failed);
    } finally {
      stopBroker(pidFile);
    }

    List<String> lines = output.lines().toList();
    // Keys hash as Kafka's partitioner does: alice to partition 3 of 6, bob to 0.
    assertEquals(List.of(
        "Created topic t.",
        "Partition:0\tOffset:0\tbob\thi",
        "Partition:3\tOffset:0\talice\thello",
        "Partition:3\tOffset:1\talice\tagain",
        "again"), lines.subList(0, 5), output);
    assertTrue(lines.get(5).startsWith("Topic: t\t") && lines.get(5).contains("PartitionCount: 6"), output);
    assertEquals(6, lines.stream().filter(line -> line.startsWith("\tTopic: t\tPartition: ")).count(), output);
    assertEquals(List.of("Topic t now has 8 partitions.", "Updated config for topic t.", "Deleted topic t."),
        lines.subList(lines.size() - 3, lines.size()), output);
  }

  private String brokerLog() throws IOException {
    Path log = dir.resolve("broker.out");
    return Files.exists(log) ? Files.readString(log) : "(none)";
  }

  /** Stops the broker the script started in the background, by its PID, and waits for it. */
  private static void stopBroker(Path pidFile) throws IOException {
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    Optional<ProcessHandle> broker = ProcessHandle.of(pid);
    broker.ifPresent(process -> {
      process.destroy();
      if (process.onExit().completeOnTimeout(null, 20, TimeUnit.SECONDS).join() == null) {
        process.destroyForcibly();
      }
    });
    assertEquals(Optional.empty(), ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> "still running"),
        "the broker stopped");
  }
}
