package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.security.TestCertificates;
import io.skein.server.TestBroker;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker whose Kafka listener is SSL with client certificates required: kafka-clients with a
 * certificate produce and consume, one without is refused, and a replaced server certificate is
 * what new connections get, without a restart.
 */
class KafkaMutualTlsEndToEndTest {

  private static final TestCertificates CA = TestCertificates.authority("mTLS Test CA");
  private static Path dir;
  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("skein-mtls-");
    TestCertificates.writePem(CA.server("broker-first"), dir.resolve("server.pem"), dir.resolve("server.key"));
    TestCertificates.writePem(CA.ca(), dir.resolve("ca.pem"));
    TestCertificates.writeTrustStore(CA.ca(), dir.resolve("truststore.p12"));
    TestCertificates.writeKeyStore(CA.client("CN=orders-service,O=Example"), dir.resolve("client.p12"));
    broker = TestBroker.start(Map.of(
        "skein.kafka.security-protocol", "SSL",
        "skein.security.tls.certificate", dir.resolve("server.pem").toString(),
        "skein.security.tls.private-key", dir.resolve("server.key").toString(),
        "skein.security.tls.trust", dir.resolve("ca.pem").toString(),
        "skein.security.tls.client-auth", "required",
        "skein.security.tls.reload-interval", "200ms"));
    broker.node().broker().topics().createTopic("mtls", 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Map<String, Object> client(boolean withCertificate) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
    config.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, dir.resolve("truststore.p12").toString());
    config.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.STORE_PASSWORD);
    config.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
    if (withCertificate) {
      config.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, dir.resolve("client.p12").toString());
      config.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, TestCertificates.STORE_PASSWORD);
      config.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, TestCertificates.STORE_PASSWORD);
      config.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
    }
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000);
    return config;
  }

  @Test
  void clientsWithACertificateProduceAndConsume() throws Exception {
    Map<String, Object> producerConfig = client(true);
    producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
      producer.send(new ProducerRecord<>("mtls", 0, "k", "certified")).get(30, TimeUnit.SECONDS);
    }
    Map<String, Object> consumerConfig = client(true);
    consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
      TopicPartition partition = new TopicPartition("mtls", 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (values.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          values.add(record.value());
        }
      }
    }
    assertEquals(List.of("certified"), values);
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
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = new FileInputStream(dir.resolve("client.p12").toFile())) {
        keys.load(in, TestCertificates.STORE_PASSWORD.toCharArray());
      }
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
      keyManagers.init(keys, TestCertificates.STORE_PASSWORD.toCharArray());
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", CA.ca());
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
      trustManagers.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
      try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1",
          broker.node().kafkaPort())) {
        socket.setSoTimeout(5000);
        socket.startHandshake();
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
      }
    } catch (Exception e) {
      return e.toString();
    }
  }
}
