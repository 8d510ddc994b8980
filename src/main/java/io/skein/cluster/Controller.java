package io.skein.cluster;

import akka.actor.Address;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.cluster.ClusterEvent;
import akka.cluster.UniqueAddress;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SingletonActor;
import akka.cluster.typed.Subscribe;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EffectBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import io.skein.common.CborSerializable;
import io.skein.common.ErrorCode;
import io.skein.common.JournalBackoff;
import io.skein.common.Failure;
import io.skein.common.TopicNames;
import io.skein.log.InvalidConfigException;
import io.skein.log.LogConfig;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import io.skein.metrics.ClusterHealth;
import io.skein.metrics.MetricsSetup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cluster's source of truth for topics: names, ids, partition replica sets, leaders,
 * leader epochs, in-sync replicas and config overrides. One instance in the cluster (a
 * cluster singleton), event sourced on the JDBC journal so that it survives restarts and
 * moves to another node with its state. Every change is persisted before it takes effect,
 * and only then announced, through {@link AssignmentSubscribers}, to the brokers and partitions it concerns.
 */
public final class Controller
    extends EventSourcedBehavior<Controller.Command, Controller.Event, Controller.State> {

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("skein-controller");

  /** Kafka's bound on the partitions one request may create, which keeps one event and one reply of sane size. */
  public static final int MAX_PARTITIONS_ADDED = 10_000;

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

  /** Grows a topic to {@code totalCount} partitions; the new ones are placed as a new topic's are. */
  public record CreatePartitions(String name, int totalCount, boolean validateOnly, ActorRef<TopicReply> replyTo)
      implements Command {}

  public record GetTopics(ActorRef<Topics> replyTo) implements Command {}

  public record GetTopic(String name, ActorRef<TopicReply> replyTo) implements Command {}

  /**
   * A partition leader asks to change its ISR (shrink a lagging follower, add a caught-up
   * one), from the assignment at {@code partitionEpoch}. Accepted only from the current leader
   * at the current epoch, and in effect only once persisted: a leader left over from before a
   * failover is told it is fenced. A change computed from an older partition epoch (a request
   * delivered late, after a newer one) is refused with the current assignment.
   */
  public record AlterIsr(String topic, int partition, int leader, int leaderEpoch, int partitionEpoch,
      List<Integer> isr, ActorRef<AlterIsrReply> replyTo) implements Command {}

  /** The partition's assignment after an AlterIsr, or why it was refused (with the current one, if any). */
  public record AlterIsrReply(ReplicaAssignment assignment, Failure failure) implements CborSerializable {}

  /**
   * A starting broker asks for the cluster's id. The first ask creates it, durably: from
   * {@code proposed} if given (the id an upgraded broker generated for itself, so that a
   * single-node cluster keeps its id), else a new random one. Every later ask gets the same.
   */
  public record GetClusterId(String proposed, ActorRef<ClusterId> replyTo) implements Command {}

  public record ClusterId(String id) implements CborSerializable {}

  /**
   * A broker asks for producer ids to hand out to idempotent producers: a block of them, never
   * given to anyone before (the allocation is persisted before the answer), which the broker
   * uses up locally, so that ids are unique in the cluster and across restarts.
   */
  public record AllocateProducerIds(int brokerId, ActorRef<ProducerIdBlock> replyTo) implements Command {}

  /** Producer ids {@code firstId} .. {@code firstId + size - 1}. */
  public record ProducerIdBlock(long firstId, int size) implements CborSerializable {
    public static final int SIZE = 1000;
  }

  /**
   * A broker begins its controlled shutdown (Kafka's ControlledShutdown request): it is about to
   * leave the cluster, so it is no longer live from now on, without waiting for the membership
   * gossip that says so (up to a gossip round later). The member is given by its address and uid,
   * so that an announcement can never concern a later incarnation of the broker.
   */
  public record BrokerLeaving(Address address, long uid) implements Command {}

  /** Membership changed (or the Controller just started): re-elect where needed. */
  private enum MembershipChanged implements Command {
    INSTANCE
  }

  /**
   * The failure detector suspects a member, or no longer does: re-elect where needed. Taken from
   * the event itself, since the cluster's state object is updated asynchronously and may not
   * show it yet.
   */
  private record ReachabilityChanged(UniqueAddress node, boolean reachable) implements Command {}

  /** A member joined, moved on in its life cycle or was removed. */
  private record MemberChanged(ClusterEvent.MemberEvent event) implements Command {}

  /** The brokers' listeners of assignment changes came or went. */
  private record ListenersChanged(Receptionist.Listing listing) implements Command {}

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

  public record ClusterIdCreated(String clusterId) implements Event {}

  public record TopicCreated(Topic topic) implements Event {}

  public record TopicDeleted(String name, String topicId) implements Event {}

  public record TopicConfigsChanged(String name, Map<String, String> configs) implements Event {}

  /** Partitions appended to a topic, numbered from its former count. */
  public record PartitionsCreated(String name, List<ReplicaAssignment> added) implements Event {}

  /** New leaders (and leader epochs, and ISRs without the dead) after membership changed. */
  public record LeadersElected(List<PartitionAssignment> changes) implements Event {}

  public record IsrChanged(String topic, int partition, List<Integer> isr) implements Event {}

  public record ProducerIdsAllocated(int brokerId, long firstId, int size) implements Event {}

  /**
   * Changes nothing: written to learn whether another Controller (a stand-in) wrote meanwhile,
   * in which case the write fails on its sequence number and this Controller restarts with the
   * journal's state.
   */
  public record Resynced() implements Event {}

  public record PartitionAssignment(String topic, int partition, ReplicaAssignment assignment) implements CborSerializable {}

  // ---- state ----------------------------------------------------------------------------

  /**
   * The topics, the cluster's id (null until a broker first asks for it) and the first producer
   * id not yet allocated.
   */
  public record State(Map<String, Topic> topics, String clusterId, long nextProducerId) implements CborSerializable {
    public State {
      topics = Map.copyOf(topics);
    }

    State with(Topic topic) {
      Map<String, Topic> next = new HashMap<>(topics);
      next.put(topic.name(), topic);
      return new State(next, clusterId, nextProducerId);
    }

    State withClusterId(String id) {
      return new State(topics, id, nextProducerId);
    }

    State withAssignment(String topic, int partition, ReplicaAssignment assignment) {
      Topic current = topics.get(topic);
      return current == null ? this : with(current.withAssignment(partition, assignment));
    }

    State withProducerIdsUpTo(long next) {
      return new State(topics, clusterId, next);
    }

    State without(String name) {
      Map<String, Topic> next = new HashMap<>(topics);
      next.remove(name);
      return new State(next, clusterId, nextProducerId);
    }
  }

  // ---- setup ----------------------------------------------------------------------------

  /** Starts the singleton (on the oldest node) and returns a proxy to it from this node. */
  public static ActorRef<Command> initSingleton(
      ActorSystem<?> system, ControllerSettings settings, AssignmentSubscribers<?> subscribers) {
    return ClusterSingleton.get(system).init(SingletonActor.of(create(settings, subscribers), "controller"));
  }

  public static Behavior<Command> create(ControllerSettings settings, AssignmentSubscribers<?> subscribers) {
    return Behaviors.setup(context -> {
      // Commands from these arrive once recovery is done (they are stashed until then).
      Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.MemberEvent.class, MemberChanged::new),
          ClusterEvent.MemberEvent.class));
      // Leaders move off a broker as soon as it is unreachable, not only once it is downed.
      Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.ReachabilityEvent.class, event -> new ReachabilityChanged(
              event.member().uniqueAddress(), event instanceof ClusterEvent.ReachableMember)),
          ClusterEvent.ReachabilityEvent.class));
      context.getSystem().receptionist().tell(Receptionist.subscribe(subscribers.listeners(),
          context.messageAdapter(Receptionist.Listing.class, ListenersChanged::new)));
      return new Controller(context, settings, subscribers);
    });
  }

  private final ActorContext<Command> context;
  private final ControllerSettings settings;
  private final AssignmentSubscribers<?> subscribers;
  private final AssignmentListeners<?> listeners;
  /** Members the failure detector suspects, as its events said. */
  private final Set<UniqueAddress> unreachable = new HashSet<>();
  /** The members, as their events said. */
  private final MemberView members;
  /** Counts elections and ISR changes once persisted (not when replayed). */
  private final ClusterHealth health;

  private Controller(ActorContext<Command> context, ControllerSettings settings, AssignmentSubscribers<?> subscribers) {
    // Brokers serve from the assignments they already have while the journal is down.
    super(PERSISTENCE_ID, JournalBackoff.strategy());
    this.context = context;
    this.settings = settings;
    this.subscribers = subscribers;
    this.listeners = new AssignmentListeners<>(subscribers);
    this.health = MetricsSetup.metricsOf(context.getSystem()).cluster();
    this.members = new MemberView(Cluster.get(context.getSystem()).state().getMembers());
  }

  @Override
  public State emptyState() {
    return new State(Map.of(), null, 0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(GetClusterId.class, this::onGetClusterId)
        .onCommand(CreateTopic.class, this::onCreateTopic)
        .onCommand(DeleteTopic.class, this::onDeleteTopic)
        .onCommand(AlterTopicConfigs.class, this::onAlterTopicConfigs)
        .onCommand(CreatePartitions.class, this::onCreatePartitions)
        .onCommand(GetTopics.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Topics(state.topics())))
        .onCommand(GetTopic.class, this::onGetTopic)
        .onCommand(AlterIsr.class, this::onAlterIsr)
        .onCommand(AllocateProducerIds.class, this::onAllocateProducerIds)
        .onCommand(MembershipChanged.class, (state, cmd) -> onMembershipChanged(state))
        .onCommand(MemberChanged.class, (state, cmd) -> {
          members.apply(cmd.event());
          return onMembershipChanged(state);
        })
        .onCommand(BrokerLeaving.class, (state, cmd) -> members.announceLeaving(new UniqueAddress(cmd.address(),
            cmd.uid())) ? onMembershipChanged(state) : Effect().none())
        .onCommand(ReachabilityChanged.class, this::onReachabilityChanged)
        .onCommand(ListenersChanged.class, this::onListenersChanged)
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ClusterIdCreated.class, (state, event) -> state.withClusterId(event.clusterId()))
        .onEvent(TopicCreated.class, (state, event) -> state.with(event.topic()))
        .onEvent(TopicDeleted.class, (state, event) -> state.without(event.name()))
        .onEvent(
            TopicConfigsChanged.class,
            (state, event) -> state.with(state.topics().get(event.name()).withConfigs(event.configs())))
        .onEvent(PartitionsCreated.class,
            (state, event) -> state.with(state.topics().get(event.name()).withPartitionsAdded(event.added())))
        .onEvent(LeadersElected.class, Controller::applyLeadersElected)
        .onEvent(IsrChanged.class, Controller::applyIsrChanged)
        .onEvent(ProducerIdsAllocated.class,
            (state, event) -> state.withProducerIdsUpTo(event.firstId() + event.size()))
        .onEvent(Resynced.class, (state, event) -> state)
        .build();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        // A Controller that moved here may have missed the membership change that moved it.
        .onSignal(RecoveryCompleted.instance(), state -> context.getSelf().tell(MembershipChanged.INSTANCE))
        .build();
  }

  private static State applyLeadersElected(State state, LeadersElected event) {
    State next = state;
    for (PartitionAssignment change : event.changes()) {
      next = next.withAssignment(change.topic(), change.partition(), change.assignment());
    }
    return next;
  }

  private static State applyIsrChanged(State state, IsrChanged event) {
    Topic topic = state.topics().get(event.topic());
    if (topic == null) {
      return state;
    }
    ReplicaAssignment current = topic.partitions().get(event.partition());
    return state.withAssignment(event.topic(), event.partition(),
        current.withIsr(event.isr()));
  }

  // ---- handlers -------------------------------------------------------------------------

  private Effect<Event, State> onGetClusterId(State state, GetClusterId cmd) {
    if (state.clusterId() != null) {
      return Effect().reply(cmd.replyTo(), new ClusterId(state.clusterId()));
    }
    boolean adopted = cmd.proposed() != null && !cmd.proposed().isBlank();
    String id = adopted ? cmd.proposed() : UUID.randomUUID().toString();
    context.getLog().info("Cluster id {} ({})", id, adopted ? "adopted from the first broker that asked" : "new");
    return Effect()
        .persist(new ClusterIdCreated(id))
        .thenReply(cmd.replyTo(), next -> new ClusterId(next.clusterId()));
  }

  private Effect<Event, State> onAllocateProducerIds(State state, AllocateProducerIds cmd) {
    long first = state.nextProducerId();
    return Effect()
        .persist(new ProducerIdsAllocated(cmd.brokerId(), first, ProducerIdBlock.SIZE))
        .thenReply(cmd.replyTo(), next -> new ProducerIdBlock(first, ProducerIdBlock.SIZE));
  }

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
    List<BrokerAddress> brokers = BrokerRoles.live(Cluster.get(context.getSystem()));
    if (cmd.replicationFactor() <= 0 || cmd.replicationFactor() > brokers.size()) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_REPLICATION_FACTOR,
          "replication factor must be between 1 and the number of live brokers (" + brokers.size()
              + "), was " + cmd.replicationFactor()));
    }
    Optional<String> configProblem = configProblem(cmd.configs(), cmd.replicationFactor());
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
        .thenRun(this::announceAssignments)
        .thenReply(cmd.replyTo(), next -> TopicReply.ok(topic));
  }

  private Effect<Event, State> onDeleteTopic(State state, DeleteTopic cmd) {
    Topic topic = state.topics().get(cmd.name());
    if (topic == null) {
      return Effect().reply(cmd.replyTo(), unknownTopic(cmd.name()));
    }
    return Effect()
        .persist(new TopicDeleted(topic.name(), topic.topicId()))
        .thenRun(next -> {
          subscribers.topicDeleted(topic);
          announceAssignments(next);
        })
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
    Optional<String> problem = configProblem(configs, topic.partitions().get(0).replicas().size());
    if (problem.isPresent()) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_CONFIG, problem.get()));
    }
    Topic changed = topic.withConfigs(configs);
    return Effect()
        .persist(new TopicConfigsChanged(topic.name(), configs))
        .thenRun(next -> {
          subscribers.configsChanged(changed);
          // Followers learn the new configs with the assignments.
          announceAssignments(next);
        })
        .thenReply(cmd.replyTo(), next -> TopicReply.ok(changed));
  }

  private Effect<Event, State> onCreatePartitions(State state, CreatePartitions cmd) {
    Topic topic = state.topics().get(cmd.name());
    if (topic == null) {
      return Effect().reply(cmd.replyTo(), unknownTopic(cmd.name()));
    }
    int current = topic.partitions().size();
    if (cmd.totalCount() <= current) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_PARTITIONS, "topic '" + cmd.name()
          + "' has " + current + " partitions; the new count must be larger, was " + cmd.totalCount()));
    }
    if (cmd.totalCount() - current > MAX_PARTITIONS_ADDED) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_PARTITIONS, "at most "
          + MAX_PARTITIONS_ADDED + " partitions can be added at once, not " + (cmd.totalCount() - current)));
    }
    int replicationFactor = topic.partitions().get(0).replicas().size();
    List<BrokerAddress> brokers = BrokerRoles.live(Cluster.get(context.getSystem()));
    if (replicationFactor > brokers.size()) {
      return Effect().reply(cmd.replyTo(), TopicReply.failed(ErrorCode.INVALID_REPLICATION_FACTOR, "topic '"
          + cmd.name() + "' has " + replicationFactor + " replicas per partition, more than the " + brokers.size()
          + " live brokers"));
    }
    List<ReplicaAssignment> added = new ArrayList<>();
    for (List<Integer> replicas : ReplicaPlacement.placeAdded(brokers, topic.partitions().get(0).replicas().get(0),
        current, cmd.totalCount(), replicationFactor)) {
      added.add(new ReplicaAssignment(replicas, replicas.get(0), 0, replicas));
    }
    Topic grown = topic.withPartitionsAdded(added);
    if (cmd.validateOnly()) {
      return Effect().reply(cmd.replyTo(), TopicReply.ok(grown));
    }
    context.getLog().info("Topic {}: {} -> {} partitions", cmd.name(), current, cmd.totalCount());
    return Effect()
        .persist(new PartitionsCreated(cmd.name(), added))
        .thenRun(this::announceAssignments)
        .thenReply(cmd.replyTo(), next -> TopicReply.ok(next.topics().get(cmd.name())));
  }

  private Effect<Event, State> onGetTopic(State state, GetTopic cmd) {
    Topic topic = state.topics().get(cmd.name());
    return Effect().reply(cmd.replyTo(), topic == null ? unknownTopic(cmd.name()) : TopicReply.ok(topic));
  }

  private Effect<Event, State> onAlterIsr(State state, AlterIsr cmd) {
    Topic topic = state.topics().get(cmd.topic());
    if (topic == null || cmd.partition() < 0 || cmd.partition() >= topic.partitions().size()) {
      return Effect().reply(cmd.replyTo(), new AlterIsrReply(null, Failure.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          "topic partition " + cmd.topic() + "-" + cmd.partition() + " does not exist")));
    }
    ReplicaAssignment current = topic.partitions().get(cmd.partition());
    if (cmd.leaderEpoch() > current.leaderEpoch()) {
      // Only a Controller elects: one that did while this one was cut off. Unanswered, the
      // leader asks again, by then of this Controller with the journal's state.
      context.getLog().info("Partition {}-{}: a leader at epoch {}, newer than {}: reading the journal again",
          cmd.topic(), cmd.partition(), cmd.leaderEpoch(), current.leaderEpoch());
      return resync();
    }
    AlterIsrReply unchanged =
        answerWithoutChange(cmd, current, LiveBrokers.electable(members.members(), unreachable));
    if (unchanged != null) {
      return Effect().reply(cmd.replyTo(), unchanged);
    }
    ReplicaAssignment changed = current.withIsr(cmd.isr());
    context.getLog().info("Partition {}-{}: ISR {} -> {} (epoch {})", cmd.topic(), cmd.partition(), current.isr(),
        cmd.isr(), current.leaderEpoch());
    return Effect()
        .persist(new IsrChanged(cmd.topic(), cmd.partition(), List.copyOf(cmd.isr())))
        // The preferred replica may just have come back into the ISR: it may lead again.
        .thenRun(next -> {
          health.isrChanged(current.isr().size(), cmd.isr().size());
          context.getSelf().tell(MembershipChanged.INSTANCE);
        })
        .thenReply(cmd.replyTo(), next -> new AlterIsrReply(changed, null));
  }

  /**
   * The answer to an ISR change that changes nothing: refused (not from the current leader at
   * its epoch, an ISR without the leader or with a non-replica, computed from an older
   * partition epoch, or adding a broker not in {@code live}: one leaving or suspected would be
   * taken out again at once, holding acks=all writes meanwhile), or already in effect; null if
   * it is to be made.
   */
  static AlterIsrReply answerWithoutChange(AlterIsr cmd, ReplicaAssignment current, Set<Integer> live) {
    String partition = cmd.topic() + "-" + cmd.partition();
    if (cmd.leader() != current.leader() || cmd.leaderEpoch() != current.leaderEpoch()) {
      return new AlterIsrReply(current, Failure.of(ErrorCode.FENCED_LEADER_EPOCH, "broker " + cmd.leader()
          + " at epoch " + cmd.leaderEpoch() + " does not lead " + partition + " (leader " + current.leader()
          + ", epoch " + current.leaderEpoch() + ")"));
    }
    if (!cmd.isr().contains(cmd.leader()) || !current.replicas().containsAll(cmd.isr())) {
      return new AlterIsrReply(current, Failure.of(ErrorCode.INVALID_REQUEST,
          "ISR " + cmd.isr() + " must hold the leader and only replicas " + current.replicas()));
    }
    if (cmd.isr().equals(current.isr())) {
      return new AlterIsrReply(current, null);
    }
    if (cmd.partitionEpoch() != current.partitionEpoch()) {
      return new AlterIsrReply(current, Failure.of(ErrorCode.INVALID_UPDATE_VERSION, "ISR change for " + partition
          + " computed at partition epoch " + cmd.partitionEpoch() + ", which is now " + current.partitionEpoch()));
    }
    for (int member : cmd.isr()) {
      if (!current.isr().contains(member) && !live.contains(member)) {
        return new AlterIsrReply(current, Failure.of(ErrorCode.INELIGIBLE_REPLICA, "broker " + member
            + " may not join the ISR of " + partition + ": it is not live (live brokers " + live + ")"));
      }
    }
    return null;
  }

  private Effect<Event, State> onMembershipChanged(State state) {
    Set<Integer> live = LiveBrokers.electable(members.members(), unreachable);
    Set<Integer> brokers = LiveBrokers.members(members.members());
    List<PartitionAssignment> changes = new ArrayList<>();
    List<Topic> topics = new ArrayList<>(state.topics().values());
    topics.sort(Comparator.comparing(Topic::name));
    for (Topic topic : topics) {
      for (int p = 0; p < topic.partitions().size(); p++) {
        ReplicaAssignment current = topic.partitions().get(p);
        ReplicaAssignment elected = LeaderElection.reconcile(current, live, brokers);
        if (elected != current && elected.leaderEpoch() == current.leaderEpoch()) {
          context.getLog().info("Partition {}-{}: ISR {} -> {} (epoch {}): not live (live brokers {})", topic.name(), p,
              current.isr(), elected.isr(), elected.leaderEpoch(), live);
          changes.add(new PartitionAssignment(topic.name(), p, elected));
        } else if (elected != current) {
          context.getLog().info("Partition {}-{}: leader {} -> {}, epoch {}, ISR {} (live brokers {})", topic.name(), p,
              current.leader(), elected.leader(), elected.leaderEpoch(), elected.isr(), live);
          changes.add(new PartitionAssignment(topic.name(), p, elected));
        }
      }
    }
    if (changes.isEmpty()) {
      return Effect().none();
    }
    return Effect()
        .persist(new LeadersElected(changes))
        .thenRun(next -> {
          announceAssignments(next);
          for (PartitionAssignment change : changes) {
            Topic topic = state.topics().get(change.topic());
            ReplicaAssignment before = topic.partitions().get(change.partition());
            if (before.leaderEpoch() == change.assignment().leaderEpoch()) {
              health.isrChanged(before.isr().size(), change.assignment().isr().size());
            } else {
              health.leadersElected(1);
            }
            subscribers.leaderElected(new PartitionKey(change.topic(), change.partition()), topic.topicId(),
                before.leader(), change.assignment());
          }
        });
  }

  private Effect<Event, State> onReachabilityChanged(State state, ReachabilityChanged cmd) {
    if (!cmd.reachable()) {
      unreachable.add(cmd.node());
      return onMembershipChanged(state);
    }
    if (!unreachable.remove(cmd.node())) {
      return onMembershipChanged(state);
    }
    // This node and that one were cut off: if this node was the one cut off, a stand-in may
    // have decided meanwhile, and this Controller must read that before it decides or answers.
    return resync().thenRun(next -> context.getSelf().tell(MembershipChanged.INSTANCE));
  }

  private EffectBuilder<Event, State> resync() {
    return Effect().persist(new Resynced());
  }

  private Effect<Event, State> onListenersChanged(State state, ListenersChanged cmd) {
    listeners.update(cmd.listing(), state.topics());
    return Effect().none();
  }

  // ---- helpers --------------------------------------------------------------------------

  /** Tells every broker the assignments. */
  private void announceAssignments(State state) {
    listeners.announce(state.topics());
  }

  private static TopicReply unknownTopic(String name) {
    return TopicReply.failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
  }

  private Optional<String> configProblem(Map<String, String> overrides, int replicationFactor) {
    try {
      LogConfig logConfig = LogConfig.fromMap(overrides, settings.topicDefaults());
      if (replicationFactor > 1 && logConfig.maxMessageBytes() > settings.largestReplicatedBatch()) {
        // A follower copies each batch in one remote message; a larger one would stall it for good.
        return Optional.of("max.message.bytes " + logConfig.maxMessageBytes() + " is more than a replicated batch"
            + " may be: " + settings.largestReplicatedBatch() + " (akka.remote.artery.advanced.maximum-frame-size less room for"
            + " the envelope)");
      }
      return Optional.empty();
    } catch (InvalidConfigException e) {
      return Optional.of(e.getMessage());
    }
  }

  /**
   * Kafka's placement ({@link ReplicaPlacement}), from a random start: leaders and copies
   * spread evenly over the brokers, and over racks where brokers have them.
   */
  static List<ReplicaAssignment> assignReplicas(List<BrokerAddress> brokers, int partitions, int replicationFactor) {
    int start = ThreadLocalRandom.current().nextInt(brokers.size());
    List<ReplicaAssignment> assignments = new ArrayList<>(partitions);
    for (List<Integer> replicas : ReplicaPlacement.place(brokers, partitions, replicationFactor, start)) {
      assignments.add(new ReplicaAssignment(replicas, replicas.get(0), 0, replicas));
    }
    return assignments;
  }
}
