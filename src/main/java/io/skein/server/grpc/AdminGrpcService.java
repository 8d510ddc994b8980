package io.skein.server.grpc;

import io.grpc.stub.StreamObserver;
import io.skein.broker.AclAdmin;
import io.skein.broker.QuotaAdmin;
import io.skein.broker.TopicAdmin;
import io.skein.broker.UserAdmin;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.ReplicaAssignment;
import io.skein.common.FailureException;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.AlterClientQuotasRequest;
import io.skein.proto.v1.AlterClientQuotasResponse;
import io.skein.proto.v1.ClientQuotaEntry;
import io.skein.proto.v1.DescribeClientQuotasRequest;
import io.skein.proto.v1.DescribeClientQuotasResponse;
import io.skein.proto.v1.QuotaEntityPart;
import io.skein.proto.v1.QuotaFilterComponent;
import io.skein.proto.v1.AlterTopicConfigsRequest;
import io.skein.proto.v1.AlterTopicConfigsResponse;
import io.skein.proto.v1.BrokerDescription;
import io.skein.proto.v1.ConfigEntry;
import io.skein.proto.v1.CreateAclsRequest;
import io.skein.proto.v1.CreateAclsResponse;
import io.skein.proto.v1.CreatePartitionsRequest;
import io.skein.proto.v1.CreatePartitionsResponse;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.CreateTopicResponse;
import io.skein.proto.v1.DeleteAclsRequest;
import io.skein.proto.v1.DeleteAclsResponse;
import io.skein.proto.v1.DeleteTopicRequest;
import io.skein.proto.v1.DeleteTopicResponse;
import io.skein.proto.v1.DeleteUserRequest;
import io.skein.proto.v1.DeleteUserResponse;
import io.skein.proto.v1.DescribeClusterRequest;
import io.skein.proto.v1.DescribeClusterResponse;
import io.skein.proto.v1.DescribeTopicsRequest;
import io.skein.proto.v1.DescribeTopicsResponse;
import io.skein.proto.v1.ListAclsRequest;
import io.skein.proto.v1.ListAclsResponse;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.proto.v1.ListTopicsResponse;
import io.skein.proto.v1.ListUsersRequest;
import io.skein.proto.v1.ListUsersResponse;
import io.skein.proto.v1.MetadataRequest;
import io.skein.proto.v1.MetadataResponse;
import io.skein.proto.v1.PartitionDescription;
import io.skein.proto.v1.PartitionMetadata;
import io.skein.proto.v1.TopicDescription;
import io.skein.proto.v1.TopicMetadata;
import io.skein.proto.v1.UpsertUserRequest;
import io.skein.proto.v1.UpsertUserResponse;
import io.skein.proto.v1.UserCredentialInfo;
import io.skein.proto.v1.UserDescription;
import io.skein.security.Acl;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** AdminService: topic, cluster, user, quota and ACL requests to the broker's administration and back. */
final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {

  private final TopicAdmin topics;
  private final UserAdmin users;
  private final QuotaAdmin quotas;
  private final AclAdmin acls;

  AdminGrpcService(TopicAdmin topics, UserAdmin users, QuotaAdmin quotas, AclAdmin acls) {
    this.acls = acls;
    this.topics = topics;
    this.users = users;
    this.quotas = quotas;
  }

  @Override
  public void describeClientQuotas(DescribeClientQuotasRequest request,
      StreamObserver<DescribeClientQuotasResponse> observer) {
    Replies.guard(observer, () -> {
      List<QuotaAdmin.FilterComponent> filter = new ArrayList<>();
      for (QuotaFilterComponent component : request.getComponentsList()) {
        QuotaAdmin.Match match = switch (component.getMatch()) {
          case EXACT -> QuotaAdmin.Match.EXACT;
          case DEFAULT -> QuotaAdmin.Match.DEFAULT;
          case ANY -> QuotaAdmin.Match.ANY;
          case UNRECOGNIZED -> throw new FailureException(io.skein.common.ErrorCode.INVALID_REQUEST,
              "unknown match " + component.getMatchValue());
        };
        filter.add(new QuotaAdmin.FilterComponent(component.getType(), match, component.getName()));
      }
      DescribeClientQuotasResponse.Builder response = DescribeClientQuotasResponse.newBuilder();
      for (QuotaAdmin.Described described : quotas.describe(filter, request.getStrict())) {
        ClientQuotaEntry.Builder entry = ClientQuotaEntry.newBuilder();
        described.entity().forEach(part -> entry.addEntity(part(part)));
        described.quotas().forEach((key, value) -> entry.putQuotas(key.configName(), value));
        response.addEntries(entry);
      }
      Replies.answer(observer, CompletableFuture.completedFuture(response.build()), built -> built);
    });
  }

  @Override
  public void alterClientQuotas(AlterClientQuotasRequest request, StreamObserver<AlterClientQuotasResponse> observer) {
    Replies.guard(observer, () -> {
      List<QuotaAdmin.EntityPart> entity = new ArrayList<>();
      request.getEntityList().forEach(part ->
          entity.add(new QuotaAdmin.EntityPart(part.getType(), part.hasName() ? part.getName() : null)));
      List<QuotaAdmin.Op> ops = new ArrayList<>();
      request.getSetMap().forEach((key, value) -> ops.add(new QuotaAdmin.Op(key, value, false)));
      request.getRemoveList().forEach(key -> ops.add(new QuotaAdmin.Op(key, 0, true)));
      Replies.answer(observer,
          quotas.alter(List.of(new QuotaAdmin.Change(entity, ops)), request.getValidateOnly()).thenApply(outcome -> {
            outcome.get(0).ifPresent(refused -> {
              throw new FailureException(refused);
            });
            return outcome;
          }),
          done -> AlterClientQuotasResponse.getDefaultInstance());
    });
  }

  private static QuotaEntityPart part(QuotaAdmin.EntityPart part) {
    QuotaEntityPart.Builder built = QuotaEntityPart.newBuilder().setType(part.type());
    if (part.name() != null) {
      built.setName(part.name());
    }
    return built.build();
  }

  @Override
  public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        CompletableFuture.completedFuture(users.users(CallerContext.current())),
        all -> ListUsersResponse.newBuilder().addAllUsers(all.stream().map(AdminGrpcService::user).toList()).build()));
  }

  @Override
  public void upsertUser(UpsertUserRequest request, StreamObserver<UpsertUserResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        users.setPassword(CallerContext.current(), request.getName(), request.getPassword(),
            request.getMechanismsList(),
            request.getIterations()),
        user -> UpsertUserResponse.newBuilder().setUser(user(user)).build()));
  }

  @Override
  public void deleteUser(DeleteUserRequest request, StreamObserver<DeleteUserResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, users.delete(CallerContext.current(), request.getName(),
        request.getMechanismsList()),
        deleted -> DeleteUserResponse.getDefaultInstance()));
  }

  private static UserDescription user(UserAdmin.UserInfo user) {
    UserDescription.Builder description = UserDescription.newBuilder().setName(user.name());
    user.credentials().forEach(credential -> description.addCredentials(UserCredentialInfo.newBuilder()
        .setMechanism(credential.mechanism().mechanismName()).setIterations(credential.iterations())));
    return description.build();
  }

  @Override
  public void listAcls(ListAclsRequest request, StreamObserver<ListAclsResponse> observer) {
    Replies.guard(observer, () -> {
      List<Acl> matched = acls.describe(CallerContext.current(), GrpcAcls.filter(request.getFilter()));
      observer.onNext(ListAclsResponse.newBuilder().addAllAcls(matched.stream().map(GrpcAcls::binding).toList())
          .build());
      observer.onCompleted();
    });
  }

  @Override
  public void createAcls(CreateAclsRequest request, StreamObserver<CreateAclsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        acls.create(CallerContext.current(), request.getAclsList().stream().map(GrpcAcls::acl).toList()),
        outcome -> CreateAclsResponse.newBuilder().addAllResults(outcome.stream()
            .map(failure -> failure.map(Replies::toError).orElse(Replies.NO_ERROR)).toList()).build()));
  }

  @Override
  public void deleteAcls(DeleteAclsRequest request, StreamObserver<DeleteAclsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        acls.delete(CallerContext.current(), request.getFiltersList().stream().map(GrpcAcls::filter).toList()),
        deleted -> DeleteAclsResponse.newBuilder().addAllDeleted(deleted.stream().flatMap(List::stream).distinct()
            .map(GrpcAcls::binding).toList()).build()));
  }

  @Override
  public void createTopic(CreateTopicRequest request, StreamObserver<CreateTopicResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        topics.createTopic(CallerContext.current(), request.getName(), request.getPartitions(),
            request.getReplicationFactor(),
            request.getConfigsMap(), request.getValidateOnly()),
        created -> CreateTopicResponse.newBuilder().setTopic(description(created)).build()));
  }

  @Override
  public void deleteTopic(DeleteTopicRequest request, StreamObserver<DeleteTopicResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, topics.deleteTopic(CallerContext.current(),
        request.getName()),
        deleted -> DeleteTopicResponse.getDefaultInstance()));
  }

  @Override
  public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, topics.metadata(CallerContext.current(), List.of()),
        listed -> ListTopicsResponse.newBuilder()
            .addAllNames(listed.topics().stream().map(TopicAdmin.TopicMetadata::name).toList()).build()));
  }

  @Override
  public void describeTopics(DescribeTopicsRequest request, StreamObserver<DescribeTopicsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        topics.describeTopics(CallerContext.current(), request.getNamesList()),
        described -> DescribeTopicsResponse.newBuilder()
            .addAllTopics(described.stream().map(AdminGrpcService::description).toList())
            .build()));
  }

  private static TopicDescription description(TopicAdmin.DescribedTopic described) {
    return described.failure() != null
        ? TopicDescription.newBuilder().setName(described.name()).setError(Replies.toError(described.failure())).build()
        : description(described.description());
  }

  @Override
  public void alterTopicConfigs(AlterTopicConfigsRequest request, StreamObserver<AlterTopicConfigsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        topics.alterTopicConfigs(CallerContext.current(), request.getName(), request.getSetMap(),
            request.getDeleteList()),
        altered -> AlterTopicConfigsResponse.newBuilder().setTopic(description(altered)).build()));
  }

  @Override
  public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        topics.createPartitions(CallerContext.current(), request.getName(), request.getTotalCount(),
            request.getValidateOnly()),
        grown -> CreatePartitionsResponse.newBuilder().setTopic(description(grown)).build()));
  }

  @Override
  public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> observer) {
    Replies.guard(observer, () -> {
      TopicAdmin.ClusterDescription cluster = topics.describeCluster();
      observer.onNext(DescribeClusterResponse.newBuilder()
          .setClusterId(cluster.clusterId())
          .setControllerId(cluster.controllerId())
          .addAllBrokers(brokers(cluster.brokers()))
          .build());
      observer.onCompleted();
    });
  }

  @Override
  public void metadata(MetadataRequest request, StreamObserver<MetadataResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, topics.metadata(CallerContext.current(),
        request.getTopicsList()), metadata -> {
      MetadataResponse.Builder response = MetadataResponse.newBuilder().addAllBrokers(brokers(metadata.brokers()));
      for (TopicAdmin.TopicMetadata topic : metadata.topics()) {
        TopicMetadata.Builder entry = TopicMetadata.newBuilder().setName(topic.name());
        if (topic.failure() != null) {
          entry.setError(Replies.toError(topic.failure()));
        } else {
          entry.setError(Replies.NO_ERROR);
          for (int p = 0; p < topic.topic().partitions().size(); p++) {
            ReplicaAssignment a = topic.topic().partitions().get(p);
            entry.addPartitions(PartitionMetadata.newBuilder().setPartition(p).setLeader(a.leader())
                .setLeaderEpoch(a.leaderEpoch()).addAllReplicas(a.replicas()).addAllIsr(a.isr()));
          }
        }
        response.addTopics(entry);
      }
      return response.build();
    }));
  }

  private static TopicDescription description(TopicAdmin.TopicDescription topic) {
    TopicDescription.Builder description = TopicDescription.newBuilder()
        .setName(topic.topic().name()).setTopicId(topic.topic().topicId()).setError(Replies.NO_ERROR);
    for (TopicAdmin.PartitionDescription p : topic.partitions()) {
      ReplicaAssignment a = p.assignment();
      PartitionDescription.Builder partition = PartitionDescription.newBuilder().setPartition(p.partition())
          .setLeader(a.leader()).addAllReplicas(a.replicas()).addAllIsr(a.isr()).setLeaderEpoch(a.leaderEpoch());
      if (p.log() != null) {
        partition.setLogStartOffset(p.log().logStartOffset()).setHighWatermark(p.log().highWatermark())
            .setLogEndOffset(p.log().logEndOffset()).setSizeBytes(p.log().sizeBytes()).setSegments(p.log().segments())
            .setCleanOffset(p.log().cleanedOffset()).setDirtyRatio(p.log().dirtyRatio());
      }
      description.addPartitions(partition);
    }
    for (TopicAdmin.ConfigValue config : topic.configs()) {
      description.addConfigs(ConfigEntry.newBuilder()
          .setName(config.name()).setValue(config.value()).setIsOverride(config.isOverride()));
    }
    return description.build();
  }

  private static List<BrokerDescription> brokers(List<BrokerAddress> brokers) {
    return brokers.stream()
        .map(b -> BrokerDescription.newBuilder().setId(b.id()).setHost(b.host()).setPort(b.port()).setRack(b.rack()).build())
        .toList();
  }
}
