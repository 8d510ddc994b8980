package io.skein.k8s;

import io.skein.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A broker JVM standing in for one pod of the StatefulSet: {@code skein broker --config} the
 * ConfigMap's skein.conf, with the pod's environment (HOSTNAME, POD_IP, ...) and -D settings
 * for what differs on one machine (loopback address, free ports, data directory).
 */
final class PodProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final String name;
  final String ip;
  final int grpcPort;
  final int remotingPort;
  final int managementPort;
  final Path logFile;
  private final Process process;

  private PodProcess(String name, String ip, int grpcPort, int remotingPort, int managementPort, Path logFile,
      Process process) {
    this.name = name;
    this.ip = ip;
    this.grpcPort = grpcPort;
    this.remotingPort = remotingPort;
    this.managementPort = managementPort;
    this.logFile = logFile;
    this.process = process;
  }

  /**
   * The ports a pod on {@code ip} will use, picked free before the pods are listed. Every one is
   * picked here: a listener left to take any free port (port 0) at start-up could take one of
   * these, which was free when picked.
   */
  record Ports(int grpc, int kafka, int remoting, int management) {
    static Ports free(String ip) throws IOException {
      return new Ports(FreePorts.on(ip), FreePorts.on(ip), FreePorts.on(ip), FreePorts.on(ip));
    }
  }

  static PodProcess launch(String name, String ip, Ports ports, Path configFile, Path dataDir,
      Map<String, String> environment, List<String> settings) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dskein.data-dir=" + dataDir,
        "-Dskein.grpc.host=" + ip,
        "-Dskein.grpc.port=" + ports.grpc(),
        "-Dskein.grpc.advertised-host=" + ip,
        "-Dskein.kafka.host=" + ip,
        "-Dskein.kafka.port=" + ports.kafka(),
        "-Dskein.kafka.advertised-host=" + ip,
        "-Dakka.remote.artery.canonical.port=" + ports.remoting(),
        "-Dakka.management.http.port=" + ports.management(),
        "-Dakka.management.http.bind-hostname=" + ip));
    command.addAll(settings);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        "io.skein.cli.SkeinCli", "broker", "--config", configFile.toString()));
    Path logFile = dataDir.resolveSibling(name + ".out");
    Files.createDirectories(dataDir);
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    builder.environment().putAll(environment);
    builder.environment().put("HOSTNAME", name);
    builder.environment().put("POD_IP", ip);
    return new PodProcess(name, ip, ports.grpc(), ports.remoting(), ports.management(), logFile, builder.start());
  }

  /** GET on the management endpoint: status code and body, or -1 while it does not answer. */
  HttpResponse<String> management(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + managementPort + path))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  boolean ready() {
    HttpResponse<String> response = management("/ready");
    return response != null && response.statusCode() == 200;
  }

  /** Waits up to {@code wait} for the JVM to exit (a pause between polls that ends early if it dies). */
  boolean exitedWithin(Duration wait) {
    try {
      return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  String output() {
    try {
      return Files.readString(logFile);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  /** SIGTERM to its PID, as Kubernetes stops a pod; SIGKILL if it outlives a grace period. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }
}
