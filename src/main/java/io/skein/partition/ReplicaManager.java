package io.skein.partition;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import io.skein.cluster.Controller;
import io.skein.cluster.LeaderLocations;
import io.skein.common.AkkaFutures;
import io.skein.common.CborSerializable;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One per node: runs a {@link ReplicaFollower} for every partition this broker follows, and
 * arbitrates who writes each local log. A {@link PartitionLeader} starting here takes the log
 * over with {@link AcquireLog} (the follower is stopped first) and gives it back when it
 * stops; only then may a follower start again.
 *
 * <p>It learns assignments from the Controller, which pushes them to every registered manager
 * after each change, and asks for them now and then in case a push was lost. It also wakes
 * the partitions this broker leads, so that they lead before their first request.
 */
public final class ReplicaManager {

  public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "skein-replica-manager");

  public sealed interface Command extends CborSerializable {}

  /** Every topic and its assignments, pushed by the Controller after a change. */
  public record AssignmentsChanged(Map<String, Topic> topics) implements Command {}

  /** From the local PartitionLeader: stop following {@code key}, answer when the log is free. */
  public record AcquireLog(PartitionKey key, ActorRef<LogHandedOver> replyTo) implements Command {}

  /** From the local PartitionLeader when it stops: the log is free again. */
  public record ReleaseLog(PartitionKey key) implements Command {}

  public record LogHandedOver(PartitionKey key) implements CborSerializable {}

  private record FollowerStopped(PartitionKey key) implements Command {}

  private record Refreshed(Controller.Topics topics, Throwable failure) implements Command {}

  private enum Refresh implements Command {
    INSTANCE
  }

  private record Following(
      ActorRef<ReplicaFollower.Command> follower, String topicId, int leader, int leaderEpoch,
      Map<String, String> configs) {}

  public static Behavior<Command> create(
      PartitionSettings config, ReplicationConfig replication, ActorRef<Controller.Command> controller) {
    return Behaviors.withTimers(timers -> Behaviors.setup(context -> {
      context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
      timers.startTimerWithFixedDelay(Refresh.INSTANCE, replication.assignmentsRefreshInterval());
      return new ReplicaManager(config, replication, controller, context).behavior();
    }));
  }

  private final PartitionSettings config;
  private final ReplicationConfig replication;
  private final ActorRef<Controller.Command> controller;
  private final ActorContext<Command> context;
  private final Map<PartitionKey, Following> following = new HashMap<>();
  /** Followers told to stop, with the leaders waiting for their logs. */
  private final Map<PartitionKey, List<ActorRef<LogHandedOver>>> stopping = new HashMap<>();
  /** Data to remove once the follower stopped: its topic was deleted. */
  private final Map<PartitionKey, String> deleteAfterStop = new HashMap<>();
  private final Set<PartitionKey> ledHere = new HashSet<>();
  private Map<String, Topic> topics = Map.of();
  private int spawned;

  private ReplicaManager(
      PartitionSettings config, ReplicationConfig replication, ActorRef<Controller.Command> controller,
      ActorContext<Command> context) {
    this.config = config;
    this.replication = replication;
    this.controller = controller;
    this.context = context;
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(AssignmentsChanged.class, changed -> onAssignments(changed.topics()))
        .onMessage(AcquireLog.class, this::onAcquireLog)
        .onMessage(ReleaseLog.class, this::onReleaseLog)
        .onMessage(FollowerStopped.class, this::onFollowerStopped)
        .onMessageEquals(Refresh.INSTANCE, this::onRefresh)
        .onMessage(Refreshed.class, this::onRefreshed)
        .build();
  }

  private Behavior<Command> onAssignments(Map<String, Topic> latest) {
    topics = latest;
    LeaderLocations.get(context.getSystem()).update(latest);
    reconcile();
    wakeLedPartitions();
    return Behaviors.same();
  }

  private Behavior<Command> onAcquireLog(AcquireLog acquire) {
    ledHere.add(acquire.key());
    Following current = following.remove(acquire.key());
    if (current != null) {
      stopFollower(acquire.key(), current);
    }
    List<ActorRef<LogHandedOver>> waiting = stopping.get(acquire.key());
    if (waiting != null) {
      waiting.add(acquire.replyTo());
    } else {
      acquire.replyTo().tell(new LogHandedOver(acquire.key()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onReleaseLog(ReleaseLog release) {
    ledHere.remove(release.key());
    reconcile();
    return Behaviors.same();
  }

  private Behavior<Command> onFollowerStopped(FollowerStopped stopped) {
    List<ActorRef<LogHandedOver>> waiting = stopping.remove(stopped.key());
    String deletedTopicId = deleteAfterStop.remove(stopped.key());
    if (deletedTopicId != null) {
      try {
        PartitionDirectory.removeIfOwnedBy(config.partitionDir(stopped.key().topic(), stopped.key().partition()),
            deletedTopicId);
        context.getLog().info("Partition {}: follower data deleted with its topic", stopped.key());
      } catch (IOException e) {
        context.getLog().error("Partition {}: could not delete follower data", stopped.key(), e);
      }
    }
    if (waiting != null) {
      waiting.forEach(replyTo -> replyTo.tell(new LogHandedOver(stopped.key())));
    }
    reconcile();
    return Behaviors.same();
  }

  private Behavior<Command> onRefresh() {
    AkkaFutures.ask(context, Controller.Topics.class, controller, Duration.ofSeconds(10), Controller.GetTopics::new,
        Refreshed::new);
    return Behaviors.same();
  }

  private Behavior<Command> onRefreshed(Refreshed refreshed) {
    if (refreshed.failure() != null) {
      context.getLog().debug("Assignments refresh failed: {}", refreshed.failure().toString());
      return Behaviors.same();
    }
    return onAssignments(refreshed.topics().byName());
  }

  /** Starts, re-points and stops followers so that they match the assignments. */
  private void reconcile() {
    Set<PartitionKey> wanted = new HashSet<>();
    for (Topic topic : topics.values()) {
      for (PartitionKey key : topic.partitionKeys()) {
        ReplicaAssignment assignment = topic.partitions().get(key.partition());
        boolean follows = assignment.replicas().contains(config.brokerId())
            && assignment.leader() != config.brokerId()
            && assignment.leader() >= 0;
        if (!follows || ledHere.contains(key) || stopping.containsKey(key)) {
          continue;
        }
        Following current = following.get(key);
        if (current != null && !current.topicId().equals(topic.topicId())) {
          continue; // stopped below; a follower of the new topic starts once it has
        }
        wanted.add(key);
        if (current == null) {
          ActorRef<ReplicaFollower.Command> follower = context.spawn(
              ReplicaFollower.create(key, topic, assignment.leader(), assignment.leaderEpoch(), config, replication),
              "follower-" + key + "-" + (spawned++),
              DispatcherSelector.fromConfig("skein-log-dispatcher"));
          context.watchWith(follower, new FollowerStopped(key));
          following.put(key, new Following(follower, topic.topicId(), assignment.leader(), assignment.leaderEpoch(),
              topic.configs()));
        } else {
          boolean newLeader = current.leaderEpoch() < assignment.leaderEpoch();
          if (newLeader) {
            current.follower().tell(new ReplicaFollower.NewLeader(assignment.leader(), assignment.leaderEpoch()));
          }
          // The Controller pushes config changes to leaders only; followers learn them here.
          if (!current.configs().equals(topic.configs())) {
            current.follower().tell(new ReplicaFollower.ConfigChanged(topic.configs()));
          }
          following.put(key, new Following(current.follower(), current.topicId(),
              newLeader ? assignment.leader() : current.leader(),
              newLeader ? assignment.leaderEpoch() : current.leaderEpoch(), topic.configs()));
        }
      }
    }
    for (PartitionKey key : new ArrayList<>(following.keySet())) {
      if (!wanted.contains(key)) {
        Following current = following.remove(key);
        Topic topic = topics.get(key.topic());
        if (topic == null || !topic.topicId().equals(current.topicId())) {
          deleteAfterStop.put(key, current.topicId());
        }
        stopFollower(key, current);
      }
    }
  }

  private void stopFollower(PartitionKey key, Following current) {
    stopping.computeIfAbsent(key, k -> new ArrayList<>());
    context.stop(current.follower());
  }

  /**
   * Starts every partition this broker was elected to lead. Before this node's shard region has started there is nothing to wake: the node opens
   * its led partitions itself once it has started it.
   */
  private void wakeLedPartitions() {
    if (!PartitionLeader.shardRegionStarted(context.getSystem())) {
      return;
    }
    ClusterSharding sharding = ClusterSharding.get(context.getSystem());
    for (Topic topic : topics.values()) {
      for (PartitionKey key : topic.partitionKeys()) {
        if (topic.partitions().get(key.partition()).leader() == config.brokerId()) {
          PartitionLeader.on(sharding, key, config.brokerId())
              .tell(new PartitionLeader.Open(topic, context.getSystem().ignoreRef()));
        }
      }
    }
  }
}
