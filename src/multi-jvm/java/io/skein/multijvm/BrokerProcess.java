package io.skein.multijvm;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A broker in its own JVM, started with the same main class and command users run
 * ({@code skein broker}). Stopped by PID: SIGTERM for a clean shutdown, SIGKILL for a crash.
 */
final class BrokerProcess implements AutoCloseable {

  final Path dataDir;
  final Path logFile;
  final String host;
  final int port;
  /** The Kafka listener's port, on the same host; kept across restarts, as the gRPC port is. */
  final int kafkaPort;
  /** The management endpoint's port (web console, /metrics), on the same host, unless -D options set another. */
  final int managementPort;
  private final List<String> jvmOptions;
  private Process process;
  private int starts;

  BrokerProcess(Path dataDir, String host, int port) {
    this(dataDir, host, port, List.of("-Dakka.remote.artery.canonical.hostname=" + host,
        "-Dakka.remote.artery.canonical.port=0"));
  }

  /** A broker whose JVM gets {@code jvmOptions} (-D settings: cluster address, bootstrap, journal). */
  BrokerProcess(Path dataDir, String host, int port, List<String> jvmOptions) {
    this.dataDir = dataDir;
    this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".out");
    this.host = host;
    this.port = port;
    this.kafkaPort = FreePorts.on(host);
    this.managementPort = FreePorts.on(host);
    this.jvmOptions = List.copyOf(jvmOptions);
  }

  /** Starts the JVM and waits until it answers on gRPC. */
  void start(Duration timeout) throws Exception {
    launch();
    awaitReady(timeout);
  }

  /** Starts the JVM without waiting for it (cluster members start together). */
  void launch() throws IOException {
    List<String> command = new ArrayList<>(BrokerJvm.command(jvmOptions));
    command.addAll(List.of(
        io.skein.cli.SkeinCli.class.getName(), "broker",
        "--data-dir", dataDir.toString(),
        "--host", host,
        "--port", Integer.toString(port),
        "--kafka-port", Integer.toString(kafkaPort),
        "--management-port", Integer.toString(managementPort)));
    starts++;
    Files.writeString(logFile, "=== start " + starts + " ===\n",
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
  }

  void awaitReady(Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    ManagedChannel channel = channel();
    try {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException("broker exited with " + process.exitValue() + "; see " + logFile);
        }
        try {
          AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
              .listTopics(ListTopicsRequest.getDefaultInstance());
          return;
        } catch (io.grpc.StatusRuntimeException notYet) {
          if (Instant.now().isAfter(deadline)) {
            throw new IllegalStateException("broker not ready within " + timeout + "; see " + logFile, notYet);
          }
          process.waitFor(200, TimeUnit.MILLISECONDS);
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  ManagedChannel channel() {
    return ManagedChannelBuilder.forAddress(host, port).usePlaintext().maxInboundMessageSize(64 << 20).build();
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** kill -9: no shutdown hook, no flush, no clean-shutdown marker. */
  void kill() throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-9", Long.toString(process.pid())).inheritIO().start().waitFor();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** kill -STOP: the JVM freezes (no heartbeats, no answers) until {@link #resume()}. */
  void pause() throws IOException, InterruptedException {
    signal("-STOP");
  }

  /** kill -CONT: the JVM carries on where it froze, unaware of the time that passed. */
  void resume() throws IOException, InterruptedException {
    signal("-CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    int exit = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    if (exit != 0) {
      throw new IllegalStateException("kill " + signal + " " + process.pid() + " exited with " + exit);
    }
  }

  /** Waits up to {@code timeout} for the JVM to exit by itself; true if it did. */
  boolean awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** SIGTERM without waiting: the broker shuts down while the caller goes on. */
  void sendTerminate() {
    process.destroy();
  }

  /** SIGTERM and nothing else; true if the JVM exited within {@code timeout}. */
  boolean terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** SIGTERM: a controlled shutdown; SIGKILL if it does not finish in time. */
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  String output() throws IOException {
    return Files.readString(logFile);
  }

  /** Whether the current run (since the last start) has logged {@code text} after {@code after} (null: anywhere). */
  boolean loggedThisRun(String after, String text) {
    try {
      String all = output();
      String run = all.substring(all.lastIndexOf("=== start " + starts + " ==="));
      int from = after == null ? 0 : run.indexOf(after);
      return from >= 0 && run.indexOf(text, from) >= 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
