package io.skein.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.skein.api.ApiErrors;
import io.skein.broker.Caller;
import io.skein.client.ChannelFactory;
import io.skein.client.HostPort;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.group.GroupCoordinator;
import io.skein.proto.v1.AclBinding;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.AlterTopicConfigsRequest;
import io.skein.proto.v1.CommitOffsetsRequest;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.CreateAclsRequest;
import io.skein.proto.v1.CreateAclsResponse;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.DeleteAclsRequest;
import io.skein.proto.v1.DeleteTopicRequest;
import io.skein.proto.v1.DescribeTopicsRequest;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.GroupRequest;
import io.skein.proto.v1.GroupResponse;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.GroupSubscribeRequest;
import io.skein.proto.v1.GroupSubscribeResponse;
import io.skein.proto.v1.GroupSubscribeStart;
import io.skein.proto.v1.InitProducerIdRequest;
import io.skein.proto.v1.JoinGroup;
import io.skein.proto.v1.ListAclsRequest;
import io.skein.proto.v1.ListOffsetsRequest;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.proto.v1.MetadataRequest;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.PartitionOffset;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.proto.v1.TopicDescription;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.PatternType;
import io.skein.security.Acl.Permission;
import io.skein.security.Acl.ResourceType;
import io.skein.security.Acl;
import io.skein.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ACL matrix, on one broker with the ACL authorizer and both listeners authenticating the
 * same SCRAM users: alice may do everything on the topics and groups named {@code matrix-*},
 * bob may only describe the topic {@code matrix-data} (so that his clients get past metadata to
 * the request under test), and no ACL names the topic {@code secret}. For produce, fetch, metadata,
 * topic creation and deletion, configs, leader elections, groups (and gRPC group joins), offsets and
 * idempotent producer ids, alice is served and
 * bob refused with Kafka's error (kafka-clients over SASL_PLAINTEXT) or PERMISSION_DENIED with it
 * (gRPC with Basic credentials), and the broker goes on serving alice after every refusal.
 */
class AclMatrixTest {

  private static final long WAIT_SECONDS = 20;
  private static final String TOPIC = "matrix-data";
  private static final String SECRET = "secret";
  /** A topic bob may create, but whose configs he may not see. */
  private static final String BOB_CREATES = "bob-made";

  private static TestBroker broker;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("skein.kafka.security-protocol", "SASL_PLAINTEXT");
    config.put("skein.grpc.authentication", "basic");
    config.put("skein.security.sasl.users.admin", "admin-secret");
    config.put("skein.security.sasl.users.alice", "alice-secret");
    config.put("skein.security.sasl.users.bob", "bob-secret");
    config.put("skein.security.authorizer", "acl");
    config.put("skein.security.super-users", List.of("User:admin"));
    broker = TestBroker.start(config);
    List<Acl> acls = List.of(
        new Acl(ResourceType.TOPIC, "matrix-", PatternType.PREFIXED, "User:alice", "*", Operation.ALL,
            Permission.ALLOW),
        new Acl(ResourceType.TOPIC, TOPIC, PatternType.LITERAL, "User:bob", "*", Operation.DESCRIBE, Permission.ALLOW),
        new Acl(ResourceType.TOPIC, BOB_CREATES, PatternType.LITERAL, "User:bob", "*", Operation.CREATE,
            Permission.ALLOW),
        new Acl(ResourceType.GROUP, "matrix-", PatternType.PREFIXED, "User:alice", "*", Operation.ALL,
            Permission.ALLOW));
    broker.node().broker().acls().create(Caller.BROKER, acls).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    for (String topic : List.of(TOPIC, SECRET)) {
      broker.node().broker().topics().createTopic(Caller.BROKER, topic, 1, 1, Map.of(), false).toCompletableFuture()
          .get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @AfterEach
  void closeChannels() {
    channels.forEach(ManagedChannel::shutdownNow);
  }

  // ---- Kafka listener ---------------------------------------------------------------------

  private static Map<String, Object> kafka(String user) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    config.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
    config.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required"
        + " username=\"" + user + "\" password=\"" + user + "-secret\";");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 8000);
    return config;
  }

  private static KafkaProducer<String, String> producer(String user, boolean idempotent) {
    Map<String, Object> config = kafka(user);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 8000);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(config);
  }

  private static KafkaConsumer<String, String> consumer(String user, String group) {
    Map<String, Object> config = kafka(user);
    if (group != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return new KafkaConsumer<>(config);
  }

  private static Throwable cause(ExecutionException failed) {
    return failed.getCause();
  }

  /** alice's produce still succeeds: a refusal of bob changed nothing for others. */
  private static void aliceStillProduces() throws Exception {
    try (KafkaProducer<String, String> alice = producer("alice", true)) {
      alice.send(new ProducerRecord<>(TOPIC, 0, null, "still-served")).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** Polls until {@code count} records came or the deadline passed. */
  private static List<String> pollValues(KafkaConsumer<String, String> consumer, int count) {
    List<String> values = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (values.size() < count && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
        values.add(record.value());
      }
    }
    return values;
  }

  @Test
  void produceNeedsWriteOnTheTopic() throws Exception {
    try (KafkaProducer<String, String> alice = producer("alice", false)) {
      alice.send(new ProducerRecord<>(TOPIC, 0, null, "from-alice")).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> bob = producer("bob", false)) {
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> bob.send(new ProducerRecord<>(TOPIC, 0, null, "from-bob")).get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(TopicAuthorizationException.class, cause(refused), cause(refused).toString());
    }
    aliceStillProduces();
  }

  @Test
  void idempotentProducersNeedIdempotentWriteOrWriteOnSomeTopic() throws Exception {
    aliceStillProduces();
    try (KafkaProducer<String, String> bob = producer("bob", true)) {
      // The producer fails send itself, or the send's future, as its InitProducerId is refused.
      Exception refused = assertThrows(Exception.class,
          () -> bob.send(new ProducerRecord<>(TOPIC, 0, null, "idempotent-bob")).get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(ClusterAuthorizationException.class, refused.getCause(), refused.toString());
    }
    aliceStillProduces();
  }

  @Test
  void fetchNeedsReadOnTheTopic() throws Exception {
    aliceStillProduces();
    TopicPartition partition = new TopicPartition(TOPIC, 0);
    try (KafkaConsumer<String, String> alice = consumer("alice", null)) {
      alice.assign(List.of(partition));
      alice.seekToBeginning(List.of(partition));
      assertFalse(pollValues(alice, 1).isEmpty());
    }
    try (KafkaConsumer<String, String> bob = consumer("bob", null)) {
      bob.assign(List.of(partition));
      bob.seek(partition, 0);
      assertThrows(TopicAuthorizationException.class, () -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
          bob.poll(Duration.ofMillis(200));
        }
      });
    }
    aliceStillProduces();
  }

  @Test
  void metadataShowsOnlyWhatThePrincipalMayDescribe() throws Exception {
    try (Admin alice = Admin.create(kafka("alice")); Admin bob = Admin.create(kafka("bob"))) {
      Set<String> aliceSees = alice.listTopics().names().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertTrue(aliceSees.contains(TOPIC), aliceSees.toString());
      assertFalse(aliceSees.contains(SECRET), aliceSees.toString());
      assertEquals(Set.of(TOPIC), bob.listTopics().names().get(WAIT_SECONDS, TimeUnit.SECONDS));
      ExecutionException secret = assertThrows(ExecutionException.class,
          () -> alice.describeTopics(List.of(SECRET)).allTopicNames().get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(TopicAuthorizationException.class, cause(secret), cause(secret).toString());
      assertEquals(1, bob.describeTopics(List.of(TOPIC)).allTopicNames().get(WAIT_SECONDS, TimeUnit.SECONDS)
          .get(TOPIC).partitions().size());
    }
  }

  @Test
  void creatingAndDeletingTopicsNeedCreateAndDelete() throws Exception {
    try (Admin alice = Admin.create(kafka("alice")); Admin bob = Admin.create(kafka("bob"))) {
      alice.createTopics(List.of(new NewTopic("matrix-created", 1, (short) 1))).all()
          .get(WAIT_SECONDS, TimeUnit.SECONDS);
      ExecutionException created = assertThrows(ExecutionException.class,
          () -> bob.createTopics(List.of(new NewTopic("matrix-by-bob", 1, (short) 1))).all()
              .get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(TopicAuthorizationException.class, cause(created), cause(created).toString());
      ExecutionException deleted = assertThrows(ExecutionException.class,
          () -> bob.deleteTopics(List.of("matrix-created")).all().get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(TopicAuthorizationException.class, cause(deleted), cause(deleted).toString());
      alice.deleteTopics(List.of("matrix-created")).all().get(WAIT_SECONDS, TimeUnit.SECONDS);

      CreateTopicsResult bobMade = bob.createTopics(List.of(new NewTopic(BOB_CREATES, 1, (short) 1)));
      bobMade.all().get(WAIT_SECONDS, TimeUnit.SECONDS);
      ExecutionException configs = assertThrows(ExecutionException.class,
          () -> bobMade.config(BOB_CREATES).get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(TopicAuthorizationException.class, cause(configs), cause(configs).toString());
    }
  }

  @Test
  void groupsAndOffsetsNeedReadOnTheGroupAndItsTopics() throws Exception {
    aliceStillProduces();
    String group = "matrix-group";
    TopicPartition partition = new TopicPartition(TOPIC, 0);
    try (KafkaConsumer<String, String> alice = consumer("alice", group)) {
      alice.subscribe(List.of(TOPIC));
      assertFalse(pollValues(alice, 1).isEmpty());
      alice.commitSync(Map.of(partition, new OffsetAndMetadata(1)));
      assertEquals(1, alice.committed(Set.of(partition)).get(partition).offset());
    }
    try (KafkaConsumer<String, String> bob = consumer("bob", group)) {
      bob.subscribe(List.of(TOPIC));
      assertThrows(GroupAuthorizationException.class, () -> {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
          bob.poll(Duration.ofMillis(200));
        }
      });
    }
    try (KafkaConsumer<String, String> bob = consumer("bob", group)) {
      assertThrows(GroupAuthorizationException.class, () -> bob.committed(Set.of(partition)));
    }
    try (Admin alice = Admin.create(kafka("alice")); Admin bob = Admin.create(kafka("bob"))) {
      assertTrue(alice.listConsumerGroups().all().get(WAIT_SECONDS, TimeUnit.SECONDS).stream()
          .map(ConsumerGroupListing::groupId).anyMatch(group::equals));
      assertFalse(bob.listConsumerGroups().all().get(WAIT_SECONDS, TimeUnit.SECONDS).stream()
          .map(ConsumerGroupListing::groupId).anyMatch(group::equals));
      ExecutionException deleted = assertThrows(ExecutionException.class,
          () -> bob.deleteConsumerGroups(List.of(group)).all().get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(GroupAuthorizationException.class, cause(deleted), cause(deleted).toString());
    }
    aliceStillProduces();
  }

  @Test
  void configsNeedDescribeConfigsAndAlterConfigs() throws Exception {
    ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
    ConfigResource brokerConfigs = new ConfigResource(ConfigResource.Type.BROKER, "");
    Map<ConfigResource, Collection<AlterConfigOp>> retention = Map.of(topic,
        List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "86400000"), AlterConfigOp.OpType.SET)));
    try (Admin alice = Admin.create(kafka("alice")); Admin bob = Admin.create(kafka("bob"));
        Admin admin = Admin.create(kafka("admin"))) {
      assertTrue(alice.describeConfigs(List.of(topic)).all().get(WAIT_SECONDS, TimeUnit.SECONDS).get(topic)
          .get("retention.ms") != null);
      ExecutionException described = assertThrows(ExecutionException.class,
          () -> bob.describeConfigs(List.of(topic)).all().get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(TopicAuthorizationException.class, cause(described), cause(described).toString());

      alice.incrementalAlterConfigs(retention).all().get(WAIT_SECONDS, TimeUnit.SECONDS);
      ExecutionException altered = assertThrows(ExecutionException.class,
          () -> bob.incrementalAlterConfigs(retention).all().get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(TopicAuthorizationException.class, cause(altered), cause(altered).toString());

      ExecutionException brokerDescribed = assertThrows(ExecutionException.class,
          () -> alice.describeConfigs(List.of(brokerConfigs)).all().get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(ClusterAuthorizationException.class, cause(brokerDescribed), cause(brokerDescribed).toString());
      assertFalse(admin.describeConfigs(List.of(brokerConfigs)).all().get(WAIT_SECONDS, TimeUnit.SECONDS)
          .get(brokerConfigs).entries().isEmpty());
      ExecutionException brokerAltered = assertThrows(ExecutionException.class,
          () -> alice.incrementalAlterConfigs(Map.of(brokerConfigs, List.of(new AlterConfigOp(
              new ConfigEntry("log.retention.ms", "1"), AlterConfigOp.OpType.SET)))).all()
              .get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(ClusterAuthorizationException.class, cause(brokerAltered), cause(brokerAltered).toString());
    }
    aliceStillProduces();
  }

  @Test
  void electLeadersNeedsAlterOnTheCluster() throws Exception {
    Set<TopicPartition> partitions = Set.of(new TopicPartition(TOPIC, 0));
    try (Admin alice = Admin.create(kafka("alice")); Admin admin = Admin.create(kafka("admin"))) {
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> alice.electLeaders(ElectionType.PREFERRED, partitions).all().get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(ClusterAuthorizationException.class, cause(refused), cause(refused).toString());
      Map<TopicPartition, Optional<Throwable>> elected = admin.electLeaders(ElectionType.PREFERRED, partitions)
          .partitions().get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertFalse(elected.get(new TopicPartition(TOPIC, 0)).orElse(null) instanceof ClusterAuthorizationException,
          elected.toString());
    }
  }

  @Test
  void offsetQuestionsNeedDescribeOnTheTopic() {
    Caller bob = new Caller(Principal.user("bob"), "127.0.0.1");
    FailureException refused = assertThrows(FailureException.class,
        () -> broker.node().broker().partitions().describer(bob, SECRET, 0));
    assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, refused.failure().code());
    broker.node().broker().partitions().describer(bob, TOPIC, 0);
  }

  @Test
  void offsetDeleteNeedsReadOnEachTopic() throws Exception {
    aliceStillProduces();
    String group = "matrix-offsets";
    TopicPartition readable = new TopicPartition(TOPIC, 0);
    TopicPartition secret = new TopicPartition(SECRET, 0);
    broker.node().broker().groups().commitOffsets(Caller.BROKER, group, "", -1, List.of(
            new GroupCoordinator.OffsetToCommit(TOPIC, 0, 1, ""),
            new GroupCoordinator.OffsetToCommit(SECRET, 0, 1, "")))
        .toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    try (Admin alice = Admin.create(kafka("alice"))) {
      var deleted = alice.deleteConsumerGroupOffsets(group, Set.of(readable, secret));
      deleted.partitionResult(readable).get(WAIT_SECONDS, TimeUnit.SECONDS);
      ExecutionException refused = assertThrows(ExecutionException.class,
          () -> deleted.partitionResult(secret).get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(TopicAuthorizationException.class, cause(refused), cause(refused).toString());
    }
  }

  // ---- gRPC ---------------------------------------------------------------------------------

  private ManagedChannel grpc(String user) {
    ManagedChannel channel = ChannelFactory.secured(Optional.empty(), Optional.of(user), user + "-secret")
        .open(new HostPort("127.0.0.1", broker.node().grpcPort()));
    channels.add(channel);
    return channel;
  }

  /** The call is refused with PERMISSION_DENIED and Kafka's error name in its ErrorInfo. */
  private static void assertDenied(String error, Runnable call) {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.PERMISSION_DENIED, refused.getStatus().getCode(), refused.getStatus().toString());
    assertEquals(error, ApiErrors.errorInfo(refused).orElseThrow().getReason());
  }

  private static ProduceRequest produce(String topic, String value) {
    return ProduceRequest.newBuilder().setTopic(topic).setPartition(0).setAcks(-1).setRecords(Batches.of(value))
        .build();
  }

  @Test
  void grpcProduceFetchAndInitProducerIdAreChecked() {
    ProducerServiceGrpc.ProducerServiceBlockingStub alice = ProducerServiceGrpc.newBlockingStub(grpc("alice"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    ProducerServiceGrpc.ProducerServiceBlockingStub bob = ProducerServiceGrpc.newBlockingStub(grpc("bob"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    long offset = alice.produce(produce(TOPIC, "grpc-alice")).getBaseOffset();
    assertDenied("TOPIC_AUTHORIZATION_FAILED", () -> bob.produce(produce(TOPIC, "grpc-bob")));
    assertTrue(alice.initProducerId(InitProducerIdRequest.getDefaultInstance()).getProducerId() >= 0);
    assertDenied("CLUSTER_AUTHORIZATION_FAILED", () -> bob.initProducerId(InitProducerIdRequest.getDefaultInstance()));

    FetchRequest fetch = FetchRequest.newBuilder().setTopic(TOPIC).setPartition(0).setOffset(offset).build();
    ByteString records = ConsumerServiceGrpc.newBlockingStub(grpc("alice"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).fetch(fetch).getRecords();
    assertEquals(offset + ":grpc-alice", Batches.values(records, offset).get(0));
    assertDenied("TOPIC_AUTHORIZATION_FAILED", () -> ConsumerServiceGrpc.newBlockingStub(grpc("bob"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).fetch(fetch));
    alice.produce(produce(TOPIC, "grpc-alice-again"));
  }

  @Test
  void grpcTopicsAndMetadataAreChecked() {
    AdminServiceGrpc.AdminServiceBlockingStub alice = AdminServiceGrpc.newBlockingStub(grpc("alice"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    AdminServiceGrpc.AdminServiceBlockingStub bob = AdminServiceGrpc.newBlockingStub(grpc("bob"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    List<String> aliceSees = alice.listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList();
    assertTrue(aliceSees.contains(TOPIC), aliceSees.toString());
    assertFalse(aliceSees.contains(SECRET), aliceSees.toString());
    assertEquals(List.of(TOPIC), bob.listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList());
    assertEquals("TOPIC_AUTHORIZATION_FAILED", bob.metadata(MetadataRequest.newBuilder().addTopics(SECRET).build())
        .getTopics(0).getError().getCode().name());

    alice.createTopic(CreateTopicRequest.newBuilder().setName("matrix-grpc").setPartitions(1)
        .setReplicationFactor(1).build());
    assertDenied("TOPIC_AUTHORIZATION_FAILED", () -> bob.createTopic(CreateTopicRequest.newBuilder()
        .setName("matrix-grpc-bob").setPartitions(1).setReplicationFactor(1).build()));
    assertDenied("TOPIC_AUTHORIZATION_FAILED",
        () -> bob.deleteTopic(DeleteTopicRequest.newBuilder().setName("matrix-grpc").build()));
    alice.deleteTopic(DeleteTopicRequest.newBuilder().setName("matrix-grpc").build());
  }

  @Test
  void grpcOffsetsAreChecked() {
    PartitionOffset offset = PartitionOffset.newBuilder().setTopic(TOPIC).setPartition(0).setOffset(0).build();
    CommitOffsetsRequest commit = CommitOffsetsRequest.newBuilder().setGroupId("matrix-grpc-group")
        .setGeneration(-1).addOffsets(offset).build();
    GroupServiceGrpc.newBlockingStub(grpc("alice")).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
        .commitOffsets(commit);
    assertDenied("GROUP_AUTHORIZATION_FAILED", () -> GroupServiceGrpc.newBlockingStub(grpc("bob"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).commitOffsets(commit));
    CommitOffsetsRequest secretTopic = CommitOffsetsRequest.newBuilder().setGroupId("matrix-grpc-group")
        .addOffsets(offset.toBuilder().setTopic(SECRET)).build();
    assertEquals("TOPIC_AUTHORIZATION_FAILED", GroupServiceGrpc.newBlockingStub(grpc("alice"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).commitOffsets(secretTopic).getResults(0).getError()
        .getCode().name());
  }

  @Test
  void grpcDescribeTopicsAlterConfigsAndListOffsetsAreChecked() {
    AdminServiceGrpc.AdminServiceBlockingStub alice = AdminServiceGrpc.newBlockingStub(grpc("alice"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    AdminServiceGrpc.AdminServiceBlockingStub bob = AdminServiceGrpc.newBlockingStub(grpc("bob"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    assertEquals(List.of(TOPIC), bob.describeTopics(DescribeTopicsRequest.getDefaultInstance()).getTopicsList()
        .stream().map(TopicDescription::getName).toList());
    TopicDescription secret = bob.describeTopics(DescribeTopicsRequest.newBuilder().addNames(SECRET).build())
        .getTopics(0);
    assertEquals("TOPIC_AUTHORIZATION_FAILED", secret.getError().getCode().name());
    assertTrue(secret.getPartitionsList().isEmpty());

    AlterTopicConfigsRequest alter = AlterTopicConfigsRequest.newBuilder().setName(TOPIC)
        .putSet("retention.ms", "172800000").build();
    alice.alterTopicConfigs(alter);
    assertDenied("TOPIC_AUTHORIZATION_FAILED", () -> bob.alterTopicConfigs(alter));

    ConsumerServiceGrpc.ConsumerServiceBlockingStub bobReads = ConsumerServiceGrpc.newBlockingStub(grpc("bob"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    ListOffsetsRequest latest = ListOffsetsRequest.newBuilder().setTopic(TOPIC).setPartition(0)
        .setSpec(OffsetSpec.LATEST).build();
    assertTrue(bobReads.listOffsets(latest).getOffset() >= 0);
    assertDenied("TOPIC_AUTHORIZATION_FAILED", () -> bobReads.listOffsets(latest.toBuilder().setTopic(SECRET).build()));
  }

  /** The messages a stream brings, and its end (a Throwable, or the string "completed"). */
  private static final class Received<T> implements StreamObserver<T> {
    final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();

    @Override
    public void onNext(T message) {
      messages.add(message);
    }

    @Override
    public void onError(Throwable failure) {
      messages.add(failure);
    }

    @Override
    public void onCompleted() {
      messages.add("completed");
    }

    Object next() throws InterruptedException {
      Object message = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      assertTrue(message != null, "nothing came within " + WAIT_SECONDS + " s");
      return message;
    }
  }

  private Object groupSessionJoin(String user, String group, String topic) throws InterruptedException {
    Received<GroupResponse> answers = new Received<>();
    StreamObserver<GroupRequest> requests = GroupServiceGrpc.newStub(grpc(user)).groupSession(answers);
    requests.onNext(GroupRequest.newBuilder().setCorrelationId(1).setJoin(JoinGroup.newBuilder().setGroupId(group)
        .setClientId(user).addTopics(topic).setSessionTimeoutMs(10_000)).build());
    Object answer = answers.next();
    requests.onCompleted();
    return answer;
  }

  @Test
  void grpcGroupJoinsNeedReadOnTheGroupAndItsTopics() throws Exception {
    GroupResponse joined = (GroupResponse) groupSessionJoin("alice", "matrix-session", TOPIC);
    assertEquals(GroupResponse.KindCase.JOINED, joined.getKindCase(), joined.toString());
    GroupResponse bobRefused = (GroupResponse) groupSessionJoin("bob", "matrix-session", TOPIC);
    assertEquals(1, bobRefused.getCorrelationId());
    assertEquals("GROUP_AUTHORIZATION_FAILED", bobRefused.getError().getCode().name(), bobRefused.toString());
    GroupResponse secretRefused = (GroupResponse) groupSessionJoin("alice", "matrix-session-2", SECRET);
    assertEquals("TOPIC_AUTHORIZATION_FAILED", secretRefused.getError().getCode().name(), secretRefused.toString());

    Received<GroupSubscribeResponse> subscribed = new Received<>();
    StreamObserver<GroupSubscribeRequest> requests = GroupServiceGrpc.newStub(grpc("bob")).groupSubscribe(subscribed);
    requests.onNext(GroupSubscribeRequest.newBuilder().setStart(GroupSubscribeStart.newBuilder()
        .setGroupId("matrix-subscribe").addTopics(TOPIC).setSessionTimeoutMs(10_000)).build());
    StatusRuntimeException ended = assertInstanceOf(StatusRuntimeException.class, subscribed.next());
    assertEquals(Status.Code.PERMISSION_DENIED, ended.getStatus().getCode(), ended.getStatus().toString());
    assertEquals("GROUP_AUTHORIZATION_FAILED", ApiErrors.errorInfo(ended).orElseThrow().getReason());
  }

  @Test
  void grpcManagesAclsForPrincipalsAllowedOnTheCluster() {
    AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(grpc("admin"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
    AclBinding grant = AclBinding.newBuilder().setResourceType("TOPIC").setResourceName("grpc-acl")
        .setPatternType("LITERAL").setPrincipal("User:bob").setHost("*").setOperation("READ").setPermission("ALLOW")
        .build();
    AclBinding noHost = grant.toBuilder().setHost("").build();
    CreateAclsResponse created = admin.createAcls(CreateAclsRequest.newBuilder().addAcls(grant).addAcls(noHost).build());
    assertEquals("NONE", created.getResults(0).getCode().name());
    assertEquals("INVALID_REQUEST", created.getResults(1).getCode().name());

    AclBinding onTopic = AclBinding.newBuilder().setResourceType("TOPIC").setResourceName("grpc-acl").build();
    assertEquals(List.of(grant), admin.listAcls(ListAclsRequest.newBuilder().setFilter(onTopic).build()).getAclsList());
    assertDenied("CLUSTER_AUTHORIZATION_FAILED", () -> AdminServiceGrpc.newBlockingStub(grpc("alice"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).createAcls(CreateAclsRequest.newBuilder().addAcls(grant)
            .build()));
    assertDenied("CLUSTER_AUTHORIZATION_FAILED", () -> AdminServiceGrpc.newBlockingStub(grpc("bob"))
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS).listAcls(ListAclsRequest.getDefaultInstance()));

    assertEquals(List.of(grant), admin.deleteAcls(DeleteAclsRequest.newBuilder().addFilters(onTopic).build())
        .getDeletedList());
    assertEquals(List.of(), admin.listAcls(ListAclsRequest.newBuilder().setFilter(onTopic).build()).getAclsList());
  }
}
