package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.ListOffsetsRequest;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.server.Batches;
import io.skein.server.TestBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsRequestData.AclCreation;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData.DeleteAclsFilter;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin APIs over raw Kafka requests, on one broker, with their success and error answers. */
class KafkaAdminApisTest {

  private static final byte TOPIC = ConfigResource.Type.TOPIC.id();
  private static final byte BROKER = ConfigResource.Type.BROKER.id();

  static TestBroker broker;
  private KafkaTestClient client;
  private int correlationId;

  @BeforeAll
  static void start() throws IOException {
    broker = TestBroker.start(Map.of());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @BeforeEach
  void connect() throws IOException {
    client = new KafkaTestClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), broker.node().kafkaPort()));
  }

  @AfterEach
  void disconnect() throws IOException {
    client.close();
  }

  @SuppressWarnings("unchecked")
  private <T extends ApiMessage> T call(ApiKeys key, short version, ApiMessage request) throws IOException {
    RequestHeader header = KafkaTestClient.header(key, version, ++correlationId);
    client.write(KafkaTestClient.frame(request, header));
    return (T) client.receive(header).data();
  }

  private static CreatableTopic topic(String name, int partitions, int replicationFactor) {
    return new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) replicationFactor);
  }

  private CreateTopicsResponseData create(boolean validateOnly, CreatableTopic... topics) throws IOException {
    CreateTopicsRequestData request = new CreateTopicsRequestData().setTimeoutMs(10_000).setValidateOnly(validateOnly);
    for (CreatableTopic topic : topics) {
      request.topics().add(topic);
    }
    return call(ApiKeys.CREATE_TOPICS, (short) 7, request);
  }

  private void createOrFail(String name, int partitions) throws IOException {
    CreatableTopicResult result = create(false, topic(name, partitions, 1)).topics().find(name);
    assertEquals(Errors.NONE.code(), result.errorCode(), result.errorMessage());
  }

  private DescribeTopicPartitionsResponseData describePartitions(int limit, DescribeTopicPartitionsRequestData.Cursor cursor,
      String... names) throws IOException {
    DescribeTopicPartitionsRequestData request = new DescribeTopicPartitionsRequestData()
        .setResponsePartitionLimit(limit).setCursor(cursor);
    for (String name : names) {
      request.topics().add(new TopicRequest().setName(name));
    }
    return call(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, (short) 0, request);
  }

  private DescribeConfigsResult describeConfigs(byte type, String name, boolean synonyms, List<String> keys)
      throws IOException {
    DescribeConfigsResponseData response = call(ApiKeys.DESCRIBE_CONFIGS, (short) 4, new DescribeConfigsRequestData()
        .setIncludeSynonyms(synonyms)
        .setResources(List.of(new DescribeConfigsResource().setResourceType(type).setResourceName(name)
            .setConfigurationKeys(keys))));
    return response.results().get(0);
  }

  private static Map<String, DescribeConfigsResourceResult> byName(DescribeConfigsResult result) {
    return result.configs().stream().collect(Collectors.toMap(DescribeConfigsResourceResult::name, Function.identity()));
  }

  private Map<String, String> overrides(String topic) throws IOException {
    return describeConfigs(TOPIC, topic, false, null).configs().stream()
        .filter(c -> c.configSource() == ConfigSource.TOPIC_CONFIG.id())
        .collect(Collectors.toMap(DescribeConfigsResourceResult::name, DescribeConfigsResourceResult::value));
  }

  @Test
  void apiVersionsAdvertisesTheAdminApis() throws IOException {
    ApiVersionsResponseData versions = call(ApiKeys.API_VERSIONS, (short) 3,
        new ApiVersionsRequestData().setClientSoftwareName("test").setClientSoftwareVersion("1"));
    for (ApiKeys key : List.of(ApiKeys.CREATE_TOPICS, ApiKeys.DELETE_TOPICS, ApiKeys.CREATE_PARTITIONS,
        ApiKeys.DESCRIBE_CONFIGS, ApiKeys.ALTER_CONFIGS, ApiKeys.INCREMENTAL_ALTER_CONFIGS, ApiKeys.DESCRIBE_CLUSTER,
        ApiKeys.DESCRIBE_TOPIC_PARTITIONS, ApiKeys.ELECT_LEADERS, ApiKeys.DELETE_RECORDS)) {
      assertNotNull(versions.apiKeys().find(key.id), key.toString());
      assertEquals(key.latestVersion(), versions.apiKeys().find(key.id).maxVersion(), key.toString());
    }
  }

  @Test
  void createTopicsAnswersWithIdsPartitionsAndConfigsAndUsesTheBrokerDefaults() throws IOException {
    CreatableTopic withConfig = topic("created", 3, 1);
    withConfig.configs().add(new CreatableTopicConfig().setName("retention.ms").setValue("60000"));
    CreateTopicsResponseData response = create(false, withConfig, topic("defaulted", -1, -1));

    CreatableTopicResult created = response.topics().find("created");
    assertEquals(Errors.NONE.code(), created.errorCode(), created.errorMessage());
    assertNotEquals(Uuid.ZERO_UUID, created.topicId());
    assertEquals(3, created.numPartitions());
    assertEquals(1, created.replicationFactor());
    Map<String, CreatableTopicConfigs> configs = created.configs().stream()
        .collect(Collectors.toMap(CreatableTopicConfigs::name, Function.identity()));
    assertEquals("60000", configs.get("retention.ms").value());
    assertEquals(ConfigSource.TOPIC_CONFIG.id(), configs.get("retention.ms").configSource());
    assertEquals(ConfigSource.DEFAULT_CONFIG.id(), configs.get("segment.bytes").configSource());

    CreatableTopicResult defaulted = response.topics().find("defaulted");
    assertEquals(Errors.NONE.code(), defaulted.errorCode(), defaulted.errorMessage());
    assertEquals(1, defaulted.numPartitions(), "the broker's default-partitions");
    assertEquals(1, defaulted.replicationFactor());

    DescribeTopicPartitionsResponseTopic described = describePartitions(100, null, "created").topics().find("created");
    assertEquals(created.topicId(), described.topicId());
    assertEquals(3, described.partitions().size());
  }

  @Test
  void createTopicsAnswersEachBadTopicWithItsOwnError() throws IOException {
    createOrFail("taken", 1);
    CreatableTopic badConfig = topic("bad-config", 1, 1);
    badConfig.configs().add(new CreatableTopicConfig().setName("retention.ms").setValue("soon"));
    CreatableTopic unknownConfig = topic("unknown-config", 1, 1);
    unknownConfig.configs().add(new CreatableTopicConfig().setName("no.such.config").setValue("1"));
    CreatableTopic assigned = topic("assigned", -1, -1);
    assigned.assignments().add(new CreatableReplicaAssignment().setPartitionIndex(0).setBrokerIds(List.of(0)));
    CreateTopicsResponseData response = create(false, topic("taken", 1, 1), topic("zero", 0, 1),
        topic("huge", Integer.MAX_VALUE, 1),
        topic("too-many-copies", 1, 3), badConfig, unknownConfig, topic("bad/name", 1, 1), assigned,
        topic("fine", 2, 1));

    Map<String, Errors> expected = Map.of("taken", Errors.TOPIC_ALREADY_EXISTS, "zero", Errors.INVALID_PARTITIONS,
        "huge", Errors.INVALID_PARTITIONS,
        "too-many-copies", Errors.INVALID_REPLICATION_FACTOR, "bad-config", Errors.INVALID_CONFIG,
        "unknown-config", Errors.INVALID_CONFIG, "bad/name", Errors.INVALID_TOPIC_EXCEPTION,
        "assigned", Errors.INVALID_REPLICA_ASSIGNMENT, "fine", Errors.NONE);
    expected.forEach((name, error) -> {
      CreatableTopicResult result = response.topics().find(name);
      assertEquals(error.code(), result.errorCode(), name + ": " + result.errorMessage());
      if (error != Errors.NONE) {
        assertNotNull(result.errorMessage(), name);
        assertEquals(-1, result.numPartitions(), name);
      }
    });
    assertTrue(response.topics().find("assigned").errorMessage().contains("replica assignments"));
    assertTrue(response.topics().find("bad-config").errorMessage().contains("retention.ms"));
  }

  @Test
  void theOldestVersionsAreAnsweredToo() throws IOException {
    CreateTopicsRequestData request = new CreateTopicsRequestData().setTimeoutMs(10_000);
    request.topics().add(topic("old-client", 1, 1));
    request.topics().add(topic("old-client-bad", 0, 1));
    CreateTopicsResponseData created = call(ApiKeys.CREATE_TOPICS, (short) 2, request);
    assertEquals(Errors.NONE.code(), created.topics().find("old-client").errorCode());
    assertEquals(Errors.INVALID_PARTITIONS.code(), created.topics().find("old-client-bad").errorCode());

    DescribeConfigsResponseData configs = call(ApiKeys.DESCRIBE_CONFIGS, (short) 1, new DescribeConfigsRequestData()
        .setIncludeSynonyms(true).setResources(List.of(new DescribeConfigsResource().setResourceType(TOPIC)
            .setResourceName("old-client").setConfigurationKeys(null))));
    assertEquals(17, configs.results().get(0).configs().size());

    DeleteTopicsResponseData deleted = call(ApiKeys.DELETE_TOPICS, (short) 1, new DeleteTopicsRequestData()
        .setTopicNames(List.of("old-client")).setTimeoutMs(10_000));
    assertEquals(Errors.NONE.code(), deleted.responses().find("old-client").errorCode());

    CreatePartitionsResponseData grown = call(ApiKeys.CREATE_PARTITIONS, (short) 0, new CreatePartitionsRequestData()
        .setTimeoutMs(10_000));
    assertTrue(grown.results().isEmpty());
    ElectLeadersResponseData elected = call(ApiKeys.ELECT_LEADERS, (short) 0, new ElectLeadersRequestData()
        .setTopicPartitions(partitions("old-client-absent", 0)).setTimeoutMs(10_000));
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
        elected.replicaElectionResults().get(0).partitionResult().get(0).errorCode());
  }

  @Test
  void createTopicsWithValidateOnlyCreatesNothing() throws IOException {
    CreatableTopicResult checked = create(true, topic("checked-only", 4, 1)).topics().find("checked-only");
    assertEquals(Errors.NONE.code(), checked.errorCode(), checked.errorMessage());
    assertEquals(4, checked.numPartitions());
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
        describePartitions(100, null, "checked-only").topics().find("checked-only").errorCode());
    createOrFail("checked-only", 2);
  }

  @Test
  void deleteTopicsByNameAndByIdAnswersUnknownOnesWithTheirErrors() throws IOException {
    createOrFail("doomed-by-name", 1);
    createOrFail("doomed-by-id", 1);
    Uuid id = describePartitions(100, null, "doomed-by-id").topics().find("doomed-by-id").topicId();

    DeleteTopicsResponseData byName = call(ApiKeys.DELETE_TOPICS, (short) 5, new DeleteTopicsRequestData()
        .setTopicNames(List.of("doomed-by-name", "never-was")).setTimeoutMs(10_000));
    assertEquals(Errors.NONE.code(), byName.responses().find("doomed-by-name").errorCode());
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), byName.responses().find("never-was").errorCode());

    Uuid unknownId = Uuid.randomUuid();
    DeleteTopicsResponseData byId = call(ApiKeys.DELETE_TOPICS, (short) 6, new DeleteTopicsRequestData()
        .setTopics(List.of(new DeleteTopicState().setTopicId(id), new DeleteTopicState().setTopicId(unknownId)))
        .setTimeoutMs(10_000));
    Map<Uuid, DeletableTopicResult> results = byId.responses().stream()
        .collect(Collectors.toMap(DeletableTopicResult::topicId, Function.identity()));
    assertEquals(Errors.NONE.code(), results.get(id).errorCode());
    assertEquals("doomed-by-id", results.get(id).name());
    assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), results.get(unknownId).errorCode());

    DescribeTopicPartitionsResponseData after = describePartitions(100, null, "doomed-by-name", "doomed-by-id");
    after.topics().forEach(t -> assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), t.errorCode(), t.name()));
  }

  private CreatePartitionsResponseData createPartitions(boolean validateOnly, CreatePartitionsTopic... topics)
      throws IOException {
    CreatePartitionsRequestData request = new CreatePartitionsRequestData().setTimeoutMs(10_000)
        .setValidateOnly(validateOnly);
    for (CreatePartitionsTopic topic : topics) {
      request.topics().add(topic);
    }
    return call(ApiKeys.CREATE_PARTITIONS, (short) 3, request);
  }

  private static CreatePartitionsTopic grow(String name, int count) {
    return new CreatePartitionsTopic().setName(name).setCount(count).setAssignments(null);
  }

  @Test
  void createPartitionsGrowsTopicsAndRefusesToShrinkThem() throws IOException {
    createOrFail("grown", 2);
    createOrFail("kept", 3);

    CreatePartitionsResponseData checked = createPartitions(true, grow("grown", 5));
    assertEquals(Errors.NONE.code(), checked.results().get(0).errorCode());
    assertEquals(2, describePartitions(100, null, "grown").topics().find("grown").partitions().size());

    CreatePartitionsResponseData response = createPartitions(false, grow("grown", 5), grow("kept", 2),
        grow("kept", 3), grow("absent", 2),
        new CreatePartitionsTopic().setName("assigned").setCount(4)
            .setAssignments(List.of(new CreatePartitionsAssignment().setBrokerIds(List.of(0)))));
    Map<String, CreatePartitionsTopicResult> results = response.results().stream()
        .collect(Collectors.toMap(CreatePartitionsTopicResult::name, Function.identity(), (a, b) -> a));
    assertEquals(4, response.results().size(), "one answer per topic, duplicates included");
    assertEquals(Errors.NONE.code(), results.get("grown").errorCode(), results.get("grown").errorMessage());
    assertEquals(Errors.INVALID_REQUEST.code(), results.get("kept").errorCode(), "named twice");
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), results.get("absent").errorCode());
    assertEquals(Errors.INVALID_REPLICA_ASSIGNMENT.code(), results.get("assigned").errorCode());

    CreatePartitionsTopicResult shrink = createPartitions(false, grow("kept", 2)).results().get(0);
    assertEquals(Errors.INVALID_PARTITIONS.code(), shrink.errorCode());
    assertTrue(shrink.errorMessage().contains("has 3 partitions"), shrink.errorMessage());
    assertEquals(Errors.INVALID_PARTITIONS.code(), createPartitions(false, grow("kept", 3)).results().get(0).errorCode());
    assertEquals(Errors.INVALID_PARTITIONS.code(),
        createPartitions(false, grow("kept", Integer.MAX_VALUE)).results().get(0).errorCode());

    DescribeTopicPartitionsResponseTopic grown = describePartitions(100, null, "grown").topics().find("grown");
    assertEquals(5, grown.partitions().size());
    DescribeTopicPartitionsResponsePartition added = grown.partitions().get(4);
    assertEquals(4, added.partitionIndex());
    assertEquals(List.of(0), added.replicaNodes());
    assertEquals(0, added.leaderId());
  }

  @Test
  void describeConfigsTellsOverridesFromDefaultsWithSynonymsAndTypes() throws IOException {
    CreatableTopic configured = topic("described", 1, 1);
    configured.configs().add(new CreatableTopicConfig().setName("cleanup.policy").setValue("compact"));
    create(false, configured);

    DescribeConfigsResult result = describeConfigs(TOPIC, "described", true, null);
    assertEquals(Errors.NONE.code(), result.errorCode(), result.errorMessage());
    Map<String, DescribeConfigsResourceResult> configs = byName(result);
    DescribeConfigsResourceResult policy = configs.get("cleanup.policy");
    assertEquals("compact", policy.value());
    assertEquals(ConfigSource.TOPIC_CONFIG.id(), policy.configSource());
    assertEquals(ConfigType.LIST.id(), policy.configType());
    assertEquals(List.of("cleanup.policy", "log.cleanup.policy"),
        policy.synonyms().stream().map(s -> s.name()).toList());
    assertEquals("delete", policy.synonyms().get(1).value());
    assertNull(policy.documentation());

    DescribeConfigsResourceResult retention = configs.get("retention.ms");
    assertEquals(ConfigSource.DEFAULT_CONFIG.id(), retention.configSource());
    assertEquals("604800000", retention.value());
    assertEquals(ConfigType.LONG.id(), retention.configType());
    assertTrue(!retention.readOnly());

    DescribeConfigsResult some = describeConfigs(TOPIC, "described", false, List.of("retention.ms", "no.such"));
    assertEquals(List.of("retention.ms"), some.configs().stream().map(DescribeConfigsResourceResult::name).toList());
    assertTrue(some.configs().get(0).synonyms().isEmpty(), "no synonyms unless asked");
  }

  @Test
  void describeConfigsOfThisBrokerAndErrorsForOtherResources() throws IOException {
    DescribeConfigsResult brokerConfigs = describeConfigs(BROKER, "0", false, null);
    assertEquals(Errors.NONE.code(), brokerConfigs.errorCode(), brokerConfigs.errorMessage());
    Map<String, DescribeConfigsResourceResult> configs = byName(brokerConfigs);
    assertEquals("0", configs.get("broker.id").value());
    assertEquals("1", configs.get("num.partitions").value());
    assertEquals("604800000", configs.get("log.retention.ms").value());
    assertTrue(configs.get("log.retention.ms").readOnly());
    assertEquals(Errors.NONE.code(), describeConfigs(BROKER, "", false, null).errorCode(), "cluster defaults");

    assertEquals(Errors.INVALID_REQUEST.code(), describeConfigs(BROKER, "7", false, null).errorCode());
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), describeConfigs(TOPIC, "no-such-topic", false, null).errorCode());
    DescribeConfigsResult group = describeConfigs(ConfigResource.Type.GROUP.id(), "g", false, null);
    assertEquals(Errors.INVALID_REQUEST.code(), group.errorCode());
    assertTrue(group.errorMessage().contains("GROUP"), group.errorMessage());
    assertEquals(Errors.INVALID_REQUEST.code(), describeConfigs((byte) 99, "x", false, null).errorCode());
  }

  private AlterConfigsResponseData.AlterConfigsResourceResponse alterConfigs(byte type, String name,
      boolean validateOnly, Map<String, String> configs) throws IOException {
    AlterConfigsRequestData.AlterConfigsResource resource = new AlterConfigsRequestData.AlterConfigsResource()
        .setResourceType(type).setResourceName(name);
    configs.forEach((key, value) -> resource.configs().add(
        new AlterConfigsRequestData.AlterableConfig().setName(key).setValue(value)));
    AlterConfigsRequestData request = new AlterConfigsRequestData().setValidateOnly(validateOnly);
    request.resources().add(resource);
    AlterConfigsResponseData response = call(ApiKeys.ALTER_CONFIGS, (short) 2, request);
    return response.responses().get(0);
  }

  @Test
  void alterConfigsReplacesEveryOverride() throws IOException {
    CreatableTopic configured = topic("replaced", 1, 1);
    configured.configs().add(new CreatableTopicConfig().setName("retention.ms").setValue("60000"));
    create(false, configured);

    assertEquals(Errors.NONE.code(), alterConfigs(TOPIC, "replaced", true, Map.of("segment.ms", "1000")).errorCode());
    assertEquals(Map.of("retention.ms", "60000"), overrides("replaced"), "validate_only changes nothing");

    assertEquals(Errors.NONE.code(), alterConfigs(TOPIC, "replaced", false, Map.of("segment.ms", "1000")).errorCode());
    assertEquals(Map.of("segment.ms", "1000"), overrides("replaced"));

    AlterConfigsResponseData.AlterConfigsResourceResponse bad =
        alterConfigs(TOPIC, "replaced", false, Map.of("segment.ms", "often"));
    assertEquals(Errors.INVALID_CONFIG.code(), bad.errorCode());
    assertTrue(bad.errorMessage().contains("segment.ms"), bad.errorMessage());
    assertEquals(Errors.INVALID_CONFIG.code(), alterConfigs(TOPIC, "replaced", false, Map.of("bogus", "1")).errorCode());
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), alterConfigs(TOPIC, "absent", false, Map.of()).errorCode());
    assertEquals(Errors.INVALID_REQUEST.code(), alterConfigs(BROKER, "0", false, Map.of("num.partitions", "3")).errorCode());
    assertEquals(Map.of("segment.ms", "1000"), overrides("replaced"));
  }

  private record Op(String name, byte op, String value) {}

  private IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse incremental(byte type, String name,
      boolean validateOnly, Op... ops) throws IOException {
    IncrementalAlterConfigsRequestData.AlterConfigsResource resource =
        new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType(type).setResourceName(name);
    for (Op op : ops) {
      resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig()
          .setName(op.name()).setConfigOperation(op.op()).setValue(op.value()));
    }
    IncrementalAlterConfigsRequestData request = new IncrementalAlterConfigsRequestData().setValidateOnly(validateOnly);
    request.resources().add(resource);
    IncrementalAlterConfigsResponseData response = call(ApiKeys.INCREMENTAL_ALTER_CONFIGS, (short) 1, request);
    return response.responses().get(0);
  }

  private static final byte SET = 0;
  private static final byte DELETE = 1;
  private static final byte APPEND = 2;
  private static final byte SUBTRACT = 3;

  @Test
  void incrementalAlterConfigsSetsDeletesAppendsAndSubtracts() throws IOException {
    CreatableTopic configured = topic("incremental", 1, 1);
    configured.configs().add(new CreatableTopicConfig().setName("retention.ms").setValue("60000"));
    create(false, configured);

    assertEquals(Errors.NONE.code(), incremental(TOPIC, "incremental", false,
        new Op("segment.ms", SET, "1000"), new Op("retention.ms", DELETE, null),
        new Op("cleanup.policy", APPEND, "compact")).errorCode());
    assertEquals(Map.of("segment.ms", "1000", "cleanup.policy", "compact,delete"), overrides("incremental"));

    assertEquals(Errors.NONE.code(),
        incremental(TOPIC, "incremental", true, new Op("cleanup.policy", SUBTRACT, "delete")).errorCode());
    assertEquals("compact,delete", overrides("incremental").get("cleanup.policy"), "validate_only changes nothing");
    assertEquals(Errors.NONE.code(),
        incremental(TOPIC, "incremental", false, new Op("cleanup.policy", SUBTRACT, "delete")).errorCode());
    assertEquals("compact", overrides("incremental").get("cleanup.policy"));
  }

  @Test
  void incrementalAlterConfigsRefusesBadChangesAndKeepsTheTopicAsItWas() throws IOException {
    createOrFail("incremental-errors", 1);
    var notAList = incremental(TOPIC, "incremental-errors", false, new Op("retention.ms", APPEND, "5"));
    assertEquals(Errors.INVALID_CONFIG.code(), notAList.errorCode());
    assertTrue(notAList.errorMessage().contains("list"), notAList.errorMessage());
    assertEquals(Errors.INVALID_CONFIG.code(),
        incremental(TOPIC, "incremental-errors", false, new Op("bogus", SET, "1")).errorCode());
    assertEquals(Errors.INVALID_CONFIG.code(),
        incremental(TOPIC, "incremental-errors", false, new Op("bogus", DELETE, null)).errorCode());
    assertEquals(Errors.INVALID_CONFIG.code(),
        incremental(TOPIC, "incremental-errors", false, new Op("max.message.bytes", SET, "-5")).errorCode());
    assertEquals(Errors.INVALID_REQUEST.code(),
        incremental(TOPIC, "incremental-errors", false, new Op("segment.ms", (byte) 9, "1")).errorCode());
    assertEquals(Errors.INVALID_REQUEST.code(), incremental(TOPIC, "incremental-errors", false,
        new Op("segment.ms", SET, "1"), new Op("segment.ms", SET, "2")).errorCode());
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
        incremental(TOPIC, "absent", false, new Op("segment.ms", SET, "1")).errorCode());
    assertEquals(Errors.INVALID_REQUEST.code(),
        incremental(BROKER, "0", false, new Op("num.partitions", SET, "3")).errorCode());
    assertEquals(Errors.INVALID_REQUEST.code(),
        incremental((byte) 99, "x", false, new Op("segment.ms", SET, "1")).errorCode());
    assertEquals(Map.of(), overrides("incremental-errors"));
  }

  @Test
  void describeClusterListsTheBrokersAtTheirKafkaListeners() throws IOException {
    DescribeClusterResponseData cluster = call(ApiKeys.DESCRIBE_CLUSTER, (short) 2,
        new DescribeClusterRequestData().setEndpointType((byte) 1));
    assertEquals(Errors.NONE.code(), cluster.errorCode());
    assertEquals(1, cluster.brokers().size());
    DescribeClusterResponseData.DescribeClusterBroker self = cluster.brokers().iterator().next();
    assertEquals(0, self.brokerId());
    assertEquals("127.0.0.1", self.host());
    assertEquals(broker.node().kafkaPort(), self.port());
    assertEquals(0, cluster.controllerId());
    assertNotNull(cluster.clusterId());
    assertEquals(1, cluster.endpointType());

    DescribeClusterResponseData controllers = call(ApiKeys.DESCRIBE_CLUSTER, (short) 1,
        new DescribeClusterRequestData().setEndpointType((byte) 2));
    assertEquals(Errors.UNSUPPORTED_ENDPOINT_TYPE.code(), controllers.errorCode());
    DescribeClusterResponseData v0 = call(ApiKeys.DESCRIBE_CLUSTER, (short) 0, new DescribeClusterRequestData());
    assertEquals(Errors.NONE.code(), v0.errorCode());
  }

  @Test
  void describeTopicPartitionsPagesThroughTopicsInNameOrder() throws IOException {
    createOrFail("paged-a", 2);
    createOrFail("paged-b", 3);
    createOrFail("paged-c", 1);

    DescribeTopicPartitionsResponseData first = describePartitions(3, null, "paged-c", "paged-a", "paged-b", "paged-x");
    assertEquals(List.of("paged-a", "paged-b"), first.topics().stream().map(t -> t.name()).toList());
    assertEquals(2, first.topics().find("paged-a").partitions().size());
    assertEquals(List.of(0), first.topics().find("paged-b").partitions().stream().map(p -> p.partitionIndex()).toList());
    assertEquals("paged-b", first.nextCursor().topicName());
    assertEquals(1, first.nextCursor().partitionIndex());

    DescribeTopicPartitionsResponseData second = describePartitions(3, new DescribeTopicPartitionsRequestData.Cursor()
        .setTopicName("paged-b").setPartitionIndex(1), "paged-c", "paged-a", "paged-b", "paged-x");
    assertEquals(List.of("paged-b", "paged-c"), second.topics().stream().map(t -> t.name()).toList());
    assertEquals(List.of(1, 2),
        second.topics().find("paged-b").partitions().stream().map(p -> p.partitionIndex()).toList());
    assertEquals("paged-x", second.nextCursor().topicName());
    assertEquals(0, second.nextCursor().partitionIndex());

    DescribeTopicPartitionsResponseData third = describePartitions(3, new DescribeTopicPartitionsRequestData.Cursor()
        .setTopicName("paged-x").setPartitionIndex(0), "paged-c", "paged-a", "paged-b", "paged-x");
    assertEquals(List.of("paged-x"), third.topics().stream().map(t -> t.name()).toList());
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), third.topics().find("paged-x").errorCode());
    assertNull(third.nextCursor());

    DescribeTopicPartitionsResponsePartition partition = second.topics().find("paged-c").partitions().get(0);
    assertEquals(0, partition.leaderId());
    assertEquals(List.of(0), partition.replicaNodes());
    assertEquals(List.of(0), partition.isrNodes());
    assertEquals(List.of(), partition.eligibleLeaderReplicas());
    assertEquals(List.of(), partition.offlineReplicas());

    DescribeTopicPartitionsResponseData all = describePartitions(2000, null);
    assertTrue(all.topics().stream().map(t -> t.name()).toList().containsAll(List.of("paged-a", "paged-b", "paged-c")));
  }

  @Test
  void describeTopicPartitionsRefusesACursorOutsideTheRequestAndKeepsServing() throws IOException {
    createOrFail("cursor-topic", 1);
    DescribeTopicPartitionsResponseData refused = describePartitions(10,
        new DescribeTopicPartitionsRequestData.Cursor().setTopicName("elsewhere").setPartitionIndex(0), "cursor-topic");
    assertTrue(refused.topics().stream().allMatch(t -> t.errorCode() == Errors.INVALID_REQUEST.code()), refused.toString());
    assertEquals(Errors.NONE.code(), describePartitions(10, null, "cursor-topic").topics().find("cursor-topic").errorCode());
  }

  private static ElectLeadersRequestData.TopicPartitionsCollection partitions(String topic, Integer... partitions) {
    ElectLeadersRequestData.TopicPartitionsCollection collection = new ElectLeadersRequestData.TopicPartitionsCollection();
    collection.add(new TopicPartitions().setTopic(topic).setPartitions(List.of(partitions)));
    return collection;
  }

  private DeleteRecordsResponseData deleteRecords(String topic, long... offsetsByPartition) throws IOException {
    DeleteRecordsRequestData.DeleteRecordsTopic entry = new DeleteRecordsRequestData.DeleteRecordsTopic().setName(topic);
    for (int p = 0; p < offsetsByPartition.length; p++) {
      entry.partitions().add(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(p)
          .setOffset(offsetsByPartition[p]));
    }
    return call(ApiKeys.DELETE_RECORDS, (short) 2, new DeleteRecordsRequestData().setTimeoutMs(10_000)
        .setTopics(List.of(entry)));
  }

  private static DeleteRecordsResponseData.DeleteRecordsPartitionResult only(DeleteRecordsResponseData response,
      int partition) {
    return response.topics().iterator().next().partitions().find(partition);
  }

  @Test
  void deleteRecordsAdvancesTheLowWatermarkUpToTheHighWatermark() throws IOException {
    createOrFail("trimmed", 3);
    var producer = ProducerServiceGrpc.newBlockingStub(broker.channel());
    for (int p = 0; p < 2; p++) {
      producer.produce(ProduceRequest.newBuilder().setTopic("trimmed").setPartition(p).setAcks(-1)
          .setRecords(Batches.of("a", "b", "c", "d", "e")).build());
    }

    DeleteRecordsResponseData response = deleteRecords("trimmed", 3, -1, 1);
    assertEquals(Errors.NONE.code(), only(response, 0).errorCode());
    assertEquals(3, only(response, 0).lowWatermark());
    assertEquals(Errors.NONE.code(), only(response, 1).errorCode());
    assertEquals(5, only(response, 1).lowWatermark(), "-1 deletes up to the high watermark");
    assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), only(response, 2).errorCode(), "the partition is empty");
    assertEquals(-1, only(response, 2).lowWatermark());

    assertEquals(3, only(deleteRecords("trimmed", 1), 0).lowWatermark(), "the start never moves back");
    assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), only(deleteRecords("trimmed", 6), 0).errorCode());
    assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), only(deleteRecords("trimmed", -7), 0).errorCode());
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), only(deleteRecords("untrimmed-absent", 1), 0).errorCode());

    var fetched = ConsumerServiceGrpc.newBlockingStub(broker.channel()).listOffsets(ListOffsetsRequest.newBuilder()
        .setTopic("trimmed").setPartition(0).setSpec(OffsetSpec.EARLIEST).build());
    assertEquals(3, fetched.getOffset());
  }

  @Test
  void electLeadersAnswersThatThePreferredReplicaAlreadyLeads() throws IOException {
    createOrFail("elected", 2);
    ElectLeadersResponseData preferred = call(ApiKeys.ELECT_LEADERS, (short) 2, new ElectLeadersRequestData()
        .setElectionType((byte) 0).setTimeoutMs(10_000)
        .setTopicPartitions(partitions("elected", 0, 1, 7)));
    assertEquals(Errors.NONE.code(), preferred.errorCode());
    Map<Integer, PartitionResult> results = preferred.replicaElectionResults().get(0).partitionResult().stream()
        .collect(Collectors.toMap(PartitionResult::partitionId, Function.identity()));
    assertEquals(Errors.ELECTION_NOT_NEEDED.code(), results.get(0).errorCode());
    assertEquals(Errors.ELECTION_NOT_NEEDED.code(), results.get(1).errorCode());
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), results.get(7).errorCode());

    ElectLeadersResponseData unclean = call(ApiKeys.ELECT_LEADERS, (short) 2, new ElectLeadersRequestData()
        .setElectionType((byte) 1).setTimeoutMs(10_000)
        .setTopicPartitions(partitions("elected", 0)));
    assertEquals(Errors.ELECTION_NOT_NEEDED.code(),
        unclean.replicaElectionResults().get(0).partitionResult().get(0).errorCode());

    ElectLeadersResponseData unknownType = call(ApiKeys.ELECT_LEADERS, (short) 2, new ElectLeadersRequestData()
        .setElectionType((byte) 5).setTimeoutMs(10_000).setTopicPartitions(null));
    assertEquals(Errors.INVALID_REQUEST.code(), unknownType.errorCode());
  }

  @Test
  void aclApisAnswerSecurityDisabledWithoutAnAuthorizerAsKafkaDoes() throws IOException {
    DescribeAclsResponseData described = call(ApiKeys.DESCRIBE_ACLS, (short) 3, new DescribeAclsRequestData()
        .setResourceTypeFilter((byte) 1).setPatternTypeFilter((byte) 1).setOperation((byte) 1)
        .setPermissionType((byte) 1));
    assertEquals(Errors.SECURITY_DISABLED.code(), described.errorCode());

    CreateAclsResponseData created = call(ApiKeys.CREATE_ACLS, (short) 3, new CreateAclsRequestData()
        .setCreations(List.of(new AclCreation().setResourceType((byte) 2).setResourceName("orders")
            .setResourcePatternType((byte) 3).setPrincipal("User:alice").setHost("*").setOperation((byte) 3)
            .setPermissionType((byte) 3))));
    assertEquals(Errors.SECURITY_DISABLED.code(), created.results().get(0).errorCode());

    DeleteAclsResponseData deleted = call(ApiKeys.DELETE_ACLS, (short) 3, new DeleteAclsRequestData()
        .setFilters(List.of(new DeleteAclsFilter().setResourceTypeFilter((byte) 1).setPatternTypeFilter((byte) 1)
            .setOperation((byte) 1).setPermissionType((byte) 1))));
    assertEquals(Errors.SECURITY_DISABLED.code(), deleted.filterResults().get(0).errorCode());
  }
}
