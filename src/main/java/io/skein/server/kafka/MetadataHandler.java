package io.skein.server.kafka;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.broker.TopicAdmin;
import io.skein.cluster.BrokerRoles;
import io.skein.common.FailureException;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Metadata: the live brokers at their Kafka listeners, the cluster and Controller ids, and the
 * asked-for topics (by name, or by id from v10) with their partitions' leaders, epochs,
 * replicas and ISRs. A missing topic asked for by name is created with the broker's defaults
 * when the client allows it and {@code skein.kafka.auto-create-topics} is on, as Kafka's
 * {@code auto.create.topics.enable}.
 */
final class MetadataHandler implements KafkaApiHandler<MetadataRequestData, MetadataResponseData> {

  private final ActorSystem<?> system;
  private final Broker broker;
  private final boolean autoCreateTopics;

  MetadataHandler(ActorSystem<?> system, Broker broker, boolean autoCreateTopics) {
    this.system = system;
    this.broker = broker;
    this.autoCreateTopics = autoCreateTopics;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.METADATA;
  }

  @Override
  public short maxVersion() {
    return 13;
  }

  @Override
  public CompletionStage<MetadataResponseData> handle(KafkaRequestContext context, MetadataRequestData request) {
    Caller caller = context.caller();
    short version = context.apiVersion();
    boolean allTopics = request.topics() == null || (version == 0 && request.topics().isEmpty());
    // Before v4 a client could not say no, and Kafka created topics for it.
    boolean mayCreate = autoCreateTopics && (version < 4 || request.allowAutoTopicCreation());
    List<BrokerAddress> brokers = BrokerRoles.liveKafkaListeners(Cluster.get(system));
    Set<Integer> live = new HashSet<>();
    brokers.forEach(b -> live.add(b.id()));
    return broker.topics().knownTopics().thenCompose(topics -> {
      List<CompletableFuture<MetadataResponseTopic>> entries = new ArrayList<>();
      if (allTopics) {
        // Only the topics the principal may describe, as Kafka lists them.
        topics.values().stream().filter(topic -> broker.topics().describable(caller, topic.name()))
            .forEach(topic -> entries.add(CompletableFuture.completedFuture(describe(topic, live))));
      } else {
        for (MetadataRequestTopic asked : request.topics()) {
          entries.add(entry(caller, asked, topics, mayCreate, live).toCompletableFuture());
        }
      }
      return CompletableFuture.allOf(entries.toArray(CompletableFuture[]::new))
          .thenApply(done -> response(brokers, entries.stream().map(CompletableFuture::join).toList()));
    });
  }

  /**
   * A named topic the principal may not describe is TOPIC_AUTHORIZATION_FAILED whether it exists
   * or not, one named by id UNKNOWN_TOPIC_ID, as in Kafka; creating one needs CREATE.
   */
  private CompletionStage<MetadataResponseTopic> entry(Caller caller, MetadataRequestTopic asked,
      Map<String, Topic> topics, boolean mayCreate, Set<Integer> live) {
    if (asked.name() == null) {
      Uuid id = asked.topicId();
      Optional<Topic> byId = id == null || id.equals(Uuid.ZERO_UUID) ? Optional.empty()
          : topics.values().stream().filter(topic -> topic.topicId().equals(TopicIds.toSkein(id)))
              .filter(topic -> broker.topics().describable(caller, topic.name())).findFirst();
      return CompletableFuture.completedFuture(byId.map(topic -> describe(topic, live))
          .orElseGet(() -> failed(null, id == null ? Uuid.ZERO_UUID : id, Errors.UNKNOWN_TOPIC_ID)));
    }
    if (!broker.topics().mayDescribe(caller, asked.name())) {
      return CompletableFuture.completedFuture(failed(asked.name(), Uuid.ZERO_UUID, Errors.TOPIC_AUTHORIZATION_FAILED));
    }
    Topic topic = topics.get(asked.name());
    if (topic != null) {
      return CompletableFuture.completedFuture(describe(topic, live));
    }
    if (!mayCreate) {
      return CompletableFuture.completedFuture(failed(asked.name(), Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION));
    }
    return create(caller, asked.name(), live);
  }

  /** Creates a topic a client asked for; one that another request created meanwhile is answered next time. */
  private CompletionStage<MetadataResponseTopic> create(Caller caller, String name, Set<Integer> live) {
    CompletionStage<TopicAdmin.TopicDescription> created;
    try {
      created = broker.topics().createTopic(caller, name, -1, -1, Map.of(), false);
    } catch (FailureException e) {
      created = CompletableFuture.failedFuture(e);
    }
    return created.handle((description, error) -> {
      if (error == null) {
        return describe(description.topic(), live);
      }
      KafkaErrors failure = KafkaErrors.of(error);
      Errors answer = failure.error() == Errors.TOPIC_ALREADY_EXISTS ? Errors.LEADER_NOT_AVAILABLE : failure.error();
      return failed(name, Uuid.ZERO_UUID, answer);
    });
  }

  /** {@code live}: the brokers whose replicas are online. */
  private static MetadataResponseTopic describe(Topic topic, Set<Integer> live) {
    List<MetadataResponsePartition> partitions = new ArrayList<>(topic.partitions().size());
    for (int p = 0; p < topic.partitions().size(); p++) {
      ReplicaAssignment assignment = topic.partitions().get(p);
      List<Integer> offline = assignment.replicas().stream().filter(replica -> !live.contains(replica)).toList();
      partitions.add(new MetadataResponsePartition()
          .setPartitionIndex(p)
          .setErrorCode(assignment.leader() < 0 ? Errors.LEADER_NOT_AVAILABLE.code() : Errors.NONE.code())
          .setLeaderId(assignment.leader())
          .setLeaderEpoch(assignment.leaderEpoch())
          .setReplicaNodes(new ArrayList<>(assignment.replicas()))
          .setIsrNodes(new ArrayList<>(assignment.isr()))
          .setOfflineReplicas(new ArrayList<>(offline)));
    }
    return new MetadataResponseTopic()
        .setName(topic.name())
        .setTopicId(TopicIds.toKafka(topic.topicId()))
        .setErrorCode(Errors.NONE.code())
        .setIsInternal(false)
        .setPartitions(partitions);
  }

  private static MetadataResponseTopic failed(String name, Uuid id, Errors error) {
    return new MetadataResponseTopic().setName(name).setTopicId(id).setErrorCode(error.code());
  }

  private MetadataResponseData response(List<BrokerAddress> brokers, List<MetadataResponseTopic> topics) {
    TopicAdmin.ClusterDescription cluster = broker.topics().describeCluster();
    MetadataResponseData response = new MetadataResponseData()
        .setClusterId(cluster.clusterId())
        .setControllerId(cluster.controllerId());
    for (BrokerAddress address : brokers) {
      response.brokers().add(new MetadataResponseBroker()
          .setNodeId(address.id())
          .setHost(address.host())
          .setPort(address.port())
          .setRack(address.rack().isEmpty() ? null : address.rack()));
    }
    topics.forEach(topic -> response.topics().add(topic));
    return response;
  }
}
