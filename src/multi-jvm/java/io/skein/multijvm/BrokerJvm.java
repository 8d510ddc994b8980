package io.skein.multijvm;

import io.skein.cli.SkeinCli;
import io.skein.testing.FreePorts;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The JVM command line of a broker under test. The suite starts and restarts brokers some hundred times
 * on two cores, each start competing with the running brokers; most of a start is loading and verifying
 * the same classes. So the broker runs from the packaged jar and its dependencies, with a class-data
 * sharing archive of what a broker loads, dumped once per build ({@code target/broker-classes.jsa}).
 * Where the broker's classes are a directory (tests run from an IDE), CDS cannot archive them and the
 * broker runs from the test's own classpath, as it did before.
 */
final class BrokerJvm {

  private static final List<String> HEAP_AND_COMPILER = List.of("-Xmx384m", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1");

  private static List<String> classpathAndSharing;

  private BrokerJvm() {
  }

  /** {@code java}, its options and {@code jvmOptions}, then the class path; the main class and arguments follow. */
  static List<String> command(List<String> jvmOptions) {
    List<String> command = new ArrayList<>(List.of(java()));
    command.addAll(HEAP_AND_COMPILER);
    command.addAll(jvmOptions);
    command.addAll(classpathAndSharing());
    return command;
  }

  private static synchronized List<String> classpathAndSharing() {
    if (classpathAndSharing == null) {
      classpathAndSharing = decide();
    }
    return classpathAndSharing;
  }

  private static List<String> decide() {
    List<String> testClasspath = List.of("-cp", System.getProperty("java.class.path"));
    Path brokerJar = codeSource(SkeinCli.class);
    Path logbackConfig = resourceFile("/logback-test.xml");
    if (brokerJar == null || Files.isDirectory(brokerJar) || logbackConfig == null) {
      System.out.println("BrokerJvm: the broker's classes are not a jar; brokers start without a class-data archive");
      return testClasspath;
    }
    String jars = String.join(File.pathSeparator, Arrays.stream(
        System.getProperty("java.class.path").split(File.pathSeparator)).filter(entry -> !Files.isDirectory(Path.of(entry)))
        .toList());
    List<String> classpath = List.of("-cp", jars, "-Dlogback.configurationFile=" + logbackConfig);
    Path archive = brokerJar.resolveSibling("broker-classes.jsa");
    try {
      if (!Files.exists(archive)
          || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(brokerJar)) < 0) {
        dump(classpath, archive);
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      System.out.println("BrokerJvm: no class-data archive (" + e + "); brokers start without one");
      return classpath;
    }
    List<String> shared = new ArrayList<>(classpath);
    shared.add("-XX:SharedArchiveFile=" + archive);
    return List.copyOf(shared);
  }

  /** Runs one single-node broker until it serves, then stops it: the JVM writes the archive as it exits. */
  private static void dump(List<String> classpath, Path archive) throws IOException, InterruptedException {
    long started = System.nanoTime();
    Path dir = Files.createTempDirectory("skein-cds-");
    Path partial = dir.resolve("broker-classes.jsa");
    Path output = dir.resolve("broker.out");
    String host = "127.0.0.1";
    List<String> command = new ArrayList<>(List.of(java()));
    command.addAll(HEAP_AND_COMPILER);
    command.add("-XX:ArchiveClassesAtExit=" + partial);
    command.addAll(classpath);
    command.addAll(List.of(SkeinCli.class.getName(), "broker", "--data-dir", dir.resolve("data").toString(),
        "--host", host, "--port", Integer.toString(FreePorts.on(host)),
        "--kafka-port", Integer.toString(FreePorts.on(host)),
        "--management-port", Integer.toString(FreePorts.on(host))));
    Process broker = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.readString(output).contains("serving gRPC")) {
        if (!broker.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("the archiving broker did not serve; see " + output);
        }
        broker.waitFor(200, TimeUnit.MILLISECONDS);
      }
    } finally {
      broker.destroy();
      if (!broker.waitFor(60, TimeUnit.SECONDS)) {
        broker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    if (!Files.exists(partial)) {
      throw new IllegalStateException("the archiving broker exited with " + broker.exitValue()
          + " without writing an archive; see " + output);
    }
    // Moved into place whole: a broker never maps a half-written archive.
    Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    System.out.printf("BrokerJvm: class-data archive %s (%d MB) dumped in %.1f s%n", archive,
        Files.size(archive) >> 20, (System.nanoTime() - started) / 1e9);
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static Path codeSource(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  private static Path resourceFile(String name) {
    URL url = BrokerJvm.class.getResource(name);
    try {
      return url != null && "file".equals(url.getProtocol()) ? Path.of(url.toURI()) : null;
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
