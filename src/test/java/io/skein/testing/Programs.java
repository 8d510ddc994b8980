package io.skein.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Programs outside the JVM that tests run: other languages' clients, shell scripts. */
public final class Programs {

  private Programs() {
  }

  /** The first executable {@code program} on the PATH. */
  public static Optional<Path> onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(dir -> Path.of(dir, program)).filter(Files::isExecutable).findFirst();
  }

  /**
   * The command's standard output; fails, with its output and standard error, unless it exits 0
   * within {@code within}. It is destroyed by then in any case, and its standard input is closed.
   */
  public static String run(Duration within, String... command) throws IOException, InterruptedException {
    Path output = Files.createTempFile("skein-program-", ".out");
    Path errors = Files.createTempFile("skein-program-", ".err");
    Process process = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectError(errors.toFile()).start();
    try {
      process.getOutputStream().close();
      boolean exited = process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
      String out = Files.readString(output);
      String err = Files.readString(errors);
      String name = String.join(" ", command);
      assertTrue(exited, name + " did not finish within " + within + "; output: " + out + "; stderr: " + err);
      assertEquals(0, process.exitValue(), name + " failed; output: " + out + "; stderr: " + err);
      return out;
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(output);
      Files.deleteIfExists(errors);
    }
  }
}
