package io.skein.client;

import io.skein.proto.v1.AclBinding;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.AlterClientQuotasRequest;
import io.skein.proto.v1.AlterTopicConfigsRequest;
import io.skein.proto.v1.ClientQuotaEntry;
import io.skein.proto.v1.CreateAclsRequest;
import io.skein.proto.v1.CreatePartitionsRequest;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.DeleteAclsRequest;
import io.skein.proto.v1.DeleteGroupRequest;
import io.skein.proto.v1.DeleteTopicRequest;
import io.skein.proto.v1.DeleteUserRequest;
import io.skein.proto.v1.DescribeClientQuotasRequest;
import io.skein.proto.v1.DescribeGroupRequest;
import io.skein.proto.v1.DescribeGroupResponse;
import io.skein.proto.v1.DescribeClusterRequest;
import io.skein.proto.v1.DescribeClusterResponse;
import io.skein.proto.v1.DescribeTopicsRequest;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.GroupListing;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.ListAclsRequest;
import io.skein.proto.v1.ListGroupsRequest;
import io.skein.proto.v1.ListOffsetsResponse;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.proto.v1.ListUsersRequest;
import io.skein.proto.v1.MetadataResponse;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.QuotaEntityPart;
import io.skein.proto.v1.QuotaFilterComponent;
import io.skein.proto.v1.ResetOffsetsRequest;
import io.skein.proto.v1.ResetOffsetsResponse;
import io.skein.proto.v1.TopicDescription;
import io.skein.proto.v1.UpsertUserRequest;
import io.skein.proto.v1.UserDescription;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Topic, consumer group, SCRAM user, client quota, ACL and cluster administration. Calls block until the
 * broker answers (at most {@code request.timeout.ms}); failures are {@link SkeinException}s. Thread-safe.
 */
public final class Admin implements AutoCloseable {

  private final ClusterMetadata metadata;
  private final long requestTimeoutMs;

  private Admin(Map<String, ?> config, ChannelFactory channelFactory) {
    Configs configs = new Configs(config);
    List<HostPort> bootstrap = HostPort.parseList(configs.requiredString("bootstrap.servers"));
    this.requestTimeoutMs = configs.longValue("request.timeout.ms", 30_000, 1, Integer.MAX_VALUE);
    long retryBackoffMs = configs.longValue("retry.backoff.ms", 100, 0, Long.MAX_VALUE);
    // Admins always want current leaders, so nothing is cached for long.
    this.metadata = new ClusterMetadata(bootstrap, channelFactory, 0, requestTimeoutMs, retryBackoffMs);
  }

  public static Admin create(String bootstrapServers) {
    return create(Map.of("bootstrap.servers", bootstrapServers));
  }

  public static Admin create(Map<String, ?> config) {
    return new Admin(config, ChannelFactory.plaintext());
  }

  /** With a custom way to open broker channels (TLS, or an in-process server in tests). */
  public static Admin create(Map<String, ?> config, ChannelFactory channelFactory) {
    return new Admin(config, channelFactory);
  }

  public TopicDescription createTopic(
      String name, int partitions, int replicationFactor, Map<String, String> configs) {
    CreateTopicRequest request =
        CreateTopicRequest.newBuilder()
            .setName(name)
            .setPartitions(partitions)
            .setReplicationFactor(replicationFactor)
            .putAllConfigs(configs)
            .build();
    return call(stub -> stub.createTopic(request)).getTopic();
  }

  public void deleteTopic(String name) {
    call(stub -> stub.deleteTopic(DeleteTopicRequest.newBuilder().setName(name).build()));
  }

  /** Topic names, sorted. */
  public List<String> listTopics() {
    return call(stub -> stub.listTopics(ListTopicsRequest.getDefaultInstance())).getNamesList();
  }

  /** Describes these topics; none means all. */
  public List<TopicDescription> describeTopics(Collection<String> names) {
    return call(stub -> stub.describeTopics(DescribeTopicsRequest.newBuilder().addAllNames(names).build()))
        .getTopicsList();
  }

  /** Sets and removes per-topic config overrides; returns the topic as it is afterwards. */
  public TopicDescription alterTopicConfigs(String name, Map<String, String> set, Collection<String> delete) {
    AlterTopicConfigsRequest request =
        AlterTopicConfigsRequest.newBuilder().setName(name).putAllSet(set).addAllDelete(delete).build();
    return call(stub -> stub.alterTopicConfigs(request)).getTopic();
  }

  /**
   * Grows a topic to {@code totalCount} partitions; returns the topic as it is afterwards.
   * Producers hash keys over the new count once their metadata is refreshed.
   */
  public TopicDescription createPartitions(String name, int totalCount) {
    CreatePartitionsRequest request = CreatePartitionsRequest.newBuilder().setName(name).setTotalCount(totalCount).build();
    return call(stub -> stub.createPartitions(request)).getTopic();
  }

  public DescribeClusterResponse describeCluster() {
    return call(stub -> stub.describeCluster(DescribeClusterRequest.getDefaultInstance()));
  }

  /** Brokers and partition leaders of these topics (none means all). */
  public MetadataResponse metadata(Collection<String> topics) {
    return metadata.fetch(topics);
  }

  /**
   * The earliest or latest offset of a partition, or with {@code OFFSET_SPEC_EXPLICIT} the
   * first offset whose timestamp is at or after {@code timestamp}. Asks the partition's leader.
   */
  public ListOffsetsResponse listOffsets(TopicPartition partition, OffsetSpec spec, long timestamp) {
    return metadata.listOffsets(partition, spec, timestamp, requestTimeoutMs);
  }

  /** Consumer groups, sorted by id. */
  public List<GroupListing> listGroups() {
    return groupCall(stub -> stub.listGroups(ListGroupsRequest.getDefaultInstance())).getGroupsList();
  }

  /** A group's state, members and per-partition lag; GROUP_ID_NOT_FOUND if it does not exist. */
  public DescribeGroupResponse describeGroup(String groupId) {
    return groupCall(stub -> stub.describeGroup(DescribeGroupRequest.newBuilder().setGroupId(groupId).build()));
  }

  /** Every committed offset of a group; GROUP_ID_NOT_FOUND if it does not exist. */
  public Map<TopicPartition, OffsetAndMetadata> listGroupOffsets(String groupId) {
    return metadata.committedOffsets(groupId, List.of(), requestTimeoutMs);
  }

  /**
   * Computes (and with {@code execute} commits) new offsets for a group without members;
   * NON_EMPTY_GROUP while it has some.
   */
  public ResetOffsetsResponse resetOffsets(ResetOffsetsRequest request) {
    return groupCall(stub -> stub.resetOffsets(request));
  }

  /** Deletes a group without members and its offsets. */
  public void deleteGroup(String groupId) {
    groupCall(stub -> stub.deleteGroup(DeleteGroupRequest.newBuilder().setGroupId(groupId).build()));
  }

  /** The cluster's SCRAM users with their mechanisms and iterations, by name. */
  public List<UserDescription> listUsers() {
    return call(stub -> stub.listUsers(ListUsersRequest.getDefaultInstance())).getUsersList();
  }

  /**
   * Creates a SCRAM user or sets its password, for {@code mechanisms} (none: SCRAM-SHA-256 and
   * SCRAM-SHA-512) with {@code iterations} (0: 4096); returns the user as it is afterwards.
   */
  public UserDescription upsertUser(String name, String password, Collection<String> mechanisms, int iterations) {
    UpsertUserRequest request = UpsertUserRequest.newBuilder().setName(name).setPassword(password)
        .addAllMechanisms(mechanisms).setIterations(iterations).build();
    return call(stub -> stub.upsertUser(request)).getUser();
  }

  /** Removes a user's credentials of {@code mechanisms} (none: all); RESOURCE_NOT_FOUND if it has none. */
  public void deleteUser(String name, Collection<String> mechanisms) {
    call(stub -> stub.deleteUser(DeleteUserRequest.newBuilder().setName(name).addAllMechanisms(mechanisms).build()));
  }

  /** The client quotas of the entities every component matches (none: all), as Kafka's DescribeClientQuotas. */
  public List<ClientQuotaEntry> describeClientQuotas(List<QuotaFilterComponent> filter, boolean strict) {
    return call(stub -> stub.describeClientQuotas(DescribeClientQuotasRequest.newBuilder().addAllComponents(filter)
        .setStrict(strict).build())).getEntriesList();
  }

  /** Sets the quotas {@code set} and removes those {@code remove} names of one entity, as Kafka's AlterClientQuotas. */
  public void alterClientQuotas(List<QuotaEntityPart> entity, Map<String, Double> set, Collection<String> remove) {
    call(stub -> stub.alterClientQuotas(AlterClientQuotasRequest.newBuilder().addAllEntity(entity).putAllSet(set)
        .addAllRemove(remove).build()));
  }

  /** The ACLs {@code filter} matches (empty fields match every value), as Kafka's DescribeAcls. */
  public List<AclBinding> listAcls(AclBinding filter) {
    return call(stub -> stub.listAcls(ListAclsRequest.newBuilder().setFilter(filter).build())).getAclsList();
  }

  /** Stores ACLs, as Kafka's CreateAcls; the first binding the broker refuses fails the call with its error. */
  public void createAcls(Collection<AclBinding> bindings) {
    for (io.skein.proto.v1.Error result :
        call(stub -> stub.createAcls(CreateAclsRequest.newBuilder().addAllAcls(bindings).build())).getResultsList()) {
      if (result.getCode() != ErrorCode.NONE) {
        throw SkeinException.fromError(result);
      }
    }
  }

  /** Deletes every ACL one of the filters matches, as Kafka's DeleteAcls; returns those deleted. */
  public List<AclBinding> deleteAcls(Collection<AclBinding> filters) {
    return call(stub -> stub.deleteAcls(DeleteAclsRequest.newBuilder().addAllFilters(filters).build()))
        .getDeletedList();
  }

  private <T> T groupCall(Function<GroupServiceGrpc.GroupServiceBlockingStub, T> rpc) {
    try {
      return rpc.apply(
          GroupServiceGrpc.newBlockingStub(metadata.anyChannel())
              .withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS));
    } catch (RuntimeException e) {
      throw SkeinException.fromGrpc(e);
    }
  }

  private <T> T call(Function<AdminServiceGrpc.AdminServiceBlockingStub, T> rpc) {
    try {
      return rpc.apply(
          AdminServiceGrpc.newBlockingStub(metadata.anyChannel())
              .withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS));
    } catch (RuntimeException e) {
      throw SkeinException.fromGrpc(e);
    }
  }

  @Override
  public void close() {
    metadata.close();
  }
}
