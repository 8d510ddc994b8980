package io.skein.broker;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.skein.common.AkkaFutures;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.common.FailureException;
import io.skein.group.ClassicGroup;
import io.skein.group.ConsumerGroup;
import io.skein.group.GroupCoordinator;
import io.skein.group.GroupIds;
import io.skein.group.GroupOffsetQueries;
import io.skein.group.GroupRegistry;
import io.skein.group.GroupSession;
import io.skein.group.GroupSettings;
import io.skein.metadata.PartitionKey;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.ResourceType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Consumer groups for any protocol: member sessions, committed offsets, and group
 * administration. Each group's {@link GroupCoordinator} answers wherever sharding placed it;
 * lag and offset resets also ask the partition leaders.
 */
public final class GroupRequests {

  /** A group with the lag of every partition it owns or has an offset for. */
  public record GroupDescription(GroupCoordinator.Description group, List<GroupOffsetQueries.PartitionLag> lags) {}

  private final ActorSystem<?> system;
  private final TopicAdmin topics;
  private final RequestSettings settings;
  private final ActorRef<GroupRegistry.Command> registry;
  private final GroupSettings groupSettings;
  private final GroupOffsetQueries queries;
  private final AtomicLong sessionIds = new AtomicLong();
  private final Access access;

  GroupRequests(ActorSystem<?> system, TopicAdmin topics, RequestSettings settings, Access access) {
    this.access = access;
    this.system = system;
    this.topics = topics;
    this.settings = settings;
    this.registry = GroupRegistry.initSingleton(system);
    this.groupSettings = GroupSettings.from(system.settings().config());
    this.queries = new GroupOffsetQueries(system, settings.requestTimeout(), Clock.systemUTC());
  }

  /**
   * Starts a member session on this node for {@code caller}'s client at {@code host}, writing to
   * {@code outbox}. A join needs READ on the group and on each topic it names (a pattern's
   * topics are checked as they are fetched); a refused join is answered with the failure. A
   * commit in the session needs READ on each topic, as OffsetCommit: a partition without it is
   * refused alone.
   */
  public ActorRef<GroupSession.Command> openSession(Caller caller, String host, GroupSession.Outbox outbox) {
    return system.systemActorOf(
        GroupSession.create(groupId -> GroupCoordinator.of(system, groupId), new SessionAccess(caller), host, outbox,
            groupSettings.maxQueuedPushes()),
        "group-session-" + sessionIds.incrementAndGet(), Props.empty());
  }

  /** A session's caller's ACLs. */
  private final class SessionAccess implements GroupSession.SessionAccess {
    private final Caller caller;

    SessionAccess(Caller caller) {
      this.caller = caller;
    }

    @Override
    public Failure joinRefusal(String groupId, List<String> topics) {
      if (!access.allows(caller, Operation.READ, ResourceType.GROUP, groupId)) {
        return Access.denied(caller, Operation.READ, ResourceType.GROUP, groupId).failure();
      }
      for (String topic : topics) {
        Failure refused = commitRefusal(topic);
        if (refused != null) {
          return refused;
        }
      }
      return null;
    }

    @Override
    public Failure commitRefusal(String topic) {
      return access.allows(caller, Operation.READ, ResourceType.TOPIC, topic)
          ? null : Access.denied(caller, Operation.READ, ResourceType.TOPIC, topic).failure();
    }
  }

  /**
   * Commits outside a session; an empty member id commits for a group without members. Needs
   * READ on the group, and on each topic: a partition of a topic without it is refused alone.
   */
  public CompletionStage<List<GroupCoordinator.PartitionResult>> commitOffsets(Caller caller,
      String groupId, String memberId, int generation, List<GroupCoordinator.OffsetToCommit> offsets) {
    checkGroupId(groupId);
    access.check(caller, Operation.READ, ResourceType.GROUP, groupId);
    List<GroupCoordinator.PartitionResult> refused = new ArrayList<>();
    List<GroupCoordinator.OffsetToCommit> readable =
        readable(caller, offsets, offset -> new PartitionKey(offset.topic(), offset.partition()), refused);
    if (readable.isEmpty()) {
      return CompletableFuture.completedFuture(refused);
    }
    return AkkaFutures.direct(coordinator(groupId).<GroupCoordinator.CommitReply>ask(
            replyTo -> new GroupCoordinator.Commit(0, memberId, generation, readable, null, replyTo),
            settings.requestTimeout()))
        .thenApply(reply -> {
          Answers.throwIfFailed(reply.failure());
          return withRefused(reply.results(), refused);
        });
  }

  /**
   * The items of topics {@code caller} may READ; each other one goes to {@code refused} as
   * TOPIC_AUTHORIZATION_FAILED, so that a partition is refused alone (as Kafka's offset APIs do).
   */
  private <T> List<T> readable(Caller caller, List<T> items, Function<T, PartitionKey> partitionOf,
      List<GroupCoordinator.PartitionResult> refused) {
    List<T> readable = new ArrayList<>(items.size());
    for (T item : items) {
      PartitionKey partition = partitionOf.apply(item);
      if (access.allows(caller, Operation.READ, ResourceType.TOPIC, partition.topic())) {
        readable.add(item);
      } else {
        refused.add(new GroupCoordinator.PartitionResult(partition.topic(), partition.partition(),
            Access.denied(caller, Operation.READ, ResourceType.TOPIC, partition.topic()).failure()));
      }
    }
    return readable;
  }

  private static List<GroupCoordinator.PartitionResult> withRefused(List<GroupCoordinator.PartitionResult> results,
      List<GroupCoordinator.PartitionResult> refused) {
    if (refused.isEmpty()) {
      return results;
    }
    List<GroupCoordinator.PartitionResult> all = new ArrayList<>(results);
    all.addAll(refused);
    return all;
  }

  /**
   * Committed offsets of {@code partitions} (all if empty); an empty member id skips fencing.
   * Needs DESCRIBE on the group; offsets of topics the caller may not describe are left out.
   */
  public CompletionStage<List<GroupCoordinator.CommittedOffset>> fetchOffsets(Caller caller,
      String groupId, String memberId, int generation, List<PartitionKey> partitions) {
    checkGroupId(groupId);
    access.check(caller, Operation.DESCRIBE, ResourceType.GROUP, groupId);
    return AkkaFutures.direct(coordinator(groupId).<GroupCoordinator.OffsetsReply>ask(
            replyTo -> new GroupCoordinator.FetchOffsets(memberId, generation, partitions, replyTo),
            settings.requestTimeout()))
        .thenApply(reply -> {
          Answers.throwIfFailed(reply.failure());
          return reply.offsets().stream()
              .filter(offset -> access.shows(caller, Operation.DESCRIBE, ResourceType.TOPIC, offset.topic()))
              .toList();
        });
  }

  // ---- Kafka's classic group protocol ---------------------------------------------------

  /**
   * A classic-protocol join; completes when the group's join phase ends (up to the rebalance
   * timeout), or at once with a member id to rejoin with if {@code requireKnownMemberId}.
   */
  public CompletionStage<GroupCoordinator.ClassicJoined> joinClassic(Caller caller, String groupId, String memberId,
      String groupInstanceId, String clientId, String host, int sessionTimeoutMs, int rebalanceTimeoutMs, String protocolType,
      List<ClassicGroup.Protocol> protocols, boolean requireKnownMemberId) {
    return guarded(caller, Operation.READ,
        () -> AkkaFutures.direct(coordinator(groupId).<GroupCoordinator.ClassicJoined>ask(
            replyTo -> new GroupCoordinator.ClassicJoin(memberId, groupInstanceId, clientId, host, sessionTimeoutMs, rebalanceTimeoutMs,
                protocolType, protocols, requireKnownMemberId, replyTo),
            settings.requestTimeout().plusMillis(Math.max(rebalanceTimeoutMs, sessionTimeoutMs))))
        .thenApply(joined -> {
          Answers.throwIfFailed(joined.failure());
          return joined;
        }), groupId);
  }

  /** A classic-protocol sync; a follower's completes once the leader's assignment is in. */
  public CompletionStage<GroupCoordinator.ClassicSynced> syncClassic(Caller caller, String groupId, String memberId,
      String groupInstanceId, int generation, String protocolType, String protocolName, Map<String, byte[]> assignments) {
    return guarded(caller, Operation.READ,
        () -> AkkaFutures.direct(coordinator(groupId).<GroupCoordinator.ClassicSynced>ask(
            replyTo -> new GroupCoordinator.ClassicSync(memberId, groupInstanceId, generation, protocolType, protocolName, assignments,
                replyTo),
            settings.requestTimeout().plus(groupSettings.defaultRebalanceTimeout())))
        .thenApply(synced -> {
          Answers.throwIfFailed(synced.failure());
          return synced;
        }), groupId);
  }

  public CompletionStage<Void> heartbeatClassic(Caller caller, String groupId, String memberId, String groupInstanceId,
      int generation) {
    return guarded(caller, Operation.READ, () -> AkkaFutures.direct(coordinator(groupId).<GroupCoordinator.Done>ask(
            replyTo -> new GroupCoordinator.ClassicHeartbeat(memberId, groupInstanceId, generation, replyTo), settings.requestTimeout()))
        .thenAccept(done -> Answers.throwIfFailed(done.failure())), groupId);
  }

  /** Removes classic members; one outcome per member, in order. */
  public CompletionStage<List<GroupCoordinator.Done>> leaveClassic(Caller caller,
      String groupId, List<GroupCoordinator.LeavingMember> members) {
    return guarded(caller, Operation.READ,
        () -> AkkaFutures.direct(coordinator(groupId).<GroupCoordinator.ClassicLeft>ask(
            replyTo -> new GroupCoordinator.ClassicLeave(members, replyTo), settings.requestTimeout()))
        .thenApply(GroupCoordinator.ClassicLeft::outcomes), groupId);
  }

  // ---- Kafka's consumer group protocol (KIP-848) ----------------------------------------

  /** A ConsumerGroupHeartbeat: joins, reconciles, leaves; the answer carries its failure, if any. */
  public CompletionStage<ConsumerGroup.Answer> consumerHeartbeat(Caller caller, String groupId,
      ConsumerGroup.Heartbeat heartbeat) {
    return guarded(caller, Operation.READ, () -> AkkaFutures.direct(coordinator(groupId).<ConsumerGroup.Answer>ask(
        replyTo -> new GroupCoordinator.ConsumerHeartbeat(heartbeat, replyTo), settings.requestTimeout())), groupId);
  }

  /**
   * Deletes committed offsets of partitions no member's subscription covers; a result per
   * partition. Needs DELETE on the group, and READ on each topic (a partition without it is refused alone).
   */
  public CompletionStage<List<GroupCoordinator.PartitionResult>> deleteOffsets(Caller caller,
      String groupId, List<PartitionKey> partitions) {
    return guarded(caller, Operation.DELETE, () -> {
      List<GroupCoordinator.PartitionResult> refused = new ArrayList<>();
      List<PartitionKey> readable = readable(caller, partitions, Function.identity(), refused);
      if (readable.isEmpty()) {
        return CompletableFuture.completedFuture(refused);
      }
      return AkkaFutures.direct(coordinator(groupId).<GroupCoordinator.OffsetsDeleted>ask(
              replyTo -> new GroupCoordinator.DeleteOffsets(readable, replyTo), settings.requestTimeout()))
          .thenApply(deleted -> {
            Answers.throwIfFailed(deleted.failure());
            return withRefused(deleted.results(), refused);
          });
    }, groupId);
  }

  /** The group's members and state without lags; its failure is GROUP_ID_NOT_FOUND if it does not exist. */
  public CompletionStage<GroupCoordinator.Description> describeMembers(Caller caller, String groupId) {
    return guarded(caller, Operation.DESCRIBE, () -> describe(groupId), groupId);
  }

  /** Every group that exists and the caller may describe. */
  public CompletionStage<List<GroupCoordinator.Description>> listGroups(Caller caller) {
    return AkkaFutures.direct(AskPattern.<GroupRegistry.Command, GroupRegistry.Groups>ask(
            registry, GroupRegistry.ListGroups::new, settings.requestTimeout(), system.scheduler()))
        .thenCompose(groups -> Answers.allOf(groups.groupIds().stream()
            .filter(id -> access.shows(caller, Operation.DESCRIBE, ResourceType.GROUP, id))
            .map(id -> describe(id).toCompletableFuture()).toList()))
        .thenApply(described -> described.stream().filter(d -> d.failure() == null).toList());
  }

  public CompletionStage<GroupDescription> describeGroup(Caller caller, String groupId) {
    checkGroupId(groupId);
    access.check(caller, Operation.DESCRIBE, ResourceType.GROUP, groupId);
    return existing(groupId).thenCompose(group -> queries.lags(group).thenApply(lags -> new GroupDescription(group, lags)));
  }

  /**
   * The offsets a reset of {@code topics} (every topic with a committed offset if empty)
   * moves to, committed too if {@code execute}. Only for a group without members.
   */
  public CompletionStage<List<GroupOffsetQueries.OffsetReset>> resetOffsets(Caller caller,
      String groupId, List<String> topicNames, GroupOffsetQueries.ResetTarget target, boolean execute) {
    checkGroupId(groupId);
    access.check(caller, Operation.READ, ResourceType.GROUP, groupId);
    return existing(groupId)
        .thenCompose(group -> {
          if (!group.members().isEmpty()) {
            throw new FailureException(ErrorCode.NON_EMPTY_GROUP, "group " + group.groupId() + " has "
                + group.members().size() + " active member(s); offsets can only be reset while it has none");
          }
          return topics.topics().thenCompose(existing -> queries.planReset(group, topicNames, target, existing));
        })
        .thenCompose(changes -> execute ? commitReset(groupId, changes) : CompletableFuture.completedFuture(changes));
  }

  /** Deletes a group without members; needs DELETE on it. */
  public CompletionStage<Void> deleteGroup(Caller caller, String groupId) {
    checkGroupId(groupId);
    access.check(caller, Operation.DELETE, ResourceType.GROUP, groupId);
    return AkkaFutures.direct(coordinator(groupId).<GroupCoordinator.Done>ask(
            GroupCoordinator.DeleteGroup::new, settings.requestTimeout()))
        .thenAccept(done -> Answers.throwIfFailed(done.failure()));
  }

  // ---- helpers --------------------------------------------------------------------------

  private CompletionStage<List<GroupOffsetQueries.OffsetReset>> commitReset(
      String groupId, List<GroupOffsetQueries.OffsetReset> changes) {
    List<GroupCoordinator.OffsetToCommit> offsets = changes.stream()
        .map(c -> new GroupCoordinator.OffsetToCommit(c.partition().topic(), c.partition().partition(), c.offset(), ""))
        .toList();
    return AkkaFutures.direct(coordinator(groupId).<GroupCoordinator.Done>ask(
            replyTo -> new GroupCoordinator.ResetOffsets(offsets, replyTo), settings.requestTimeout()))
        .thenApply(done -> {
          Answers.throwIfFailed(done.failure());
          return changes;
        });
  }

  /** The group, or a failed stage if it does not exist. */
  private CompletionStage<GroupCoordinator.Description> existing(String groupId) {
    return describe(groupId).thenApply(group -> {
      Answers.throwIfFailed(group.failure());
      return group;
    });
  }

  private CompletionStage<GroupCoordinator.Description> describe(String groupId) {
    return AkkaFutures.direct(coordinator(groupId).ask(GroupCoordinator.Describe::new, settings.requestTimeout()));
  }

  /** The stage of {@code call} for a valid group id, a failed one (INVALID_GROUP_ID) otherwise. */
  /** The call, if the group id is valid and the caller may {@code operation} the group; else the failure. */
  private <T> CompletionStage<T> guarded(Caller caller, Operation operation,
      java.util.function.Supplier<CompletionStage<T>> call, String groupId) {
    try {
      checkGroupId(groupId);
      access.check(caller, operation, ResourceType.GROUP, groupId);
      return call.get();
    } catch (FailureException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private EntityRef<GroupCoordinator.Command> coordinator(String groupId) {
    return GroupCoordinator.of(system, groupId);
  }

  private static void checkGroupId(String groupId) {
    GroupIds.problem(groupId).ifPresent(problem -> {
      throw new FailureException(ErrorCode.INVALID_GROUP_ID, problem);
    });
  }
}
