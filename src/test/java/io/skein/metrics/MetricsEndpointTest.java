package io.skein.metrics;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.skein.broker.Caller;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.DeleteTopicRequest;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.server.TestBroker;
import io.skein.testing.FreePorts;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GET /metrics on the management port of a broker: JVM meters, requests of both listeners, topics. */
class MetricsEndpointTest {

  private static TestBroker broker;
  private static int managementPort;

  @BeforeAll
  static void start() throws Exception {
    managementPort = FreePorts.on("127.0.0.1");
    Map<String, Object> settings = new HashMap<>(management(managementPort, true));
    settings.put("skein.metrics.partitions.enabled", true);
    broker = TestBroker.start(settings);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  static Map<String, Object> management(int port, boolean metrics) {
    return Map.of("skein.management.enabled", true, "akka.management.http.hostname", "127.0.0.1",
        "akka.management.http.port", port, "skein.metrics.enabled", metrics);
  }

  @Test
  void servesJvmMetricsInThePrometheusFormat() throws Exception {
    var response = PrometheusText.get(managementPort, "/metrics");
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    PrometheusText metrics = PrometheusText.parse(response.body());
    assertTrue(metrics.sum("jvm_memory_used_bytes") > 0, "heap and non-heap memory");
    assertTrue(metrics.has("jvm_gc_memory_allocated_bytes_total"), "GC");
    assertTrue(metrics.sum("jvm_threads_live_threads") > 0, "threads");
    assertTrue(metrics.has("process_cpu_usage"), "process");
    assertTrue(metrics.has("skein_connections"), "the listeners' connections");
  }

  @Test
  void countsGrpcCallsAndTheirErrorsByName() {
    AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(broker.channel())
        .withDeadlineAfter(10, TimeUnit.SECONDS);
    String listTopics = "api=\"skein.v1.AdminService/ListTopics\"";
    String deleteTopic = "api=\"skein.v1.AdminService/DeleteTopic\"";
    double listedBefore = PrometheusText.scrape(managementPort).sum("skein_requests_total", listTopics);
    admin.listTopics(ListTopicsRequest.getDefaultInstance());
    assertThrows(StatusRuntimeException.class,
        () -> admin.deleteTopic(DeleteTopicRequest.newBuilder().setName("no-such-topic").build()));
    assertEventually("the calls are counted", Duration.ofSeconds(10), () -> {
      PrometheusText metrics = PrometheusText.scrape(managementPort);
      return metrics.sum("skein_requests_total", listTopics, "listener=\"grpc\"") == listedBefore + 1
          && metrics.sum("skein_request_duration_seconds_count", listTopics) == listedBefore + 1
          && metrics.sum("skein_request_errors_total", deleteTopic, "error=\"UNKNOWN_TOPIC_OR_PARTITION\"") == 1
          && metrics.sum("skein_connections", "listener=\"grpc\"") >= 1;
    });
  }

  @Test
  void countsKafkaRequestsAndEachTopicsRecordsInAndOut() throws Exception {
    String topic = "metered";
    broker.node().broker().topics().createTopic(Caller.BROKER, topic, 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    PrometheusText before = PrometheusText.scrape(managementPort);
    int records = 25;
    long valueBytes = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap(),
        ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < records; i++) {
        String value = "value-" + i;
        valueBytes += value.length();
        producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
      }
    }
    int consumed = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(new TopicPartition(topic, 0)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (consumed < records && System.nanoTime() < deadline) {
        consumed += consumer.poll(Duration.ofMillis(500)).count();
      }
    }
    assertEquals(records, consumed);
    String produce = "api=\"Produce\"";
    String fetch = "api=\"Fetch\"";
    String kafka = "listener=\"kafka\"";
    String ofTopic = "topic=\"" + topic + "\"";
    long expectedMinBytes = valueBytes;
    assertEventually("the requests and records are counted", Duration.ofSeconds(10), () -> {
      PrometheusText after = PrometheusText.scrape(managementPort);
      return after.sum("skein_requests_total", produce, kafka) >= before.sum("skein_requests_total", produce, kafka) + records
          && after.sum("skein_requests_total", fetch, kafka) > before.sum("skein_requests_total", fetch, kafka)
          && after.sum("skein_request_bytes_total", produce, kafka) > before.sum("skein_request_bytes_total", produce, kafka)
          && after.sum("skein_response_bytes_total", fetch, kafka) > before.sum("skein_response_bytes_total", fetch, kafka)
          && after.sum("skein_request_duration_seconds_bucket", produce, kafka, "le=\"+Inf\"")
              >= before.sum("skein_request_duration_seconds_bucket", produce, kafka, "le=\"+Inf\"") + records
          && after.sum("skein_topic_records_in_total", ofTopic) == records
          && after.sum("skein_topic_bytes_in_total", ofTopic) > expectedMinBytes
          && after.sum("skein_topic_records_out_total", ofTopic) >= records
          && after.sum("skein_topic_bytes_out_total", ofTopic) > expectedMinBytes
          && after.has("skein_connections");
    }, () -> PrometheusText.scrape(managementPort).samples().stream()
        .filter(sample -> sample.name().startsWith("skein_topic") || sample.labels().contains(produce)).toList()
        .toString());
  }

  @Test
  void reportsThePartitionsLedHereAndTheBrokersUp() throws Exception {
    broker.node().broker().topics().createTopic(Caller.BROKER, "health", 3, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertEventually("the health gauges see the new topic", Duration.ofSeconds(20), () -> {
      PrometheusText metrics = PrometheusText.scrape(managementPort);
      return metrics.sum("skein_partitions_led") >= 3
          && metrics.sum("skein_brokers_up") == 1
          && metrics.has("skein_partitions_offline") && metrics.sum("skein_partitions_offline") == 0
          && metrics.has("skein_partitions_under_replicated") && metrics.sum("skein_partitions_under_replicated") == 0
          && metrics.has("skein_partitions_under_min_isr") && metrics.sum("skein_partitions_under_min_isr") == 0;
    }, () -> PrometheusText.scrape(managementPort).samples().stream()
        .filter(sample -> sample.name().startsWith("skein_partitions") || sample.name().startsWith("skein_brokers"))
        .toList().toString());
  }

  @Test
  void aStoppedConsumerGroupsLagGrowsAsMoreIsProduced() throws Exception {
    String topic = "lagging";
    broker.node().broker().topics().createTopic(Caller.BROKER, topic, 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    try (KafkaProducer<String, String> producer = producer()) {
      produce(producer, topic, 5);
      try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
          ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap(),
          ConsumerConfig.GROUP_ID_CONFIG, "stops",
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
        consumer.subscribe(List.of(topic));
        int consumed = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (consumed < 5 && System.nanoTime() < deadline) {
          consumed += consumer.poll(Duration.ofMillis(500)).count();
        }
        assertEquals(5, consumed);
        consumer.commitSync(Duration.ofSeconds(10));
      }
      String ofGroup = "group=\"stops\"";
      assertEventually("no lag once consumed", Duration.ofSeconds(30), () -> {
        PrometheusText metrics = PrometheusText.scrape(managementPort);
        return metrics.sum("skein_group_lag_records", ofGroup) == 0
            && metrics.samples().stream().anyMatch(sample -> sample.name().equals("skein_group_lag_records")
                && sample.labels().contains(ofGroup));
      });
      produce(producer, topic, 7);
      assertEventually("the stopped group lags by what came since", Duration.ofSeconds(30),
          () -> PrometheusText.scrape(managementPort).sum("skein_group_lag_records", ofGroup, "topic=\"lagging\"") == 7,
          () -> PrometheusText.scrape(managementPort).samples().stream()
              .filter(sample -> sample.name().startsWith("skein_group")).toList().toString());
      double secondsBehind = PrometheusText.scrape(managementPort).sum("skein_group_lag_seconds", ofGroup);
      assertEventually("the stopped group's lag in seconds grows with time", Duration.ofSeconds(30),
          () -> PrometheusText.scrape(managementPort).sum("skein_group_lag_seconds", ofGroup) > secondsBehind,
          () -> "was " + secondsBehind + ": " + PrometheusText.scrape(managementPort).samples().stream()
              .filter(sample -> sample.name().startsWith("skein_group_lag")).toList());
    }
  }

  @Test
  void countsSegmentRollsFsyncsAndLogOpensAndSeesTheController() throws Exception {
    String topic = "rolling";
    PrometheusText before = PrometheusText.scrape(managementPort);
    broker.node().broker().topics().createTopic(Caller.BROKER, topic, 1, 1, Map.of("segment.bytes", "512"), false)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    try (KafkaProducer<String, String> producer = producer()) {
      produce(producer, topic, 20);
    }
    String ofPartition = "topic=\"rolling\"";
    assertEventually("rolls, fsyncs, the open and the partition's offsets are metered", Duration.ofSeconds(20), () -> {
      PrometheusText after = PrometheusText.scrape(managementPort);
      return after.sum("skein_log_segment_rolls_total") >= before.sum("skein_log_segment_rolls_total") + 2
          && after.sum("skein_log_flushes_seconds_count") >= before.sum("skein_log_flushes_seconds_count") + 2
          && after.sum("skein_log_open_seconds_count", "opened=\"new\"")
              >= before.sum("skein_log_open_seconds_count", "opened=\"new\"") + 1
          && after.sum("skein_controller_present") == 1
          && after.sum("skein_partition_log_end_offset", ofPartition) == 20
          && after.sum("skein_partition_high_watermark", ofPartition) == 20
          && after.sum("skein_partition_log_start_offset", ofPartition) == 0
          && after.sum("skein_partition_log_size_bytes", ofPartition) > 512
          && after.has("skein_log_cleaner_cleans_total")
          && after.sum("skein_log_cleaner_max_dirty_ratio") == 0;
    }, () -> PrometheusText.scrape(managementPort).samples().stream()
        .filter(sample -> sample.name().startsWith("skein_log") || sample.name().startsWith("skein_partition_")
            || sample.name().startsWith("skein_controller"))
        .toList().toString());
  }

  private static KafkaProducer<String, String> producer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap(),
        ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer());
  }

  private static void produce(KafkaProducer<String, String> producer, String topic, int records) throws Exception {
    for (int i = 0; i < records; i++) {
      producer.send(new ProducerRecord<>(topic, "record-" + i)).get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void disabledMetricsAnswer404AndRegisterNothing() throws Exception {
    int port = FreePorts.on("127.0.0.1");
    try (TestBroker quiet = TestBroker.start(management(port, false))) {
      assertEquals(404, PrometheusText.get(port, "/metrics").statusCode());
      assertEquals(200, PrometheusText.get(port, "/alive").statusCode());
      AdminServiceGrpc.newBlockingStub(quiet.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
          .listTopics(ListTopicsRequest.getDefaultInstance());
      NodeMetrics metrics = quiet.node().system().settings().setup().get(MetricsSetup.class).orElseThrow().metrics();
      assertTrue(metrics.registry().getMeters().isEmpty(), "meters: " + metrics.registry().getMeters());
    }
  }
}
