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
import io.skein.cluster.LeaderElection;
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
import io.skein.security.Acl;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.ResourceType;
import java.time.Duration;
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

  /** A topic asked to be described: its description, or why there is none. Exactly one is set. */
  public record DescribedTopic(String name, TopicDescription description, Failure failure) {}

  public record ClusterMetadata(List<BrokerAddress> brokers, List<TopicMetadata> topics) {}

  /** The cluster's id, the broker running the Controller (-1 if none is up) and the live brokers. */
  public record ClusterDescription(String clusterId, int controllerId, List<BrokerAddress> brokers) {}

  /** How long a metadata request waits for the Controller before this node's copy answers. */
  static final Duration CONTROLLER_PATIENCE = Duration.ofSeconds(1);

  /** How often {@link #awaitLeaders} looks at this node's copy of the Controller's assignments. */
  private static final Duration LEADER_CHECK_INTERVAL = Duration.ofMillis(10);

  private final ActorSystem<?> system;
  private final ActorRef<Controller.Command> controller;
  private final RequestSettings settings;
  private final String clusterId;
  private final Access access;

  TopicAdmin(ActorSystem<?> system, ActorRef<Controller.Command> controller, RequestSettings settings,
      String clusterId, Access access) {
    this.access = access;
    this.system = system;
    this.controller = controller;
    this.settings = settings;
    this.clusterId = clusterId;
  }

  /**
   * Creates a topic; -1 partitions or replication factor asks for the broker's default. Needs
   * CREATE on the cluster or on the topic, as in Kafka.
   */
  public CompletionStage<TopicDescription> createTopic(Caller caller, String name, int partitions,
      int replicationFactor, Map<String, String> configs, boolean validateOnly) {
    if (!access.shows(caller, Operation.CREATE, ResourceType.CLUSTER, Acl.CLUSTER_NAME)
        && !access.allows(caller, Operation.CREATE, ResourceType.TOPIC, name)) {
      return CompletableFuture.failedFuture(Access.denied(caller, Operation.CREATE, ResourceType.TOPIC, name));
    }
    int count = partitions == -1 ? settings.defaultPartitions() : partitions;
    int replication = replicationFactor == -1 ? settings.defaultReplicationFactor() : replicationFactor;
    if (count > Controller.MAX_PARTITIONS_ADDED) {
      return CompletableFuture.failedFuture(new FailureException(ErrorCode.INVALID_PARTITIONS,
          "a topic is created with at most " + Controller.MAX_PARTITIONS_ADDED + " partitions, not " + count));
    }
    return askController(replyTo -> new Controller.CreateTopic(name, count, replication, configs, validateOnly, replyTo))
        .thenCompose(topic -> describe(topic, false));
  }

  /**
   * True once this node has heard from the Controller that every partition of {@code topic} has
   * a leader (a Kafka broker's CreateTopics waits so for the metadata to spread); false if
   * {@code within} runs out first.
   */
  public CompletionStage<Boolean> awaitLeaders(String topic, Duration within) {
    CompletableFuture<Boolean> led = new CompletableFuture<>();
    checkLeaders(topic, System.nanoTime() + within.toNanos(), led);
    return led;
  }

  private void checkLeaders(String topic, long deadlineNanos, CompletableFuture<Boolean> led) {
    boolean everyPartition = LeaderLocations.get(system).assignments().map(known -> known.get(topic))
        .filter(known -> known.partitions().stream().allMatch(assignment -> assignment.leader() >= 0)).isPresent();
    if (everyPartition || System.nanoTime() >= deadlineNanos) {
      led.complete(everyPartition);
    } else {
      system.scheduler().scheduleOnce(LEADER_CHECK_INTERVAL, () -> checkLeaders(topic, deadlineNanos, led),
          system.executionContext());
    }
  }

  /** Deletes a topic; needs DELETE on it. */
  public CompletionStage<Topic> deleteTopic(Caller caller, String name) {
    if (!access.allows(caller, Operation.DELETE, ResourceType.TOPIC, name)) {
      return CompletableFuture.failedFuture(Access.denied(caller, Operation.DELETE, ResourceType.TOPIC, name));
    }
    return askController(replyTo -> new Controller.DeleteTopic(name, replyTo));
  }

  /** Deletes the topic with id {@code topicId}; UNKNOWN_TOPIC_ID if there is none. */
  public CompletionStage<Topic> deleteTopicById(Caller caller, String topicId) {
    return topics().thenCompose(topics -> {
      for (Topic topic : topics.values()) {
        if (topic.topicId().equals(topicId)) {
          return deleteTopic(caller, topic.name());
        }
      }
      throw new FailureException(ErrorCode.UNKNOWN_TOPIC_ID, "no topic has id " + topicId);
    });
  }

  /** The named topic; UNKNOWN_TOPIC_OR_PARTITION if it does not exist. */
  public CompletionStage<Topic> topic(String name) {
    return askController(replyTo -> new Controller.GetTopic(name, replyTo));
  }

  /**
   * Grows a topic to {@code totalCount} partitions; answers with the topic as it is (or would be)
   * afterwards. Needs ALTER on the topic.
   */
  public CompletionStage<TopicDescription> createPartitions(Caller caller, String name, int totalCount,
      boolean validateOnly) {
    if (!access.allows(caller, Operation.ALTER, ResourceType.TOPIC, name)) {
      return CompletableFuture.failedFuture(Access.denied(caller, Operation.ALTER, ResourceType.TOPIC, name));
    }
    return askController(replyTo -> new Controller.CreatePartitions(name, totalCount, validateOnly, replyTo))
        .thenCompose(topic -> describe(topic, false));
  }

  /** Sets and removes config overrides; answers with the topic as it is after the change. Needs ALTER_CONFIGS. */
  public CompletionStage<TopicDescription> alterTopicConfigs(Caller caller, String name, Map<String, String> set,
      List<String> delete) {
    if (!access.allows(caller, Operation.ALTER_CONFIGS, ResourceType.TOPIC, name)) {
      return CompletableFuture.failedFuture(Access.denied(caller, Operation.ALTER_CONFIGS, ResourceType.TOPIC, name));
    }
    return alterTopicConfigs(name, set, delete);
  }

  /** {@link #alterTopicConfigs(Caller, String, Map, List)} for a request {@link ConfigAdmin} has checked. */
  CompletionStage<TopicDescription> alterTopicConfigs(String name, Map<String, String> set, List<String> delete) {
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

  /**
   * The named topics (every topic if none is named) with their partitions' logs, in request
   * order; a name that is not a topic gets its failure instead, as in {@link #metadata}. Needs
   * DESCRIBE on each topic: the listing shows only those, a named one without it is
   * TOPIC_AUTHORIZATION_FAILED.
   */
  public CompletionStage<List<DescribedTopic>> describeTopics(Caller caller, List<String> names) {
    return topics().thenCompose(topics -> {
      List<String> selected = names.isEmpty()
          ? topics.keySet().stream().filter(name -> describable(caller, name)).toList()
          : names;
      List<CompletableFuture<DescribedTopic>> described = new ArrayList<>(selected.size());
      for (String name : selected) {
        Topic topic = topics.get(name);
        if (!names.isEmpty() && !mayDescribe(caller, name)) {
          described.add(CompletableFuture.completedFuture(new DescribedTopic(name, null,
              Access.denied(caller, Operation.DESCRIBE, ResourceType.TOPIC, name).failure())));
        } else {
          described.add(topic == null
              ? CompletableFuture.completedFuture(new DescribedTopic(name, null, unknownTopic(name).failure()))
              : describe(topic, true).thenApply(found -> new DescribedTopic(name, found, null)).toCompletableFuture());
        }
      }
      return Answers.allOf(described);
    });
  }

  /** Which leader election to run: back to the preferred replica, or to any live replica. */
  public enum ElectionType { PREFERRED, UNCLEAN }

  /** A partition's election outcome: {@code failure} is null if a new leader was or is being elected. */
  public record ElectionResult(PartitionKey partition, Failure failure) {}

  /**
   * Elects leaders of the given partitions (every partition if null). The Controller already
   * moves leadership to the preferred replica whenever that replica is live and in sync
   * ({@link io.skein.cluster.LeaderElection}), so a preferred election only reports: not
   * needed, not possible, or (while the Controller is about to move it) under way. Skein never
   * elects an out-of-sync replica, so an unclean election is only ever not needed or refused.
   * Needs ALTER on the cluster.
   */
  public CompletionStage<List<ElectionResult>> electLeaders(Caller caller, ElectionType type,
      List<PartitionKey> partitions) {
    if (!access.allows(caller, Operation.ALTER, ResourceType.CLUSTER, Acl.CLUSTER_NAME)) {
      return CompletableFuture.failedFuture(Access.denied(caller, Operation.ALTER, ResourceType.CLUSTER,
          Acl.CLUSTER_NAME));
    }
    return topics().thenApply(topics -> {
      List<PartitionKey> asked = new ArrayList<>();
      if (partitions == null) {
        topics.values().forEach(topic -> asked.addAll(topic.partitionKeys()));
      } else {
        asked.addAll(partitions);
      }
      List<Integer> live = brokers().stream().map(BrokerAddress::id).toList();
      List<ElectionResult> results = new ArrayList<>(asked.size());
      for (PartitionKey key : asked) {
        Topic topic = topics.get(key.topic());
        Failure failure = topic == null || key.partition() < 0 || key.partition() >= topic.partitions().size()
            ? Failure.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic partition " + key + " does not exist")
            : electionFailure(type, key, topic.partitions().get(key.partition()), live);
        results.add(new ElectionResult(key, failure));
      }
      return results;
    });
  }

  static Failure electionFailure(ElectionType type, PartitionKey key, ReplicaAssignment assignment,
      List<Integer> live) {
    int preferred = assignment.replicas().get(0);
    if (type == ElectionType.UNCLEAN) {
      return assignment.leader() != LeaderElection.NO_LEADER
          ? Failure.of(ErrorCode.ELECTION_NOT_NEEDED, key + " has a leader, broker " + assignment.leader())
          : Failure.of(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, key + " has no live in-sync replica, and Skein"
              + " does not elect out-of-sync replicas (unclean leader election is not supported)");
    }
    if (assignment.leader() == preferred) {
      return Failure.of(ErrorCode.ELECTION_NOT_NEEDED, key + " is already led by its preferred replica " + preferred);
    }
    if (!live.contains(preferred) || !assignment.isr().contains(preferred)) {
      return Failure.of(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "the preferred replica of " + key + ", broker "
          + preferred + ", is " + (live.contains(preferred) ? "not in sync" : "not live"));
    }
    return null;
  }

  /**
   * Every topic, from the Controller if it answers within {@link #CONTROLLER_PATIENCE}, else as
   * this node last heard of them from it (like a Kafka broker's metadata cache). So metadata
   * keeps flowing while the Controller moves after its node failed: clients see the dead leader
   * and ask again until the new one is elected, instead of waiting out a request timeout.
   */
  public CompletionStage<Map<String, Topic>> knownTopics() {
    return AkkaFutures.direct(AskPattern.ask(controller, Controller.GetTopics::new,
            min(CONTROLLER_PATIENCE, settings.requestTimeout()), system.scheduler()))
        .<Map<String, Topic>>thenApply(topics -> new TreeMap<>(topics.byName()))
        .exceptionallyCompose(slow -> LeaderLocations.get(system).assignments()
            .<CompletionStage<Map<String, Topic>>>map(known -> CompletableFuture.completedFuture(new TreeMap<>(known)))
            .orElseGet(this::topics));
  }

  /**
   * The live brokers and the named topics (every topic the caller may describe if none is named);
   * a named topic the caller may not describe is TOPIC_AUTHORIZATION_FAILED, whether it exists or not.
   */
  public CompletionStage<ClusterMetadata> metadata(Caller caller, List<String> names) {
    return knownTopics().thenApply(topics -> {
      List<TopicMetadata> entries = new ArrayList<>();
      for (String name : names.isEmpty() ? topics.keySet() : names) {
        Topic topic = topics.get(name);
        if (names.isEmpty() && !describable(caller, name)) {
          continue;
        }
        if (!names.isEmpty() && !access.allows(caller, Operation.DESCRIBE, ResourceType.TOPIC, name)) {
          entries.add(new TopicMetadata(name, null,
              Access.denied(caller, Operation.DESCRIBE, ResourceType.TOPIC, name).failure()));
        } else {
          entries.add(topic != null ? new TopicMetadata(name, topic, null)
              : new TopicMetadata(name, null, unknownTopic(name).failure()));
        }
      }
      return new ClusterMetadata(brokers(), entries);
    });
  }

  /**
   * Whether a listing of topics shows {@code topic} to the caller (DESCRIBE on it): a topic
   * left out of a listing is not a denial, so it is not audited.
   */
  public boolean describable(Caller caller, String topic) {
    return access.shows(caller, Operation.DESCRIBE, ResourceType.TOPIC, topic);
  }

  /** Whether the caller may see {@code topic} when it names it; a denial is audited. */
  public boolean mayDescribe(Caller caller, String topic) {
    return access.allows(caller, Operation.DESCRIBE, ResourceType.TOPIC, topic);
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
    if (!withLog || assignment.leader() < 0) {
      return CompletableFuture.completedFuture(new PartitionDescription(partition, assignment, null));
    }
    return AkkaFutures.direct(PartitionLeader.on(ClusterSharding.get(system), new PartitionKey(topic.name(), partition),
            assignment.leader())
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

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  static FailureException unknownTopic(String name) {
    return new FailureException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
  }
}
