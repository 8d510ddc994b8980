package io.skein.server;

import io.skein.common.AkkaFutures;
import io.skein.common.FailureException;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import io.grpc.stub.StreamObserver;
import io.skein.cluster.BrokerInfo;
import io.skein.cluster.Controller;
import io.skein.common.Failure;
import io.skein.log.LogConfig;
import io.skein.node.BrokerConfig;
import io.skein.partition.PartitionKey;
import io.skein.partition.PartitionLeader;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.AlterTopicConfigsRequest;
import io.skein.proto.v1.AlterTopicConfigsResponse;
import io.skein.proto.v1.BrokerDescription;
import io.skein.proto.v1.ConfigEntry;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.CreateTopicResponse;
import io.skein.proto.v1.DeleteTopicRequest;
import io.skein.proto.v1.DeleteTopicResponse;
import io.skein.proto.v1.DescribeClusterRequest;
import io.skein.proto.v1.DescribeClusterResponse;
import io.skein.proto.v1.DescribeTopicsRequest;
import io.skein.proto.v1.DescribeTopicsResponse;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.proto.v1.ListTopicsResponse;
import io.skein.proto.v1.MetadataRequest;
import io.skein.proto.v1.MetadataResponse;
import io.skein.proto.v1.PartitionDescription;
import io.skein.proto.v1.PartitionMetadata;
import io.skein.proto.v1.TopicDescription;
import io.skein.proto.v1.TopicMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** AdminService: topics and cluster information, answered by the Controller and leaders. */
final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {

  private final ActorSystem<?> system;
  private final ActorRef<Controller.Command> controller;
  private final BrokerConfig config;
  private final String clusterId;

  AdminGrpcService(ActorSystem<?> system, ActorRef<Controller.Command> controller, BrokerConfig config, String clusterId) {
    this.system = system;
    this.controller = controller;
    this.config = config;
    this.clusterId = clusterId;
  }

  @Override
  public void createTopic(CreateTopicRequest request, StreamObserver<CreateTopicResponse> observer) {
    Replies.guard(observer, () -> {
      int partitions = request.getPartitions() == -1 ? config.defaultPartitions() : request.getPartitions();
      int replication = request.getReplicationFactor() == -1 ? config.defaultReplicationFactor() : request.getReplicationFactor();
      CompletionStage<Controller.TopicReply> reply = askController(replyTo -> new Controller.CreateTopic(
          request.getName(), partitions, replication, request.getConfigsMap(), request.getValidateOnly(), replyTo));
      answerWithTopic(observer, reply, false, topic -> CreateTopicResponse.newBuilder().setTopic(topic).build());
    });
  }

  @Override
  public void deleteTopic(DeleteTopicRequest request, StreamObserver<DeleteTopicResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        askController(replyTo -> new Controller.DeleteTopic(request.getName(), replyTo)),
        Controller.TopicReply::failure,
        deleted -> DeleteTopicResponse.getDefaultInstance()));
  }

  @Override
  public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, topics(), topics -> null,
        topics -> ListTopicsResponse.newBuilder().addAllNames(new TreeMap<>(topics.byName()).keySet()).build()));
  }

  @Override
  public void describeTopics(DescribeTopicsRequest request, StreamObserver<DescribeTopicsResponse> observer) {
    Replies.guard(observer, () -> topics()
        .thenCompose(topics -> {
          List<Controller.Topic> selected = new ArrayList<>();
          if (request.getNamesList().isEmpty()) {
            selected.addAll(new TreeMap<>(topics.byName()).values());
          }
          for (String name : request.getNamesList()) {
            Controller.Topic topic = topics.byName().get(name);
            if (topic == null) {
              throw new FailureException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
            }
            selected.add(topic);
          }
          List<CompletableFuture<TopicDescription>> described = selected.stream()
              .map(topic -> describe(topic, true).toCompletableFuture()).toList();
          return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new))
              .thenApply(done -> described.stream().map(CompletableFuture::join).toList());
        })
        .whenComplete((descriptions, error) -> {
          if (error != null) {
            observer.onError(Replies.toStatus(error));
          } else {
            observer.onNext(DescribeTopicsResponse.newBuilder().addAllTopics(descriptions).build());
            observer.onCompleted();
          }
        }));
  }

  @Override
  public void alterTopicConfigs(AlterTopicConfigsRequest request, StreamObserver<AlterTopicConfigsResponse> observer) {
    Replies.guard(observer, () -> {
      CompletionStage<Controller.TopicReply> reply = askController(replyTo -> new Controller.AlterTopicConfigs(
          request.getName(), request.getSetMap(), request.getDeleteList(), replyTo));
      answerWithTopic(observer, reply, true, topic -> AlterTopicConfigsResponse.newBuilder().setTopic(topic).build());
    });
  }

  @Override
  public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> observer) {
    Replies.guard(observer, () -> {
      observer.onNext(DescribeClusterResponse.newBuilder()
          .setClusterId(clusterId)
          .setControllerId(oldestBrokerId(Cluster.get(system)))
          .addAllBrokers(brokers())
          .build());
      observer.onCompleted();
    });
  }

  @Override
  public void metadata(MetadataRequest request, StreamObserver<MetadataResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, topics(), topics -> null, topics -> {
      MetadataResponse.Builder response = MetadataResponse.newBuilder().addAllBrokers(brokers());
      List<String> names = request.getTopicsList().isEmpty()
          ? List.copyOf(new TreeMap<>(topics.byName()).keySet()) : request.getTopicsList();
      for (String name : names) {
        Controller.Topic topic = topics.byName().get(name);
        TopicMetadata.Builder entry = TopicMetadata.newBuilder().setName(name);
        if (topic == null) {
          entry.setError(Replies.toError(Failure.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              "topic '" + name + "' does not exist")));
        } else {
          for (int p = 0; p < topic.partitions().size(); p++) {
            Controller.Assignment a = topic.partitions().get(p);
            entry.addPartitions(PartitionMetadata.newBuilder().setPartition(p).setLeader(a.leader())
                .setLeaderEpoch(a.leaderEpoch()).addAllReplicas(a.replicas()).addAllIsr(a.isr()));
          }
        }
        response.addTopics(entry);
      }
      return response.build();
    }));
  }

  // ---- helpers --------------------------------------------------------------------------

  private <T> void answerWithTopic(StreamObserver<T> observer, CompletionStage<Controller.TopicReply> reply,
      boolean withPartitionState, java.util.function.Function<TopicDescription, T> response) {
    reply.thenCompose(topicReply -> {
          if (topicReply.failure() != null) {
            return CompletableFuture.<TopicDescription>failedFuture(
                new FailureException(topicReply.failure().code(), topicReply.failure().message()));
          }
          return describe(topicReply.topic(), withPartitionState);
        })
        .whenComplete((description, error) -> {
          if (error != null) {
            observer.onError(Replies.toStatus(error));
          } else {
            observer.onNext(response.apply(description));
            observer.onCompleted();
          }
        });
  }

  private CompletionStage<Controller.TopicReply> askController(
      akka.japi.function.Function<ActorRef<Controller.TopicReply>, Controller.Command> request) {
    return AkkaFutures.direct(AskPattern.ask(controller, request, config.requestTimeout(), system.scheduler()));
  }

  private CompletionStage<Controller.Topics> topics() {
    return AkkaFutures.direct(
        AskPattern.ask(controller, Controller.GetTopics::new, config.requestTimeout(), system.scheduler()));
  }

  /** A topic with, if asked, each partition's offsets and size from its leader. */
  private CompletionStage<TopicDescription> describe(Controller.Topic topic, boolean withPartitionState) {
    List<CompletableFuture<PartitionDescription>> partitions = new ArrayList<>();
    for (int p = 0; p < topic.partitions().size(); p++) {
      Controller.Assignment a = topic.partitions().get(p);
      PartitionDescription.Builder base = PartitionDescription.newBuilder().setPartition(p).setLeader(a.leader())
          .addAllReplicas(a.replicas()).addAllIsr(a.isr()).setLeaderEpoch(a.leaderEpoch());
      if (!withPartitionState) {
        partitions.add(CompletableFuture.completedFuture(base.build()));
        continue;
      }
      partitions.add(AkkaFutures.direct(ClusterSharding.get(system)
              .entityRefFor(PartitionLeader.TYPE_KEY, new PartitionKey(topic.name(), p).entityId())
              .<PartitionLeader.Status>ask(PartitionLeader.Describe::new, config.requestTimeout()))
          .thenApply(status -> status.failure() != null ? base.build() : base
              .setLogStartOffset(status.logStartOffset())
              .setHighWatermark(status.highWatermark())
              .setLogEndOffset(status.logEndOffset())
              .setSizeBytes(status.sizeBytes())
              .setSegments(status.segments())
              .setCleanOffset(status.cleanedOffset())
              .setDirtyRatio(status.dirtyRatio())
              .build())
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(partitions.toArray(CompletableFuture[]::new)).thenApply(done -> {
      TopicDescription.Builder description = TopicDescription.newBuilder()
          .setName(topic.name()).setTopicId(topic.topicId());
      partitions.forEach(p -> description.addPartitions(p.join()));
      Map<String, String> effective = LogConfig.fromMap(topic.configs(), config.topicDefaults()).toMap();
      new TreeMap<>(effective).forEach((name, value) -> description.addConfigs(ConfigEntry.newBuilder()
          .setName(name).setValue(value).setIsOverride(topic.configs().containsKey(name))));
      return description.build();
    });
  }

  private List<BrokerDescription> brokers() {
    return BrokerInfo.live(Cluster.get(system)).stream()
        .map(b -> BrokerDescription.newBuilder().setId(b.id()).setHost(b.host()).setPort(b.port()).setRack(b.rack()).build())
        .toList();
  }

  /** The Controller singleton runs on the oldest member. */
  private static int oldestBrokerId(Cluster cluster) {
    akka.cluster.Member oldest = null;
    for (akka.cluster.Member member : cluster.state().getMembers()) {
      if (member.status() == akka.cluster.MemberStatus.up() && (oldest == null || member.isOlderThan(oldest))) {
        oldest = member;
      }
    }
    return oldest == null ? -1 : BrokerInfo.of(oldest).map(BrokerInfo::id).orElse(-1);
  }
}
