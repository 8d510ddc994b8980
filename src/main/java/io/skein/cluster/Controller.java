package io.skein.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import io.skein.common.CborSerializable;
import io.skein.common.Failure;
import io.skein.common.TopicNames;
import io.skein.log.InvalidConfigException;
import io.skein.log.LogConfig;
import io.skein.node.BrokerConfig;
import io.skein.partition.PartitionKey;
import io.skein.partition.PartitionLeader;
import io.skein.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cluster's source of truth for topics: names, ids, partition replica sets, leaders,
 * leader epochs, in-sync replicas and config overrides. One instance in the cluster (a
 * cluster singleton), event sourced on the JDBC journal so that it survives restarts and
 * moves to another node with its state. Every change is persisted before it takes effect,
 * and only then pushed to the partitions it concerns.
 */
public final class Controller
    extends EventSourcedBehavior<Controller.Command, Controller.Event, Controller.State> {

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("skein-controller");

  // ---- protocol -------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  public record CreateTopic(
      String name,
      int partitions,
      int replicationFactor,
      Map<String, String> configs,
      boolean validateOnly,
      ActorRef<TopicReply> replyTo)
      implements Command {}

  public record DeleteTopic(String name, ActorRef<TopicReply> replyTo) implements Command {}

  public record AlterTopicConfigs(
      String name, Map<String, String> set, List<String> delete, ActorRef<TopicReply> replyTo)
      implements Command {}

  public record GetTopics(ActorRef<Topics> replyTo) implements Command {}

  public record GetTopic(String name, ActorRef<TopicReply> replyTo) implements Command {}

  /** The topic after a successful command, or why it failed. Exactly one is set. */
  public record TopicReply(Topic topic, Failure failure) implements CborSerializable {
    static TopicReply ok(Topic topic) {
      return new TopicReply(topic, null);
    }

    static TopicReply failed(ErrorCode code, String message) {
      return new TopicReply(null, Failure.of(code, message));
    }
  }

  public record Topics(Map<String, Topic> byName) implements CborSerializable {}

  // ---- events ---------------------------------------------------------------------------

  public sealed interface Event extends CborSerializable {}

  public record TopicCreated(Topic topic) implements Event {}

  public record TopicDeleted(String name, String topicId) implements Event {}

  public record TopicConfigsChanged(String name, Map<String, String> configs) implements Event {}

  // ---- state ----------------------------------------------------------------------------

  /** A topic and where its partitions live. */
  public record Topic(
      String name, String topicId, List<Assignment> partitions, Map<String, String> configs)
      implements CborSerializable {

    public Topic {
      partitions = List.copyOf(partitions);
      configs = Map.copyOf(configs);
    }

    Topic withConfigs(Map<String, String> newConfigs) {
      return new Topic(name, topicId, partitions, newConfigs);
    }

    public List<PartitionKey> partitionKeys() {
      List<PartitionKey> keys = new ArrayList<>(partitions.size());
      for (int p = 0; p < partitions.size(); p++) {
        keys.add(new PartitionKey(name, p));
      }
      return keys;
    }
  }

  /** One partition's replicas (preferred leader first), leader, leader epoch and ISR. */
  public record Assignment(List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr)
      implements CborSerializable {
    public Assignment {
      replicas = List.copyOf(replicas);
      isr = List.copyOf(isr);
    }
  }

  public record State(Map<String, Topic> topics) implements CborSerializable {
    public State {
      topics = Map.copyOf(topics);
    }

    State with(Topic topic) {
      Map<String, Topic> next = new HashMap<>(topics);
      next.put(topic.name(), topic);
      return new State(next);
    }

    State without(String name) {
      Map<String, Topic> next = new HashMap<>(topics);
      next.remove(name);
      return new State(next);
    }
  }

  // ---- setup ----------------------------------------------------------------------------

  /** Starts the singleton (on the oldest node) and returns a proxy to it from this node. */
  public static ActorRef<Command> initSingleton(ActorSystem<?> system, BrokerConfig config) {
    return ClusterSingleton.get(system).init(SingletonActor.of(create(config), "controller"));
  }

  public static Behavior<Command> create(BrokerConfig config) {
    return Behaviors.setup(context -> new Controller(context, config));
  }

  private final ActorContext<Command> context;
  private final BrokerConfig config;

  private Controller(ActorContext<Command> context, BrokerConfig config) {
    super(PERSISTENCE_ID);
    this.context = context;
    this.config = config;
  }

  @Override
  public State emptyState() {
    return new State(Map.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(CreateTopic.class, this::onCreateTopic)
        .onCommand(DeleteTopic.class, this::onDeleteTopic)
        .onCommand(AlterTopicConfigs.class, this::onAlterTopicConfigs)
        .onCommand(GetTopics.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Topics(state.topics())))
        .onCommand(GetTopic.class, this::onGetTopic)
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TopicCreated.class, (state, event) -> state.with(event.topic()))
        .onEvent(TopicDeleted.class, (state, event) -> state.without(event.name()))
        .onEvent(
            TopicConfigsChanged.class,
            (state, event) -> state.with(state.topics().get(event.name()).withConfigs(event.configs())))
        .build();
  }

  // ---- handlers -------------------------------------------------------------------------

  private Effect<Event, State> onCreateTopic(State state, CreateTopic cmd) {
    Optional<String> nameProblem = TopicNames.problem(cmd.name());
    if (nameProblem.isPresent()) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem.get()));
    }
    if (state.topics().containsKey(cmd.name())) {
      return Effect().reply(cmd.replyTo(),
          TopicReply.failed(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + cmd.name() + "' already exists"));
    }
    if (cmd.partitions() <= 0) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_PARTITIONS,
          "number of partitions must be at least 1, was " + cmd.partitions()));
    }
    List<BrokerInfo> brokers = BrokerInfo.live(Cluster.get(context.getSystem()));
    if (cmd.replicationFactor() <= 0 || cmd.replicationFactor() > brokers.size()) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_REPLICATION_FACTOR,
          "replication factor must be between 1 and the number of live brokers (" + brokers.size()
              + "), was " + cmd.replicationFactor()));
    }
    Optional<String> configProblem = configProblem(cmd.configs());
    if (configProblem.isPresent()) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_CONFIG, configProblem.get()));
    }
    Topic topic = new Topic(cmd.name(), UUID.randomUUID().toString(),
        assignReplicas(brokers, cmd.partitions(), cmd.replicationFactor()), cmd.configs());
    if (cmd.validateOnly()) {
      return Effect().reply(cmd.replyTo(), TopicReply.ok(topic));
    }
    return Effect()
        .persist(new TopicCreated(topic))
        .thenRun(next -> openPartitions(topic))
        .thenReply(cmd.replyTo(), next -> TopicReply.ok(topic));
  }

  private Effect<Event, State> onDeleteTopic(State state, DeleteTopic cmd) {
    Topic topic = state.topics().get(cmd.name());
    if (topic == null) {
      return Effect().reply(cmd.replyTo(), unknownTopic(cmd.name()));
    }
    return Effect()
        .persist(new TopicDeleted(topic.name(), topic.topicId()))
        .thenRun(next -> deletePartitions(topic))
        .thenReply(cmd.replyTo(), next -> TopicReply.ok(topic));
  }

  private Effect<Event, State> onAlterTopicConfigs(State state, AlterTopicConfigs cmd) {
    Topic topic = state.topics().get(cmd.name());
    if (topic == null) {
      return Effect().reply(cmd.replyTo(), unknownTopic(cmd.name()));
    }
    Map<String, String> configs = new TreeMap<>(topic.configs());
    configs.putAll(cmd.set());
    for (String name : cmd.delete()) {
      if (!LogConfig.NAMES.contains(name)) {
        return Effect().reply(cmd.replyTo(),
            TopicReply.failed(ErrorCode.INVALID_CONFIG, "unknown config '" + name + "'"));
      }
      configs.remove(name);
    }
    Optional<String> problem = configProblem(configs);
    if (problem.isPresent()) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_CONFIG, problem.get()));
    }
    Topic changed = topic.withConfigs(configs);
    return Effect()
        .persist(new TopicConfigsChanged(topic.name(), configs))
        .thenRun(next -> pushConfigs(changed))
        .thenReply(cmd.replyTo(), next -> TopicReply.ok(changed));
  }

  private Effect<Event, State> onGetTopic(State state, GetTopic cmd) {
    Topic topic = state.topics().get(cmd.name());
    return Effect().reply(cmd.replyTo(), topic == null ? unknownTopic(cmd.name()) : TopicReply.ok(topic));
  }

  // ---- helpers --------------------------------------------------------------------------

  private static TopicReply unknownTopic(String name) {
    return TopicReply.failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
  }

  private Optional<String> configProblem(Map<String, String> overrides) {
    try {
      LogConfig.fromMap(overrides, config.topicDefaults());
      return Optional.empty();
    } catch (InvalidConfigException e) {
      return Optional.of(e.getMessage());
    }
  }

  /**
   * Kafka's placement without racks: partition p's replicas are consecutive brokers from a
   * random start shifted by p, so leaders and copies spread evenly over the brokers.
   */
  static List<Assignment> assignReplicas(List<BrokerInfo> brokers, int partitions, int replicationFactor) {
    int start = ThreadLocalRandom.current().nextInt(brokers.size());
    List<Assignment> assignments = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      List<Integer> replicas = new ArrayList<>(replicationFactor);
      for (int r = 0; r < replicationFactor; r++) {
        replicas.add(brokers.get((start + p + r) % brokers.size()).id());
      }
      assignments.add(new Assignment(replicas, replicas.get(0), 0, replicas));
    }
    return assignments;
  }

  private void openPartitions(Topic topic) {
    for (PartitionKey key : topic.partitionKeys()) {
      partition(key).tell(new PartitionLeader.Open(context.getSystem().ignoreRef()));
    }
  }

  private void deletePartitions(Topic topic) {
    for (PartitionKey key : topic.partitionKeys()) {
      partition(key).tell(new PartitionLeader.DeleteLog(topic.topicId()));
    }
  }

  private void pushConfigs(Topic topic) {
    for (PartitionKey key : topic.partitionKeys()) {
      partition(key).tell(new PartitionLeader.ConfigChanged(topic.topicId(), topic.configs()));
    }
  }

  private akka.cluster.sharding.typed.javadsl.EntityRef<PartitionLeader.Command> partition(PartitionKey key) {
    return ClusterSharding.get(context.getSystem()).entityRefFor(PartitionLeader.TYPE_KEY, key.entityId());
  }
}
