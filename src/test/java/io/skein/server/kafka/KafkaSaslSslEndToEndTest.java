package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skein.security.TestCertificates;
import io.skein.server.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A broker whose Kafka listener is SASL_SSL (SCRAM-SHA-512 and PLAIN) with kafka-clients 4.4 and
 * kcat: authenticated clients produce and consume; a wrong password, an unknown mechanism and a
 * plaintext client are refused with Kafka's errors while the broker keeps serving the others.
 */
class KafkaSaslSslEndToEndTest {

  private static Path dir;
  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("skein-sasl-ssl-");
    TestCertificates ca = TestCertificates.authority("SASL_SSL Test CA");
    TestCertificates.writePem(ca.server("broker"), dir.resolve("server.pem"), dir.resolve("server.key"));
    TestCertificates.writePem(ca.ca(), dir.resolve("ca.pem"));
    TestCertificates.writeTrustStore(ca.ca(), dir.resolve("truststore.p12"));
    broker = TestBroker.start(Map.of(
        "skein.kafka.security-protocol", "SASL_SSL",
        "skein.security.tls.certificate", dir.resolve("server.pem").toString(),
        "skein.security.tls.private-key", dir.resolve("server.key").toString(),
        "skein.security.sasl.mechanisms", List.of("SCRAM-SHA-512", "PLAIN"),
        "skein.security.sasl.users.alice", "alice-secret",
        "skein.security.sasl.users.bob", "bob-secret"));
    broker.node().broker().topics().createTopic("secured", 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Map<String, Object> client(String protocol, String mechanism, String user, String password) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
    config.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, dir.resolve("truststore.p12").toString());
    config.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.STORE_PASSWORD);
    config.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
    config.put(SaslConfigs.SASL_MECHANISM, mechanism);
    String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    config.put(SaslConfigs.SASL_JAAS_CONFIG,
        module + " required username=\"" + user + "\" password=\"" + password + "\";");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000);
    return config;
  }

  private static String clusterIdAs(Map<String, Object> config) throws Exception {
    try (Admin admin = Admin.create(config)) {
      return admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
    }
  }

  private static void assertServes(Map<String, Object> config) throws Exception {
    assertFalse(clusterIdAs(config).isEmpty());
  }

  private static Throwable refusal(Map<String, Object> config) {
    ExecutionException failed = assertThrows(ExecutionException.class, () -> clusterIdAs(config));
    return failed.getCause();
  }

  @Test
  void scramSha512ClientsProduceAndConsume() throws Exception {
    Map<String, Object> producerConfig = client("SASL_SSL", "SCRAM-SHA-512", "alice", "alice-secret");
    producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
      for (int i = 0; i < 3; i++) {
        producer.send(new ProducerRecord<>("secured", 0, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
      }
    }
    Map<String, Object> consumerConfig = client("SASL_SSL", "SCRAM-SHA-512", "bob", "bob-secret");
    consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
      TopicPartition partition = new TopicPartition("secured", 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (values.size() < 3 && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          values.add(record.value());
        }
      }
    }
    assertEquals(List.of("v0", "v1", "v2"), values);
  }

  @Test
  void plainOverTlsAuthenticatesToo() throws Exception {
    assertServes(client("SASL_SSL", "PLAIN", "alice", "alice-secret"));
  }

  @Test
  void aWrongPasswordIsRefusedAndTheBrokerServesTheNextClient() throws Exception {
    Throwable refused = refusal(client("SASL_SSL", "SCRAM-SHA-512", "alice", "not-alice-secret"));
    assertInstanceOf(SaslAuthenticationException.class, refused, refused.toString());
    Throwable unknownUser = refusal(client("SASL_SSL", "SCRAM-SHA-512", "mallory", "alice-secret"));
    assertInstanceOf(SaslAuthenticationException.class, unknownUser, unknownUser.toString());
    assertServes(client("SASL_SSL", "SCRAM-SHA-512", "alice", "alice-secret"));
  }

  @Test
  void aMechanismNotEnabledIsRefused() {
    Throwable refused = refusal(client("SASL_SSL", "SCRAM-SHA-256", "alice", "alice-secret"));
    assertInstanceOf(UnsupportedSaslMechanismException.class, refused, refused.toString());
    assertTrue(refused.getMessage().contains("SCRAM-SHA-512, PLAIN"), refused.getMessage());
  }

  @Test
  void clientsWithoutTlsOrSaslAreRefused() throws Exception {
    Throwable plaintext = refusal(client("PLAINTEXT", "PLAIN", "alice", "alice-secret"));
    assertInstanceOf(TimeoutException.class, plaintext, plaintext.toString());
    Throwable tlsWithoutSasl = refusal(client("SSL", "PLAIN", "alice", "alice-secret"));
    assertInstanceOf(TimeoutException.class, tlsWithoutSasl, tlsWithoutSasl.toString());
    assertServes(client("SASL_SSL", "PLAIN", "bob", "bob-secret"));
  }

  @Test
  void kcatProducesAndConsumesOverSaslSsl() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed");
    List<String> secured = List.of("-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=SCRAM-SHA-512",
        "-X", "sasl.username=alice", "-X", "sasl.password=alice-secret",
        "-X", "ssl.ca.location=" + dir.resolve("ca.pem"));
    kcat("one\ntwo\n", secured, "-P", "-t", "kcat-secured", "-p", "0");
    assertEquals("0:one\n1:two\n", kcat("", secured, "-C", "-t", "kcat-secured", "-o", "beginning", "-e",
        "-f", "%o:%s\\n"));
  }

  private static String kcat(String input, List<String> security, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("/usr/bin/kcat", "-b", broker.kafkaBootstrap()));
    command.addAll(security);
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).start();
    process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kcat " + String.join(" ", args) + " finished in time");
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), "kcat " + String.join(" ", args) + ": " + err);
    return out;
  }
}
