package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.skein.broker.Caller;
import io.skein.security.TestCertificates;
import io.skein.server.TestBroker;
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
    Map<String, Object> config = new HashMap<>(TestCertificates.authority("SASL_SSL Test CA").writeServerFiles(dir));
    config.put("skein.kafka.security-protocol", "SASL_SSL");
    config.put("skein.security.sasl.mechanisms", List.of("SCRAM-SHA-512", "PLAIN"));
    config.put("skein.security.sasl.users.alice", "alice-secret");
    config.put("skein.security.sasl.users.bob", "bob-secret");
    broker = TestBroker.start(config);
    broker.node().broker().topics().createTopic(Caller.BROKER, "secured", 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  /** A Kafka client's settings for {@code protocol}, trusting the test CA. */
  static Map<String, Object> tlsClient(TestBroker broker, Path dir, String protocol) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
    config.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, dir.resolve("truststore.p12").toString());
    config.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.STORE_PASSWORD);
    config.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000);
    return config;
  }

  private static Map<String, Object> client(String protocol, String mechanism, String user, String password) {
    Map<String, Object> config = tlsClient(broker, dir, protocol);
    config.put(SaslConfigs.SASL_MECHANISM, mechanism);
    String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    config.put(SaslConfigs.SASL_JAAS_CONFIG,
        module + " required username=\"" + user + "\" password=\"" + password + "\";");
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

  /** Fails unless an admin client with {@code config} is refused with {@code expected}; returns it. */
  private static Throwable assertRefused(Class<? extends Throwable> expected, Map<String, Object> config) {
    ExecutionException failed = assertThrows(ExecutionException.class, () -> clusterIdAs(config));
    return assertInstanceOf(expected, failed.getCause(), failed.getCause().toString());
  }

  /** Produces {@code values} to partition 0 of {@code topic} with {@code producerConfig}, and reads them back. */
  static void assertProducedAndConsumed(Map<String, Object> producerConfig, Map<String, Object> consumerConfig,
      String topic, List<String> values) throws Exception {
    producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
      for (String value : values) {
        producer.send(new ProducerRecord<>(topic, 0, null, value)).get(30, TimeUnit.SECONDS);
      }
    }
    consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<String> read = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (read.size() < values.size() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          read.add(record.value());
        }
      }
    }
    assertEquals(values, read);
  }

  @Test
  void scramSha512ClientsProduceAndConsume() throws Exception {
    assertProducedAndConsumed(client("SASL_SSL", "SCRAM-SHA-512", "alice", "alice-secret"),
        client("SASL_SSL", "SCRAM-SHA-512", "bob", "bob-secret"), "secured", List.of("v0", "v1", "v2"));
  }

  @Test
  void plainOverTlsAuthenticatesToo() throws Exception {
    assertServes(client("SASL_SSL", "PLAIN", "alice", "alice-secret"));
  }

  @Test
  void aWrongPasswordIsRefusedAndTheBrokerServesTheNextClient() throws Exception {
    assertRefused(SaslAuthenticationException.class, client("SASL_SSL", "SCRAM-SHA-512", "alice", "not-alice-secret"));
    assertRefused(SaslAuthenticationException.class, client("SASL_SSL", "SCRAM-SHA-512", "mallory", "alice-secret"));
    assertServes(client("SASL_SSL", "SCRAM-SHA-512", "alice", "alice-secret"));
  }

  @Test
  void aMechanismNotEnabledIsRefused() {
    Throwable refused = assertRefused(UnsupportedSaslMechanismException.class,
        client("SASL_SSL", "SCRAM-SHA-256", "alice", "alice-secret"));
    assertTrue(refused.getMessage().contains("SCRAM-SHA-512, PLAIN"), refused.getMessage());
  }

  @Test
  void clientsWithoutTlsOrSaslAreRefused() throws Exception {
    assertRefused(TimeoutException.class, client("PLAINTEXT", "PLAIN", "alice", "alice-secret"));
    assertRefused(TimeoutException.class, client("SSL", "PLAIN", "alice", "alice-secret"));
    assertServes(client("SASL_SSL", "PLAIN", "bob", "bob-secret"));
  }

  @Test
  void kcatProducesAndConsumesOverSaslSsl() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed");
    List<String> secured = List.of("-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=SCRAM-SHA-512",
        "-X", "sasl.username=alice", "-X", "sasl.password=alice-secret",
        "-X", "ssl.ca.location=" + dir.resolve("ca.pem"));
    List<String> produce = new ArrayList<>(secured);
    produce.addAll(List.of("-P", "-t", "kcat-secured", "-p", "0"));
    KcatTest.run(broker.kafkaBootstrap(), "one\ntwo\n", produce);
    List<String> consume = new ArrayList<>(secured);
    consume.addAll(List.of("-C", "-t", "kcat-secured", "-o", "beginning", "-e", "-f", "%o:%s\\n"));
    assertEquals("0:one\n1:two\n", KcatTest.run(broker.kafkaBootstrap(), "", consume));
  }
}
