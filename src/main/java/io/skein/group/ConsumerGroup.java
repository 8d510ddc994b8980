package io.skein.group;

import akka.actor.typed.ActorRef;
import io.skein.common.CborSerializable;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.group.assign.Assignor;
import io.skein.group.assign.CooperativeStickyAssignor;
import io.skein.group.assign.RangeAssignor;
import io.skein.metadata.Topic;
import io.skein.metadata.PartitionKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Kafka's consumer group protocol (KIP-848, ConsumerGroupHeartbeat) for one group, as a plain
 * state machine its {@link GroupCoordinator} drives, as it drives a {@link ClassicGroup}.
 *
 * <p>Three epochs, as in Kafka: the <b>group epoch</b> grows with every change of members,
 * subscriptions or subscribed topics' partitions; the <b>assignment epoch</b> is the group
 * epoch the target assignment (the server-side assignor's answer) was computed for; each
 * member's <b>member epoch</b> reaches the assignment epoch once the member is reconciled.
 * A member is only reconciled on its own heartbeat: partitions of its target that another
 * member still owns or is revoking are held back (UNRELEASED_PARTITIONS) until released, and
 * a member that must give partitions up keeps its epoch with the rest (UNREVOKED_PARTITIONS)
 * until a heartbeat shows it no longer owns them. So no partition has two owners.
 *
 * <p>Replies are queued in its {@link StepOutcome}; the coordinator persists the {@link
 * Snapshot} first when it changed. Members from a snapshot get a fresh session, so after a
 * coordinator restart they heartbeat on with their epochs.
 */
public final class ConsumerGroup {

  public static final String UNIFORM = "uniform";
  public static final String RANGE = "range";
  /** The server-side assignors by name; the first is the default. */
  public static final List<String> ASSIGNORS = List.of(UNIFORM, RANGE);

  public static final int LEAVE_EPOCH = -1;
  public static final int STATIC_LEAVE_EPOCH = -2;

  /** Kafka's group states, named as ConsumerGroupDescribe and ListGroups show them. */
  public enum Phase { EMPTY, ASSIGNING, RECONCILING, STABLE }

  public enum MemberState { STABLE, UNREVOKED_PARTITIONS, UNRELEASED_PARTITIONS }

  /**
   * A member as persisted; {@code memberEpoch} -2 for a static member that left and may come
   * back. {@code assignmentEpochs}: the member epoch at which each assigned partition (by its
   * {@link PartitionKey#entityId()}) was assigned, for commits at an older epoch (KIP-1251).
   */
  public record Member(
      String memberId,
      String instanceId,
      String rackId,
      String clientId,
      String host,
      List<String> topicNames,
      String topicRegex,
      String assignor,
      int rebalanceTimeoutMs,
      int memberEpoch,
      int previousMemberEpoch,
      MemberState state,
      Set<PartitionKey> assigned,
      Set<PartitionKey> revoking,
      Map<String, Integer> assignmentEpochs)
      implements CborSerializable {

    public Member {
      topicNames = List.copyOf(topicNames);
      assigned = Set.copyOf(assigned);
      revoking = Set.copyOf(revoking);
      assignmentEpochs = Map.copyOf(assignmentEpochs);
    }

    boolean subscribes(String topic) {
      return topicNames.contains(topic) || (!topicRegex.isEmpty() && Pattern.matches(topicRegex, topic));
    }

    Member subscribing(List<String> names, String regex, String serverAssignor) {
      return new Member(memberId, instanceId, rackId, clientId, host, names, regex, serverAssignor, rebalanceTimeoutMs,
          memberEpoch, previousMemberEpoch, state, assigned, revoking, assignmentEpochs);
    }

    /** At {@code epoch} with these partitions; those it had already keep the epoch they were assigned at. */
    Member reconciled(int epoch, MemberState next, Set<PartitionKey> nowAssigned, Set<PartitionKey> nowRevoking) {
      int previous = epoch == memberEpoch ? previousMemberEpoch : memberEpoch;
      Map<String, Integer> epochs = new HashMap<>();
      nowAssigned.forEach(p -> epochs.put(p.toString(), assignmentEpochs.getOrDefault(p.toString(), epoch)));
      return new Member(memberId, instanceId, rackId, clientId, host, topicNames, topicRegex, assignor,
          rebalanceTimeoutMs, epoch, previous, next, nowAssigned, nowRevoking, epochs);
    }

    /** Whether a commit for {@code partition} at {@code epoch} comes from this member's ownership of it. */
    boolean ownedAt(PartitionKey partition, int epoch) {
      Integer assignedAt = assignmentEpochs.get(partition.toString());
      return assigned.contains(partition) && assignedAt != null && assignedAt <= epoch;
    }

    Member as(String newMemberId, String newClientId, String newHost, int newEpoch) {
      return new Member(newMemberId, instanceId, rackId, newClientId, newHost, topicNames, topicRegex, assignor,
          rebalanceTimeoutMs, newEpoch, previousMemberEpoch, state, assigned, revoking, assignmentEpochs);
    }
  }

  /** What Kafka keeps of a consumer group; {@code partitionCounts}: the subscribed topics' at the last assignment. */
  public record Snapshot(
      int groupEpoch,
      int assignmentEpoch,
      Map<String, Member> members,
      Map<String, Set<PartitionKey>> target,
      Map<String, Integer> partitionCounts,
      long emptySince)
      implements CborSerializable {

    public Snapshot {
      members = Map.copyOf(members);
      Map<String, Set<PartitionKey>> copy = new HashMap<>();
      target.forEach((m, partitions) -> copy.put(m, Set.copyOf(partitions)));
      target = Map.copyOf(copy);
      partitionCounts = Map.copyOf(partitionCounts);
    }

    public static Snapshot empty(int groupEpoch) {
      return new Snapshot(groupEpoch, groupEpoch, Map.of(), Map.of(), Map.of(), -1);
    }
  }

  /** One ConsumerGroupHeartbeat; null fields did not change since the member's last heartbeat. */
  public record Heartbeat(
      String memberId,
      int memberEpoch,
      String instanceId,
      String rackId,
      int rebalanceTimeoutMs,
      List<String> topicNames,
      String topicRegex,
      String assignor,
      List<OwnedTopic> owned,
      String clientId,
      String host)
      implements CborSerializable {}

  /** Partitions of one topic, by the topic's id (as the Kafka protocol names topics here). */
  public record OwnedTopic(String topicId, List<Integer> partitions) implements CborSerializable {}

  /** A heartbeat's answer; {@code assignment} is null when it did not change. */
  public record Answer(
      Failure failure, String memberId, int memberEpoch, int heartbeatIntervalMs, List<AssignedTopic> assignment)
      implements CborSerializable {}

  public record AssignedTopic(String topicId, String topic, List<Integer> partitions) implements CborSerializable {}

  public record DescribedMember(
      String memberId,
      String instanceId,
      String rackId,
      int memberEpoch,
      String clientId,
      String host,
      List<String> topicNames,
      String topicRegex,
      List<AssignedTopic> assignment,
      List<AssignedTopic> target)
      implements CborSerializable {}

  public record Description(
      Phase phase, int groupEpoch, int assignmentEpoch, String assignor, List<DescribedMember> members)
      implements CborSerializable {}

  private final String groupId;
  private final GroupSettings settings;
  private final TreeMap<String, Member> members = new TreeMap<>();
  private final Map<String, Long> lastHeard = new HashMap<>();
  private final Map<String, Long> revokingSince = new HashMap<>();
  private final StepOutcome outcome = new StepOutcome();
  private Map<String, Set<PartitionKey>> target = new HashMap<>();
  private Map<String, Integer> partitionCounts = Map.of();
  private int groupEpoch;
  private int assignmentEpoch;
  private long emptySince;

  private ConsumerGroup(String groupId, GroupSettings settings) {
    this.groupId = groupId;
    this.settings = settings;
  }

  /** The group as persisted; every member gets a fresh session. */
  public static ConsumerGroup restore(String groupId, GroupSettings settings, Snapshot snapshot, long now) {
    ConsumerGroup group = new ConsumerGroup(groupId, settings);
    group.groupEpoch = snapshot.groupEpoch();
    group.assignmentEpoch = snapshot.assignmentEpoch();
    group.members.putAll(snapshot.members());
    group.target = new HashMap<>(snapshot.target());
    group.partitionCounts = snapshot.partitionCounts();
    group.emptySince = snapshot.emptySince();
    for (Member m : snapshot.members().values()) {
      group.lastHeard.put(m.memberId(), now);
      if (!m.revoking().isEmpty()) {
        group.revokingSince.put(m.memberId(), now);
      }
    }
    return group;
  }

  public Snapshot snapshot() {
    return new Snapshot(groupEpoch, assignmentEpoch, members, target, partitionCounts, emptySince);
  }



  /** What the last steps left to persist and send. */
  public StepOutcome outcome() {
    return outcome;
  }

  public boolean hasMembers() {
    return !members.isEmpty();
  }

  public int memberCount() {
    return members.size();
  }

  public long emptySince() {
    return emptySince;
  }

  // ---- ConsumerGroupHeartbeat -----------------------------------------------------------

  /** Serves a heartbeat; {@code topics} is the coordinator's metadata (null until loaded). */
  public void heartbeat(Heartbeat hb, ActorRef<Answer> replyTo, Map<String, Topic> topics, long now) {
    Failure problem = requestProblem(hb);
    if (problem != null) {
      reply(replyTo, problem, hb.memberId(), hb.memberEpoch(), null);
      return;
    }
    if (hb.memberEpoch() == LEAVE_EPOCH || hb.memberEpoch() == STATIC_LEAVE_EPOCH) {
      leave(hb, replyTo, now);
      return;
    }
    Member member = hb.memberEpoch() == 0 ? joining(hb, replyTo, now) : members.get(hb.memberId());
    if (member == null) {
      if (hb.memberEpoch() != 0) {
        reply(replyTo, unknown(hb.memberId()), hb.memberId(), hb.memberEpoch(), null);
      }
      return;
    }
    problem = epochProblem(member, hb, topics);
    if (problem != null) {
      reply(replyTo, problem, hb.memberId(), hb.memberEpoch(), null);
      return;
    }
    lastHeard.put(member.memberId(), now);
    Member subscribed = member.subscribing(
        hb.topicNames() != null ? hb.topicNames() : member.topicNames(),
        hb.topicRegex() != null ? hb.topicRegex() : member.topicRegex(),
        hb.assignor() != null ? hb.assignor() : member.assignor());
    boolean isNew = !members.containsKey(member.memberId());
    if (isNew || !subscribed.equals(member)) {
      put(subscribed);
      groupEpoch++;
    }
    assignIfDue(topics);
    Member before = isNew ? null : member;
    Member after = reconcile(members.get(member.memberId()), owned(hb.owned(), topics), now);
    // As Kafka: the assignment is sent when it changed, or to a full request (a member
    // (re)joining, or resending everything after an error).
    boolean full = hb.memberEpoch() == 0 || (hb.rebalanceTimeoutMs() != -1
        && (hb.topicNames() != null || hb.topicRegex() != null) && hb.owned() != null);
    boolean assignmentChanged = before == null || !after.assigned().equals(before.assigned());
    reply(replyTo, null, after.memberId(), after.memberEpoch(),
        full || assignmentChanged ? byTopic(after.assigned(), topics) : null);
  }

  private Failure requestProblem(Heartbeat hb) {
    if (hb.memberEpoch() != 0 && hb.memberId().isEmpty()) {
      return Failure.of(ErrorCode.INVALID_REQUEST, "a heartbeat with member epoch " + hb.memberEpoch()
          + " needs a member id");
    }
    if (hb.memberEpoch() < STATIC_LEAVE_EPOCH) {
      return Failure.of(ErrorCode.INVALID_REQUEST, "member epoch " + hb.memberEpoch() + " is not valid");
    }
    if (hb.memberEpoch() == 0 && hb.topicNames() == null && hb.topicRegex() == null) {
      return Failure.of(ErrorCode.INVALID_REQUEST, "a member joins with its subscribed topic names or regex");
    }
    if (hb.memberEpoch() == 0 && hb.rebalanceTimeoutMs() <= 0) {
      return Failure.of(ErrorCode.INVALID_REQUEST, "a member joins with its rebalance timeout");
    }
    if (hb.assignor() != null && !ASSIGNORS.contains(hb.assignor())) {
      return Failure.of(ErrorCode.UNSUPPORTED_ASSIGNOR, "unknown server assignor '" + hb.assignor() + "'; known: "
          + ASSIGNORS);
    }
    if (hb.topicRegex() != null && !hb.topicRegex().isEmpty()) {
      try {
        Pattern.compile(hb.topicRegex());
      } catch (PatternSyntaxException e) {
        return Failure.of(ErrorCode.INVALID_REGULAR_EXPRESSION, "bad topic regex: " + e.getDescription());
      }
    }
    return null;
  }

  /**
   * The member a heartbeat with epoch 0 is about: a new one, the same one again (its answer was
   * lost), or a static member taking its departed self's place. Null if refused (answered).
   */
  private Member joining(Heartbeat hb, ActorRef<Answer> replyTo, long now) {
    String instanceId = hb.instanceId() == null ? "" : hb.instanceId();
    Member existing = members.get(hb.memberId());
    if (existing != null) {
      return existing;
    }
    String memberId = hb.memberId().isEmpty() ? UUID.randomUUID().toString() : hb.memberId();
    Member staticSelf = instanceId.isEmpty() ? null : staticMember(instanceId);
    if (staticSelf != null) {
      if (staticSelf.memberEpoch() != STATIC_LEAVE_EPOCH) {
        reply(replyTo, Failure.of(ErrorCode.UNRELEASED_INSTANCE_ID, "instance id '" + instanceId + "' of group "
            + groupId + " belongs to member " + staticSelf.memberId() + ", which has not left"), memberId, 0, null);
        return null;
      }
      // The static member is back: it takes its old self's epoch and assignment.
      Member replacing = staticSelf.as(memberId, hb.clientId(), hb.host(), staticSelf.previousMemberEpoch());
      remove(staticSelf.memberId());
      put(replacing);
      lastHeard.put(memberId, now);
      outcome.changed();
      return replacing;
    }
    return new Member(memberId, instanceId, hb.rackId() == null ? "" : hb.rackId(), hb.clientId(), hb.host(),
        hb.topicNames() == null ? List.of() : hb.topicNames(), hb.topicRegex() == null ? "" : hb.topicRegex(),
        hb.assignor() == null ? "" : hb.assignor(), hb.rebalanceTimeoutMs(), 0, 0, MemberState.STABLE, Set.of(),
        Set.of(), Map.of());
  }

  /**
   * Kafka's rule: the epoch before the member's is accepted from a member that lost its answer
   * and owns no more than it should; any other is fenced.
   */
  private Failure epochProblem(Member member, Heartbeat hb, Map<String, Topic> topics) {
    if (hb.memberEpoch() == 0 || hb.memberEpoch() == member.memberEpoch()) {
      return null;
    }
    boolean lostAnswer = hb.memberEpoch() == member.previousMemberEpoch() && hb.owned() != null
        && member.assigned().containsAll(owned(hb.owned(), topics));
    if (hb.memberEpoch() < member.memberEpoch() && lostAnswer) {
      return null;
    }
    return Failure.of(ErrorCode.FENCED_MEMBER, "member " + member.memberId() + " of group " + groupId
        + " is at epoch " + member.memberEpoch() + ", not " + hb.memberEpoch() + "; rejoin with epoch 0");
  }

  private void leave(Heartbeat hb, ActorRef<Answer> replyTo, long now) {
    Member member = members.get(hb.memberId());
    if (member == null) {
      reply(replyTo, unknown(hb.memberId()), hb.memberId(), hb.memberEpoch(), null);
      return;
    }
    if (hb.memberEpoch() == STATIC_LEAVE_EPOCH && !member.instanceId().isEmpty()) {
      // It keeps its assignment for its session timeout, for its next incarnation.
      put(member.reconciled(STATIC_LEAVE_EPOCH, member.state(), member.assigned(), member.revoking()));
      outcome.changed();
    } else {
      removeAndRebalance(member.memberId(), now);
    }
    reply(replyTo, null, member.memberId(), hb.memberEpoch(), null);
  }

  private Member staticMember(String instanceId) {
    for (Member m : members.values()) {
      if (m.instanceId().equals(instanceId)) {
        return m;
      }
    }
    return null;
  }

  // ---- assignment and reconciliation ----------------------------------------------------

  /** Metadata changed: partitions added or a topic created that a subscription covers start a new assignment. */
  public void metadataChanged(Map<String, Topic> topics) {
    if (!members.isEmpty() && !subscribedCounts(topics).equals(partitionCounts)) {
      groupEpoch++;
      outcome.changed();
    }
    assignIfDue(topics);
  }

  private void assignIfDue(Map<String, Topic> topics) {
    if (groupEpoch <= assignmentEpoch || topics == null) {
      return;
    }
    Map<String, Set<String>> subscriptions = new TreeMap<>();
    for (Member m : members.values()) {
      Set<String> subscribed = new TreeSet<>();
      topics.keySet().stream().filter(m::subscribes).forEach(subscribed::add);
      subscriptions.put(m.memberId(), subscribed);
    }
    partitionCounts = subscribedCounts(topics);
    target = new HashMap<>(assignor().assign(subscriptions, partitionCounts, target));
    assignmentEpoch = groupEpoch;
    outcome.changed();
  }

  private Map<String, Integer> subscribedCounts(Map<String, Topic> topics) {
    Map<String, Integer> counts = new HashMap<>();
    if (topics != null) {
      topics.forEach((name, topic) -> {
        if (members.values().stream().anyMatch(m -> m.subscribes(name))) {
          counts.put(name, topic.partitions().size());
        }
      });
    }
    return counts;
  }

  /** The assignor most members name (ties: the first of {@link #ASSIGNORS}), as Kafka picks one. */
  private String assignorName() {
    Map<String, Integer> votes = new HashMap<>();
    members.values().stream().filter(m -> !m.assignor().isEmpty()).forEach(m -> votes.merge(m.assignor(), 1,
        Integer::sum));
    String best = ASSIGNORS.get(0);
    for (String name : ASSIGNORS) {
      if (votes.getOrDefault(name, 0) > votes.getOrDefault(best, 0)) {
        best = name;
      }
    }
    return best;
  }

  private Assignor assignor() {
    // Kafka's uniform assignor is sticky and balanced, as the cooperative-sticky one is.
    return RANGE.equals(assignorName()) ? new RangeAssignor() : new CooperativeStickyAssignor();
  }

  /** Moves a member towards its target as far as it may now, given what it reports to own. */
  private Member reconcile(Member member, Set<PartitionKey> owned, long now) {
    if (member.state() == MemberState.UNREVOKED_PARTITIONS) {
      boolean revoked = owned != null && owned.stream().noneMatch(member.revoking()::contains);
      if (!revoked) {
        return member;
      }
      member = member.reconciled(member.memberEpoch(), MemberState.STABLE, member.assigned(), Set.of());
      revokingSince.remove(member.memberId());
      put(member);
      outcome.changed();
    }
    if (member.memberEpoch() == assignmentEpoch && member.state() == MemberState.STABLE) {
      return member;
    }
    Set<PartitionKey> goal = target.getOrDefault(member.memberId(), Set.of());
    Set<PartitionKey> kept = new HashSet<>(member.assigned());
    kept.retainAll(goal);
    Set<PartitionKey> revoke = new HashSet<>(member.assigned());
    revoke.removeAll(goal);
    Member next;
    if (!revoke.isEmpty()) {
      next = member.reconciled(member.memberEpoch(), MemberState.UNREVOKED_PARTITIONS, kept, revoke);
      revokingSince.put(member.memberId(), now);
    } else {
      Set<PartitionKey> held = heldByOthers(member.memberId());
      Set<PartitionKey> assigned = new HashSet<>(goal);
      assigned.removeIf(held::contains);
      next = member.reconciled(assignmentEpoch,
          assigned.size() < goal.size() ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE, assigned, Set.of());
    }
    if (!next.equals(member)) {
      put(next);
      outcome.changed();
    }
    return next;
  }

  private Set<PartitionKey> heldByOthers(String memberId) {
    Set<PartitionKey> held = new HashSet<>();
    for (Member m : members.values()) {
      if (!m.memberId().equals(memberId)) {
        held.addAll(m.assigned());
        held.addAll(m.revoking());
      }
    }
    return held;
  }

  // ---- commits, expiry, removal ---------------------------------------------------------

  public boolean hasMember(String memberId) {
    return members.containsKey(memberId);
  }

  /**
   * Why a commit (or fetch) of this member at this epoch is refused, or null: an unknown member
   * or an epoch ahead of the member's. An older epoch is checked per partition ({@link
   * #stalePartition}).
   */
  public Failure commitProblem(String memberId, int memberEpoch, long now) {
    Member member = members.get(memberId);
    if (member == null) {
      return unknown(memberId);
    }
    if (memberEpoch > member.memberEpoch()) {
      return Failure.of(ErrorCode.FENCED_MEMBER, "member " + memberId + " of group " + groupId + " is at epoch "
          + member.memberEpoch() + ", not " + memberEpoch);
    }
    lastHeard.put(memberId, now);
    return null;
  }

  /**
   * KIP-1251: a commit at an epoch older than the member's (its heartbeat's answer crossed the
   * commit) is accepted for a partition the member has owned since that epoch or earlier;
   * otherwise STALE_MEMBER_EPOCH for that partition. Null if accepted.
   */
  public Failure stalePartition(String memberId, int memberEpoch, PartitionKey partition) {
    Member member = members.get(memberId);
    if (member == null || memberEpoch == member.memberEpoch() || member.ownedAt(partition, memberEpoch)) {
      return null;
    }
    return new Failure(ErrorCode.PARTITION_NOT_ASSIGNED, "member epoch " + memberEpoch + " of member " + memberId
        + " is stale for " + partition + "; the member is at epoch " + member.memberEpoch(),
        Map.of("topic", partition.topic(), "partition", Integer.toString(partition.partition())));
  }

  /** Members past their session timeout, or past their rebalance timeout with partitions to revoke, are removed. */
  public void check(long now) {
    long sessionTimeout = settings.consumerSessionTimeout().toMillis();
    for (Member m : List.copyOf(members.values())) {
      long heard = lastHeard.getOrDefault(m.memberId(), now);
      Long revoking = revokingSince.get(m.memberId());
      if (now - heard > sessionTimeout || (revoking != null && now - revoking > m.rebalanceTimeoutMs())) {
        removeAndRebalance(m.memberId(), now);
      }
    }
  }

  private void removeAndRebalance(String memberId, long now) {
    remove(memberId);
    groupEpoch++;
    outcome.changed();
    if (members.isEmpty()) {
      emptySince = now;
      target = new HashMap<>();
      assignmentEpoch = groupEpoch;
    }
  }

  private void remove(String memberId) {
    members.remove(memberId);
    target.remove(memberId);
    lastHeard.remove(memberId);
    revokingSince.remove(memberId);
  }

  private void put(Member member) {
    members.put(member.memberId(), member);
  }

  private Failure unknown(String memberId) {
    return Failure.of(ErrorCode.UNKNOWN_MEMBER_ID, "member '" + memberId + "' is not in group " + groupId
        + "; rejoin with epoch 0");
  }

  private void reply(ActorRef<Answer> replyTo, Failure failure, String memberId, int epoch,
      List<AssignedTopic> assignment) {
    Answer answer = new Answer(failure, memberId, epoch, (int) settings.consumerHeartbeatInterval().toMillis(),
        assignment);
    outcome.reply(() -> replyTo.tell(answer));
  }

  /** The partitions a heartbeat says the member owns, by name; topics this coordinator does not know are left out. */
  private static Set<PartitionKey> owned(List<OwnedTopic> owned, Map<String, Topic> topics) {
    if (owned == null) {
      return null;
    }
    Map<String, String> names = new HashMap<>();
    if (topics != null) {
      topics.values().forEach(t -> names.put(t.topicId(), t.name()));
    }
    Set<PartitionKey> result = new HashSet<>();
    for (OwnedTopic t : owned) {
      String name = names.get(t.topicId());
      if (name != null) {
        t.partitions().forEach(p -> result.add(new PartitionKey(name, p)));
      }
    }
    return result;
  }

  private static List<AssignedTopic> byTopic(Set<PartitionKey> partitions, Map<String, Topic> topics) {
    Map<String, List<Integer>> byName = new TreeMap<>();
    partitions.forEach(p -> byName.computeIfAbsent(p.topic(), t -> new ArrayList<>()).add(p.partition()));
    List<AssignedTopic> result = new ArrayList<>();
    byName.forEach((name, numbers) -> {
      Topic topic = topics == null ? null : topics.get(name);
      if (topic != null) {
        numbers.sort(null);
        result.add(new AssignedTopic(topic.topicId(), name, numbers));
      }
    });
    return result;
  }

  // ---- views ----------------------------------------------------------------------------

  public Phase phase() {
    if (members.isEmpty()) {
      return Phase.EMPTY;
    }
    if (groupEpoch > assignmentEpoch) {
      return Phase.ASSIGNING;
    }
    boolean reconciled = members.values().stream()
        .allMatch(m -> m.memberEpoch() == assignmentEpoch && m.state() == MemberState.STABLE);
    return reconciled ? Phase.STABLE : Phase.RECONCILING;
  }

  public int groupEpoch() {
    return groupEpoch;
  }

  public Description describe(Map<String, Topic> topics) {
    List<DescribedMember> described = members.values().stream()
        .map(m -> new DescribedMember(m.memberId(), m.instanceId(), m.rackId(), m.memberEpoch(), m.clientId(),
            m.host(), m.topicNames(), m.topicRegex(), byTopic(m.assigned(), topics),
            byTopic(target.getOrDefault(m.memberId(), Set.of()), topics)))
        .toList();
    return new Description(phase(), groupEpoch, assignmentEpoch, assignorName(), described);
  }

  /** The members as Skein describes group members (for DescribeGroups and gRPC's describe). */
  public List<GroupMembership.Member> membersView() {
    return members.values().stream()
        .map(m -> new GroupMembership.Member(m.memberId(), m.clientId(), m.host(), m.topicNames(), m.topicRegex(),
            (int) settings.consumerSessionTimeout().toMillis(), m.rebalanceTimeoutMs()))
        .toList();
  }

  public Map<String, Set<PartitionKey>> assignmentsView() {
    Map<String, Set<PartitionKey>> result = new HashMap<>();
    members.values().forEach(m -> result.put(m.memberId(), m.assigned()));
    return result;
  }

  public Map<String, Set<PartitionKey>> revokingView() {
    Map<String, Set<PartitionKey>> result = new HashMap<>();
    members.values().stream().filter(m -> !m.revoking().isEmpty()).forEach(m -> result.put(m.memberId(), m.revoking()));
    return result;
  }

  /** Whether a member subscribes to {@code topic} (OffsetDelete's GROUP_SUBSCRIBED_TO_TOPIC). */
  public boolean subscribes(String topic) {
    return members.values().stream().anyMatch(m -> m.subscribes(topic));
  }
}
