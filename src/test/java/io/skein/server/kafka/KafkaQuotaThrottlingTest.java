package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.Caller;
import io.skein.server.TestBroker;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Quotas enforced on the Kafka listener as Kafka does (KIP-219): a client over its quota is
 * answered at once with {@code throttle_time_ms}, which kafka-clients reports in its
 * {@code *-throttle-time-max} metrics; a principal without a quota gets 0, and removing the quota
 * lifts it. Only the throttle times reported are asserted, never how long anything took.
 */
class KafkaQuotaThrottlingTest {

  private static final byte[] RECORD = new byte[20_000];
  private static final String TOPIC = "quota-topic";
  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("skein.kafka.security-protocol", "SASL_PLAINTEXT");
    config.put("skein.security.sasl.mechanisms", List.of("PLAIN"));
    for (String user : List.of("admin", "alice", "bob", "carol")) {
      config.put("skein.security.sasl.users." + user, user + "-secret");
    }
    broker = TestBroker.start(config);
    broker.node().broker().topics().createTopic(Caller.BROKER, TOPIC, 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Map<String, Object> client(String user) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    config.put(CommonClientConfigs.CLIENT_ID_CONFIG, user + "-app");
    config.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
    config.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required"
        + " username=\"" + user + "\" password=\"" + user + "-secret\";");
    return config;
  }

  private static void setQuota(String user, String key, Double value) throws Exception {
    Map<String, Object> config = client("admin");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 8000);
    Map<String, String> entity = new HashMap<>();
    entity.put(ClientQuotaEntity.USER, user);
    try (Admin admin = Admin.create(config)) {
      admin.alterClientQuotas(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(entity),
          List.of(new ClientQuotaAlteration.Op(key, value))))).all().get(15, TimeUnit.SECONDS);
    }
  }

  /** The most throttling the producer's answers reported, after producing {@code records} 20 kB records one by one. */
  private static double produceThrottleMax(String user, int records) throws Exception {
    Map<String, Object> config = client(user);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
      for (int i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(TOPIC, 0, null, RECORD)).get(30, TimeUnit.SECONDS);
      }
      return metric(producer.metrics(), "producer-metrics", "produce-throttle-time-max");
    }
  }

  private static double metric(Map<MetricName, ? extends Metric> metrics, String group, String name) {
    return metrics.entrySet().stream()
        .filter(entry -> entry.getKey().group().equals(group) && entry.getKey().name().equals(name))
        .mapToDouble(entry -> (Double) entry.getValue().metricValue())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + group + "/" + name));
  }

  @Test
  void aProducerOverItsByteRateIsThrottledAnotherIsNotAndRemovingTheQuotaLiftsIt() throws Exception {
    setQuota("alice", "producer_byte_rate", 1024.0);

    double alice = produceThrottleMax("alice", 2);
    // 40 kB over the at least 10 s a first burst is measured over is 4 kB/s, 4 times the bound.
    assertTrue(alice > 5_000, "alice's throttle time: " + alice);
    assertEquals(0.0, produceThrottleMax("bob", 2));

    setQuota("alice", "producer_byte_rate", null);
    assertEquals(0.0, produceThrottleMax("alice", 2));
  }

  @Test
  void aConsumerOverItsByteRateIsThrottled() throws Exception {
    produceThrottleMax("carol", 3);
    setQuota("carol", "consumer_byte_rate", 1024.0);
    Map<String, Object> config = client("carol");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
      TopicPartition partition = new TopicPartition(TOPIC, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      int read = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (read < 3 && System.nanoTime() < deadline) {
        read += consumer.poll(Duration.ofMillis(500)).count();
      }
      assertTrue(read >= 3, "read " + read);
      double throttled = metric(consumer.metrics(), "consumer-fetch-manager-metrics", "fetch-throttle-time-max");
      assertTrue(throttled > 0, "carol's fetch throttle time: " + throttled);
    }
  }
}
