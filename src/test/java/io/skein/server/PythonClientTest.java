package io.skein.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skein.testing.Programs;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client in another language that knows only the published protos: src/test/python's
 * script generates its code from src/main/proto and runs plain produce, fetch and subscribe
 * (and group) checks against a broker. Skipped only where python3 is not installed; .ci/run
 * installs it with grpcio, protobuf, protoc and grpc_python_plugin.
 */
class PythonClientTest {

  private static final Path SCRIPT = Path.of("src", "test", "python", "skein_client.py");
  private static final Path PROTOS = Path.of("src", "main", "proto");

  private static TestBroker broker;
  private static Path python;

  @BeforeAll
  static void start() throws Exception {
    List<Path> pythons = pythons();
    assumeTrue(!pythons.isEmpty(), "python3 is not installed: PythonClientTest needs it (see .ci/run)");
    python = pythons.stream().filter(PythonClientTest::hasGrpc).findFirst().orElseThrow(() -> new AssertionError(
        "no python3 of " + pythons + " imports grpc and google.protobuf: install Debian's python3-grpcio,"
            + " python3-protobuf, protobuf-compiler and protobuf-compiler-grpc"));
    broker = TestBroker.start(Map.of());
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  /** Every python3 on the PATH, then the system's (Debian's packages install for that one). */
  private static List<Path> pythons() {
    List<Path> found = new ArrayList<>();
    Stream.concat(Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)), Stream.of("/usr/bin"))
        .map(dir -> Path.of(dir, "python3")).filter(Files::isExecutable).distinct().forEach(found::add);
    return found;
  }

  private static boolean hasGrpc(Path python) {
    try {
      Process process = new ProcessBuilder(python.toString(), "-c", "import grpc, google.protobuf")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try {
        return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
      } finally {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void aPythonClientProducesReadsAndConsumesInAGroupWithOnlyTheProtos() throws Exception {
    String output = Programs.run(Duration.ofMinutes(2), python.toString(), SCRIPT.toString(), broker.bootstrap(),
        PROTOS.toString(), "python-plain");
    assertTrue(output.contains("all checks passed"), output);
  }
}
