package io.skein.broker;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import io.skein.cluster.BrokerRoles;
import io.skein.cluster.Controller;
import io.skein.cluster.LeaderLocations;
import io.skein.common.AkkaFutures;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.common.FailureException;
import io.skein.log.LogConfig;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import io.skein.partition.PartitionLeader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Topics and cluster information, answered by the Controller and the partition leaders. */
public final class TopicAdmin {

  /** A partition's log as its leader reports it. */
  /** The leader's log; {@code cleanedOffset} and {@code dirtyRatio} are 0 unless the topic is compacted. */
  public record LogState(long logStartOffset, long highWatermark, long logEndOffset, long sizeBytes, int segments,
      long cleanedOffset, double dirtyRatio) {}

  /** A partition's replicas and, where asked for and its leader answered, its log. */
  public record PartitionDescription(int partition, ReplicaAssignment assignment, LogState log) {}

  /** A config of a topic with its effective value, and whether the topic overrides the default. */
  public record ConfigValue(String name, String value, boolean isOverride) {}

  public record TopicDescription(Topic topic, List<PartitionDescription> partitions, List<ConfigValue> configs) {}

  /** A topic asked for by name: the topic, or why there is none. Exactly one is set. */
  public record TopicMetadata(String name, Topic topic, Failure failure) {}

  public record ClusterMetadata(List<BrokerAddress> brokers, List<TopicMetadata> topics) {}

  /** The cluster's id, the broker running the Controller (-1 if none is up) and the live brokers. */
  public record ClusterDescription(String clusterId, int controllerId, List<BrokerAddress> brokers) {}

  private final ActorSystem<?> system;
  private final ActorRef<Controller.Command> controller;
  private final RequestSettings settings;
  private final String clusterId;

  TopicAdmin(ActorSystem<?> system, ActorRef<Controller.Command> controller, RequestSettings settings,
      String clusterId) {
    this.system = system;
    this.controller = controller;
    this.settings = settings;
    this.clusterId = clusterId;
  }

  /** Creates a topic; -1 partitions or replication factor asks for the broker's default. */
  public CompletionStage<TopicDescription> createTopic(String name, int partitions, int replicationFactor,
      Map<String, String> configs, boolean validateOnly) {
    int count = partitions == -1 ? settings.defaultPartitions() : partitions;
    int replication = replicationFactor == -1 ? settings.defaultReplicationFactor() : replicationFactor;
    return askController(replyTo -> new Controller.CreateTopic(name, count, replication, configs, validateOnly, replyTo))
        .thenCompose(topic -> describe(topic, false));
  }

  public CompletionStage<Topic> deleteTopic(String name) {
    return askController(replyTo -> new Controller.DeleteTopic(name, replyTo));
  }

  /** Sets and removes config overrides; answers with the topic as it is after the change. */
  public CompletionStage<TopicDescription> alterTopicConfigs(String name, Map<String, String> set, List<String> delete) {
    return askController(replyTo -> new Controller.AlterTopicConfigs(name, set, delete, replyTo))
        .thenCompose(topic -> describe(topic, true));
  }

  /** Every topic, by name. */
  public CompletionStage<Map<String, Topic>> topics() {
    return AkkaFutures.direct(
            AskPattern.ask(controller, Controller.GetTopics::new, settings.requestTimeout(), system.scheduler()))
        .thenApply(topics -> new TreeMap<>(topics.byName()));
  }

  /**
   * The topic with {@code topicId}: from this node's copy of the assignments where it has it (no
   * ask per request), else from the Controller, which may know a topic created a moment ago.
   */
  public CompletionStage<Optional<Topic>> topicById(String topicId) {
    Optional<Topic> known = knownTopicById(topicId);
    if (known.isPresent()) {
      return CompletableFuture.completedFuture(known);
    }
    return topics().thenApply(topics -> topics.values().stream()
        .filter(topic -> topic.topicId().equals(topicId))
        .findFirst());
  }

  /**
   * The topic with {@code topicId} as the Controller last announced it to this node, at once;
   * empty for one this node has not heard of (yet).
   */
  public Optional<Topic> knownTopicById(String topicId) {
    return LeaderLocations.get(system).topicById(topicId);
  }

  /** The named topics (every topic if none is named) with their partitions' logs; fails for one that does not exist. */
  public CompletionStage<List<TopicDescription>> describeTopics(List<String> names) {
    return topics().thenCompose(topics -> {
      List<Topic> selected = new ArrayList<>(names.isEmpty() ? topics.values() : List.of());
      for (String name : names) {
        Topic topic = topics.get(name);
        if (topic == null) {
          throw unknownTopic(name);
        }
        selected.add(topic);
      }
      return Answers.allOf(selected.stream().map(topic -> describe(topic, true).toCompletableFuture()).toList());
    });
  }

  /** The live brokers and the named topics (every topic if none is named). */
  public CompletionStage<ClusterMetadata> metadata(List<String> names) {
    return topics().thenApply(topics -> {
      List<TopicMetadata> entries = new ArrayList<>();
      for (String name : names.isEmpty() ? topics.keySet() : names) {
        Topic topic = topics.get(name);
        entries.add(topic != null ? new TopicMetadata(name, topic, null)
            : new TopicMetadata(name, null, unknownTopic(name).failure()));
      }
      return new ClusterMetadata(brokers(), entries);
    });
  }

  public ClusterDescription describeCluster() {
    return new ClusterDescription(clusterId, oldestBrokerId(Cluster.get(system)), brokers());
  }

  // ---- helpers --------------------------------------------------------------------------

  private CompletionStage<Topic> askController(
      akka.japi.function.Function<ActorRef<Controller.TopicReply>, Controller.Command> request) {
    return AkkaFutures.direct(AskPattern.ask(controller, request, settings.requestTimeout(), system.scheduler()))
        .thenApply(reply -> {
          Answers.throwIfFailed(reply.failure());
          return reply.topic();
        });
  }

  /** A topic with, if asked, each partition's log from its leader. */
  private CompletionStage<TopicDescription> describe(Topic topic, boolean withLogs) {
    List<CompletableFuture<PartitionDescription>> partitions = new ArrayList<>();
    for (int p = 0; p < topic.partitions().size(); p++) {
      partitions.add(describe(topic, p, withLogs).toCompletableFuture());
    }
    return Answers.allOf(partitions).thenApply(described -> {
      Map<String, String> effective = LogConfig.fromMap(topic.configs(), settings.topicDefaults()).toMap();
      List<ConfigValue> configs = new ArrayList<>();
      new TreeMap<>(effective).forEach(
          (name, value) -> configs.add(new ConfigValue(name, value, topic.configs().containsKey(name))));
      return new TopicDescription(topic, described, configs);
    });
  }

  private CompletionStage<PartitionDescription> describe(Topic topic, int partition, boolean withLog) {
    ReplicaAssignment assignment = topic.partitions().get(partition);
    if (!withLog) {
      return CompletableFuture.completedFuture(new PartitionDescription(partition, assignment, null));
    }
    return AkkaFutures.direct(ClusterSharding.get(system)
            .entityRefFor(PartitionLeader.TYPE_KEY, new PartitionKey(topic.name(), partition).entityId())
            .<PartitionLeader.Status>ask(PartitionLeader.Describe::new, settings.requestTimeout()))
        .thenApply(status -> new PartitionDescription(partition, assignment, status.failure() != null ? null
            : new LogState(status.logStartOffset(), status.highWatermark(), status.logEndOffset(), status.sizeBytes(),
                status.segments(), status.cleanedOffset(), status.dirtyRatio())));
  }

  private List<BrokerAddress> brokers() {
    return BrokerRoles.live(Cluster.get(system));
  }

  /** The Controller singleton runs on the oldest member. */
  private static int oldestBrokerId(Cluster cluster) {
    Member oldest = null;
    for (Member member : cluster.state().getMembers()) {
      if (member.status() == MemberStatus.up() && (oldest == null || member.isOlderThan(oldest))) {
        oldest = member;
      }
    }
    return oldest == null ? -1 : BrokerRoles.brokerOf(oldest).map(BrokerAddress::id).orElse(-1);
  }

  static FailureException unknownTopic(String name) {
    return new FailureException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
  }
}
