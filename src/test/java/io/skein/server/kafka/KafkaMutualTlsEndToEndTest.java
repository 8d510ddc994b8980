package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.broker.Caller;
import io.skein.security.TestCertificates;
import io.skein.server.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker whose Kafka listener is SSL with client certificates required: kafka-clients with a
 * certificate produce and consume, one without or with an expired one is refused, and a replaced
 * server certificate is what new connections get, without a restart.
 */
class KafkaMutualTlsEndToEndTest {

  private static final TestCertificates CA = TestCertificates.authority("mTLS Test CA");
  private static final TestCertificates.Issued CLIENT = CA.client("CN=orders-service,O=Example");
  private static final TestCertificates.Issued EXPIRED = CA.expiredClient("CN=retired-service,O=Example");
  private static Path dir;
  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("skein-mtls-");
    Map<String, Object> config = new HashMap<>(CA.writeServerFiles(dir));
    TestCertificates.writeKeyStore(CLIENT, dir.resolve("client.p12"));
    TestCertificates.writeKeyStore(EXPIRED, dir.resolve("expired.p12"));
    config.put("skein.kafka.security-protocol", "SSL");
    config.put("skein.security.tls.trust", dir.resolve("ca.pem").toString());
    config.put("skein.security.tls.client-auth", "required");
    config.put("skein.security.tls.reload-interval", "200ms");
    broker = TestBroker.start(config);
    broker.node().broker().topics().createTopic(Caller.BROKER, "mtls", 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Map<String, Object> client(boolean withCertificate) {
    return client(withCertificate ? "client.p12" : null);
  }

  /** A client with the key store {@code keyStore} in the test's directory, or none if null. */
  private static Map<String, Object> client(String keyStore) {
    Map<String, Object> config = KafkaSaslSslEndToEndTest.tlsClient(broker, dir, "SSL");
    if (keyStore != null) {
      config.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, dir.resolve(keyStore).toString());
      config.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.STORE_PASSWORD);
      config.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, TestCertificates.STORE_PASSWORD);
      config.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
    }
    return config;
  }

  @Test
  void clientsWithACertificateProduceAndConsume() throws Exception {
    KafkaSaslSslEndToEndTest.assertProducedAndConsumed(client(true), client(true), "mtls", List.of("certified"));
  }

  @Test
  void aClientWithoutACertificateIsRefused() {
    try (Admin admin = Admin.create(client(false))) {
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS));
      assertInstanceOf(SslAuthenticationException.class, refused.getCause(), refused.getCause().toString());
    }
  }

  @Test
  void anExpiredClientCertificateIsRefusedAndTheBrokerServesTheNextClient() throws Exception {
    try (Admin admin = Admin.create(client("expired.p12"))) {
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS));
      assertInstanceOf(SslAuthenticationException.class, refused.getCause(), refused.getCause().toString());
    }
    try (Admin admin = Admin.create(client(true))) {
      admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aReplacedCertificateIsWhatNewConnectionsGet() throws Exception {
    TestCertificates.Issued next = CA.server("broker-second");
    TestCertificates.writePem(next, dir.resolve("next.pem"), dir.resolve("next.key"));
    // Key first: until the certificate follows, the pair does not match and the old one stays.
    Files.move(dir.resolve("next.key"), dir.resolve("server.key"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    Files.move(dir.resolve("next.pem"), dir.resolve("server.pem"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    assertEventually("a new connection gets the new certificate", Duration.ofSeconds(10),
        () -> next.subject().equals(serverCertificateOfANewConnection()));
    try (Admin admin = Admin.create(client(true))) {
      admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
    }
  }

  private static String serverCertificateOfANewConnection() {
    try (SSLSocket socket = (SSLSocket) CA.clientContext(Optional.of(CLIENT)).getSocketFactory()
        .createSocket("127.0.0.1", broker.node().kafkaPort())) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    } catch (Exception e) {
      return e.toString();
    }
  }
}
