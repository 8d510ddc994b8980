package io.skein.k8s;

import io.skein.testing.FreePorts;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A broker JVM standing in for one pod of the StatefulSet: {@code skein broker --config} the
 * ConfigMap's skein.conf, with the pod's environment (HOSTNAME, POD_IP, ...) and -D settings
 * for what differs on one machine (loopback address, free ports, data directory).
 */
final class PodProcess implements AutoCloseable {

  final String name;
  final String ip;
  final int grpcPort;
  final int remotingPort;
  final int managementPort;
  final Path logFile;
  private final Process process;
  /** The management endpoint's scheme and a client for it. */
  private final String scheme;
  private final HttpClient http;

  private PodProcess(String name, String ip, int grpcPort, int remotingPort, int managementPort, Path logFile,
      Process process, Optional<X509Certificate> managementCa) {
    this.name = name;
    this.ip = ip;
    this.grpcPort = grpcPort;
    this.remotingPort = remotingPort;
    this.managementPort = managementPort;
    this.logFile = logFile;
    this.process = process;
    this.scheme = managementCa.isPresent() ? "https" : "http";
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    managementCa.ifPresent(ca -> http.sslContext(caOnly(ca)));
    this.http = http.build();
  }

  /**
   * Trusts certificates of {@code ca} whatever names they hold: the pods' certificate names the
   * headless Service, not the pod IPs probed here (kubelet's HTTPS probes check no certificate).
   */
  private static SSLContext caOnly(X509Certificate ca) {
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      trusted.setCertificateEntry("ca", ca);
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trusted);
      X509TrustManager chains = (X509TrustManager) factory.getTrustManagers()[0];
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new X509ExtendedTrustManager() {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
          chains.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
          chains.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
          chains.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
          throw new CertificateException("a client only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
          throw new CertificateException("a client only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
          throw new CertificateException("a client only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return chains.getAcceptedIssuers();
        }
      }}, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
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

  /** @param managementCa the CA of the management endpoint's certificate if it serves HTTPS */
  static PodProcess launch(String name, String ip, Ports ports, Path configFile, Path dataDir,
      Map<String, String> environment, List<String> settings, Optional<X509Certificate> managementCa)
      throws IOException {
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
    return new PodProcess(name, ip, ports.grpc(), ports.remoting(), ports.management(), logFile, builder.start(),
        managementCa);
  }

  /** GET on the management endpoint: status code and body, or -1 while it does not answer. */
  HttpResponse<String> management(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(scheme + "://" + ip + ":" + managementPort + path))
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
