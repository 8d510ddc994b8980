package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.server.Batches;
import io.skein.server.TestBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.tools.TopicCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kafka-clients' Admin and Kafka's own kafka-topics (TopicCommand) against Skein's Kafka listener. */
class KafkaAdminClientEndToEndTest {

  static TestBroker broker;
  static String bootstrap;
  static Admin admin;

  @BeforeAll
  static void start() throws IOException {
    broker = TestBroker.start(Map.of());
    bootstrap = broker.kafkaBootstrap();
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
  }

  @AfterAll
  static void stop() {
    admin.close();
    broker.close();
  }

  private static Throwable cause(ExecutionException e) {
    return e.getCause();
  }

  @Test
  void adminCreatesDescribesGrowsAndDeletesTopics() throws Exception {
    admin.createTopics(List.of(new NewTopic("admin-e2e", 3, (short) 1)
        .configs(Map.of("retention.ms", "60000")))).all().get();
    TopicDescription described = admin.describeTopics(List.of("admin-e2e")).allTopicNames().get().get("admin-e2e");
    assertEquals(3, described.partitions().size());
    assertNotNull(described.topicId());
    assertEquals(0, described.partitions().get(2).leader().id());

    admin.createPartitions(Map.of("admin-e2e", NewPartitions.increaseTo(5))).all().get();
    assertEquals(5, admin.describeTopics(List.of("admin-e2e")).allTopicNames().get().get("admin-e2e")
        .partitions().size());
    assertTrue(admin.listTopics().names().get().contains("admin-e2e"));

    ExecutionException shrink = assertThrows(ExecutionException.class,
        () -> admin.createPartitions(Map.of("admin-e2e", NewPartitions.increaseTo(2))).all().get());
    assertInstanceOf(InvalidPartitionsException.class, cause(shrink));
    ExecutionException exists = assertThrows(ExecutionException.class,
        () -> admin.createTopics(List.of(new NewTopic("admin-e2e", 1, (short) 1))).all().get());
    assertInstanceOf(TopicExistsException.class, cause(exists));

    admin.deleteTopics(List.of("admin-e2e")).all().get();
    assertFalse(admin.listTopics().names().get().contains("admin-e2e"));
  }

  @Test
  void adminDescribesAndAltersConfigsAsKafkaConfigsDoes() throws Exception {
    admin.createTopics(List.of(new NewTopic("configs-e2e", 1, (short) 1))).all().get();
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "configs-e2e");

    admin.incrementalAlterConfigs(Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("retention.ms", "120000"), AlterConfigOp.OpType.SET),
        new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND)))).all().get();
    Config configs = admin.describeConfigs(List.of(topic)).all().get().get(topic);
    assertEquals("120000", configs.get("retention.ms").value());
    assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, configs.get("retention.ms").source());
    assertEquals("compact,delete", configs.get("cleanup.policy").value());
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, configs.get("segment.bytes").source());
    assertTrue(configs.get("segment.bytes").isDefault());

    ExecutionException bad = assertThrows(ExecutionException.class, () -> admin.incrementalAlterConfigs(Map.of(topic,
        List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "soon"), AlterConfigOp.OpType.SET)))).all().get());
    assertInstanceOf(InvalidConfigurationException.class, cause(bad));

    ConfigResource brokerResource = new ConfigResource(ConfigResource.Type.BROKER, "0");
    Config brokerConfigs = admin.describeConfigs(List.of(brokerResource)).all().get().get(brokerResource);
    assertEquals("0", brokerConfigs.get("broker.id").value());
    assertTrue(brokerConfigs.get("log.retention.ms").isReadOnly());
  }

  @Test
  void adminDescribesTheClusterDeletesRecordsAndElectsLeaders() throws Exception {
    DescribeClusterResult cluster = admin.describeCluster();
    assertNotNull(cluster.clusterId().get());
    assertEquals(1, cluster.nodes().get().size());
    assertEquals(0, cluster.controller().get().id());

    admin.createTopics(List.of(new NewTopic("records-e2e", 1, (short) 1))).all().get();
    ProducerServiceGrpc.newBlockingStub(broker.channel()).produce(ProduceRequest.newBuilder().setTopic("records-e2e")
        .setPartition(0).setAcks(-1).setRecords(Batches.of("a", "b", "c")).build());
    TopicPartition partition = new TopicPartition("records-e2e", 0);
    assertEquals(2, admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(2))).lowWatermarks()
        .get(partition).get().lowWatermark());

    ExecutionException notNeeded = assertThrows(ExecutionException.class,
        () -> admin.electLeaders(ElectionType.PREFERRED, Set.of(partition)).all().get());
    assertInstanceOf(ElectionNotNeededException.class, cause(notNeeded));
  }

  /** Runs kafka-topics with these arguments; its output, after checking it exited with 0. */
  private static String kafkaTopics(String... args) {
    AtomicInteger exitCode = new AtomicInteger(-1);
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    Exit.setExitProcedure((code, message) -> exitCode.set(code));
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      List<String> all = new ArrayList<>(List.of("--bootstrap-server", bootstrap));
      all.addAll(List.of(args));
      TopicCommand.main(all.toArray(String[]::new));
    } finally {
      System.setOut(original);
      Exit.resetExitProcedure();
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    assertEquals(0, exitCode.get(), "kafka-topics " + String.join(" ", args) + " printed: " + output);
    return output;
  }

  @Test
  void kafkaTopicsCreatesDescribesAltersAndDeletes() {
    assertTrue(kafkaTopics("--create", "--topic", "tool-e2e", "--partitions", "2", "--replication-factor", "1",
        "--config", "retention.ms=60000").contains("Created topic tool-e2e."));

    String described = kafkaTopics("--describe", "--topic", "tool-e2e");
    assertTrue(described.contains("PartitionCount: 2"), described);
    assertTrue(described.contains("retention.ms=60000"), described);
    assertTrue(described.contains("Partition: 1\tLeader: 0\tReplicas: 0\tIsr: 0"), described);

    kafkaTopics("--alter", "--topic", "tool-e2e", "--partitions", "4");
    assertTrue(kafkaTopics("--describe", "--topic", "tool-e2e").contains("PartitionCount: 4"));
    assertTrue(kafkaTopics("--list").lines().anyMatch("tool-e2e"::equals));

    kafkaTopics("--delete", "--topic", "tool-e2e");
    assertFalse(kafkaTopics("--list").lines().anyMatch("tool-e2e"::equals));
  }
}
