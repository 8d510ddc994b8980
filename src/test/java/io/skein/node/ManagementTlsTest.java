package io.skein.node;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import akka.http.javadsl.Http;
import com.typesafe.config.ConfigException;
import io.skein.security.ClientAuth;
import io.skein.security.ServerTls;
import io.skein.security.TlsSettings;
import io.skein.security.TestCertificates;
import io.skein.server.TestBroker;
import io.skein.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management endpoint with {@code skein.management.tls = on}: HTTPS only, with the broker's
 * certificate (as reloaded), no client certificate asked even where the listeners' settings
 * require one, and the console's login over it. A plaintext request gets no answer, and the
 * broker serves on. Bootstrap's probes accept an endpoint of the configured CA only.
 */
class ManagementTlsTest {

  private static final TestCertificates CA = TestCertificates.authority("Management Test CA");

  @TempDir
  static Path dir;

  private static TestBroker broker;
  private static int port;
  private static HttpClient https;

  @BeforeAll
  static void start() throws Exception {
    port = FreePorts.on("127.0.0.1");
    Map<String, Object> settings = new HashMap<>(CA.writeServerFiles(dir));
    settings.putAll(Map.of("skein.management.enabled", true, "skein.management.tls", true,
        "akka.management.http.hostname", "127.0.0.1", "akka.management.http.port", port,
        "skein.grpc.authentication", "basic", "skein.security.sasl.users.alice", "alice-secret",
        // What a mutual-TLS Kafka listener would ask for: the management endpoint asks no certificate still.
        "skein.security.tls.trust", dir.resolve("ca.pem").toString(), "skein.security.tls.client-auth", "required",
        "skein.security.tls.reload-interval", "200ms"));
    broker = TestBroker.start(settings);
    https = HttpClient.newBuilder().sslContext(CA.clientContext(Optional.empty()))
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) throws Exception {
    return client.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest.Builder request(String scheme, String path) {
    return HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path));
  }

  @Test
  void healthChecksAndTheConsoleLoginAnswerOverHttps() throws Exception {
    HttpResponse<String> ready = send(https, request("https", "/ready"));
    assertEquals(200, ready.statusCode(), ready.body());
    assertEquals(200, send(https, request("https", "/alive")).statusCode());

    HttpResponse<String> login = send(https, request("https", "/console/api/login")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"alice\",\"password\":\"alice-secret\"}")));
    assertEquals(200, login.statusCode(), login.body());
    String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(setCookie.toLowerCase(java.util.Locale.ROOT).contains("secure"),
        "the session's cookie is never sent over plain HTTP: " + setCookie);
    String session = setCookie.substring(0, setCookie.indexOf(';'));
    HttpResponse<String> topics = send(https, request("https", "/console/api/topics").header("Cookie", session));
    assertEquals(200, topics.statusCode(), topics.body());
    assertEquals(401, send(https, request("https", "/console/api/topics")).statusCode(), "and without the session not");
  }

  @Test
  void aPlaintextRequestGetsNoAnswerAndTheBrokerServesOn() throws Exception {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    IOException refused = assertThrows(IOException.class, () -> send(plain, request("http", "/ready")));
    assertFalse(refused instanceof HttpTimeoutException, "the connection is closed, not left hanging: " + refused);
    assertEquals(200, send(https, request("https", "/ready")).statusCode());
  }

  @Test
  void aRenewedCertificateIsShownWithoutARestart() throws Exception {
    assertEquals("CN=broker,O=Skein Tests", peerSubject());
    TestCertificates.writePem(CA.server("renewed"), dir.resolve("server.pem"), dir.resolve("server.key"));
    // Distinct modification times, as file systems with coarse clocks might not give them.
    FileTime later = FileTime.from(Instant.now().plus(Duration.ofMinutes(1)));
    Files.setLastModifiedTime(dir.resolve("server.pem"), later);
    Files.setLastModifiedTime(dir.resolve("server.key"), later);
    // A handshake under way while the files are swapped may fail (ServerTls's key manager hands out the
    // chain and the key in two calls): only the handshakes after the reload count.
    assertEventually("the management endpoint shows the renewed certificate", Duration.ofSeconds(20), () -> {
      try {
        return peerSubject().equals("CN=renewed,O=Skein Tests");
      } catch (SSLHandshakeException duringTheSwap) {
        return false;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    assertEquals("CN=renewed,O=Skein Tests", peerSubject());
    assertEquals(200, send(https, request("https", "/ready")).statusCode());
  }

  @Test
  void bootstrapProbesAcceptAPeerOfTheConfiguredCaOnly() throws Exception {
    TestCertificates.writePem(TestCertificates.authority("Other CA").ca(), dir.resolve("other-ca.pem"));
    assertEquals(Optional.of(200), probe(Optional.of(dir.resolve("ca.pem"))));
    assertEquals(Optional.empty(), probe(Optional.of(dir.resolve("other-ca.pem"))), "a peer of another CA");
    assertEquals(Optional.empty(), probe(Optional.empty()), "without a CA configured, the JVM's CAs, not the test CA");
    // Else they are torn down with the broker's actor system, which logs that as an error.
    Http.get(broker.node().system()).shutdownAllConnectionPools().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The status of GET /ready through the context bootstrap probes with, given this CA file; empty if refused. */
  private static Optional<Integer> probe(Optional<Path> trust) throws Exception {
    TlsSettings settings = new TlsSettings(Optional.of(dir.resolve("server.pem")),
        Optional.of(dir.resolve("server.key")), Optional.empty(), "", trust, ClientAuth.NONE, Duration.ofMinutes(1));
    ActorSystem<?> system = broker.node().system();
    try (ServerTls tls = ServerTls.start(settings)) {
      akka.http.javadsl.model.HttpResponse answer = Http.get(system).singleRequest(
          akka.http.javadsl.model.HttpRequest.GET("https://127.0.0.1:" + port + "/ready"),
          NodeManagement.peerContext(tls)).toCompletableFuture().get(20, TimeUnit.SECONDS);
      answer.discardEntityBytes(system);
      return Optional.of(answer.status().intValue());
    } catch (ExecutionException refused) {
      return Optional.empty();
    }
  }

  /** The subject of the certificate the endpoint shows a client that presents none. */
  private static String peerSubject() throws IOException {
    try (SSLSocket socket = (SSLSocket) CA.clientContext(Optional.empty()).getSocketFactory()
        .createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
  }

  @Test
  void managementTlsWithoutACertificateFailsTheStart() {
    ConfigException refused = assertThrows(ConfigException.class, () -> TestBroker.start(Map.of(
        "skein.management.enabled", true, "skein.management.tls", true, "akka.management.http.hostname", "127.0.0.1",
        "akka.management.http.port", FreePorts.on("127.0.0.1"))).close());
    assertTrue(refused.getMessage().contains("skein.management.tls = on needs TLS key material"), refused.getMessage());
    assertTrue(refused.getMessage().contains("skein.security.tls"), refused.getMessage());
  }
}
