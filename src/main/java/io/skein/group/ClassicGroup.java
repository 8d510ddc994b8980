package io.skein.group;

import akka.actor.typed.ActorRef;
import io.skein.common.CborSerializable;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.metadata.PartitionKey;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.protocol.types.SchemaException;

/**
 * Kafka's classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) for one group,
 * as a plain state machine its {@link GroupCoordinator} drives: members join with the
 * protocols they support, the join phase waits (up to the rebalance timeout) for every known
 * member to rejoin, then the first member becomes leader and receives everyone's metadata,
 * and the leader's SyncGroup assignment is handed to every member (client-side assignment).
 *
 * <p>Replies are queued in its {@link StepOutcome}, not sent: the coordinator persists the
 * {@link Snapshot} first when it changed (a new generation, an assignment), then sends them,
 * so no member acts on an assignment a coordinator move would forget.
 *
 * <p>Static members (KIP-345, a {@code group.instance.id}) join without the member-id round;
 * one that rejoins under a new member id replaces its old self (which is fenced with
 * FENCED_INSTANCE_ID) and, if its protocols are unchanged, keeps its assignment without a
 * rebalance. Not served: the initial rebalance delay (a group's first join completes as soon
 * as every member known has joined).
 */
public final class ClassicGroup {

  public static final String CONSUMER_PROTOCOL_TYPE = "consumer";

  public enum Phase { EMPTY, PREPARING_REBALANCE, COMPLETING_REBALANCE, STABLE }

  /** One protocol a member supports (for consumers an assignor) with its metadata. */
  public record Protocol(String name, byte[] metadata) implements CborSerializable {}

  /** A member as persisted: what it joined with and what the leader assigned it. */
  public record Member(
      String memberId,
      String groupInstanceId,
      String clientId,
      String host,
      int sessionTimeoutMs,
      int rebalanceTimeoutMs,
      List<Protocol> protocols,
      byte[] assignment)
      implements CborSerializable {}

  /** What Kafka keeps of a group in __consumer_offsets; {@code assigned} once the leader synced. */
  public record Snapshot(
      int generation,
      String protocolType,
      String protocolName,
      String leaderId,
      boolean assigned,
      List<Member> members,
      long emptySince)
      implements CborSerializable {

    public static Snapshot empty(int generation) {
      return new Snapshot(generation, "", "", "", false, List.of(), -1);
    }
  }

  /** A member as JoinGroup shows it to the leader. */
  public record JoinedMember(String memberId, String groupInstanceId, byte[] metadata) implements CborSerializable {}

  /** A member as DescribeGroups shows it: the metadata of the chosen protocol. */
  public record DescribedMember(
      String memberId, String groupInstanceId, String clientId, String host, byte[] metadata, byte[] assignment)
      implements CborSerializable {}

  public record Description(String protocolType, String protocolName, List<DescribedMember> members)
      implements CborSerializable {}

  private static final class Live {
    final String memberId;
    final String instanceId;
    final String clientId;
    final String host;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    List<Protocol> protocols;
    byte[] assignment = new byte[0];
    long lastHeard;
    ActorRef<GroupCoordinator.ClassicJoined> pendingJoin;
    ActorRef<GroupCoordinator.ClassicSynced> pendingSync;

    Live(String memberId, String instanceId, String clientId, String host) {
      this.memberId = memberId;
      this.instanceId = instanceId;
      this.clientId = clientId;
      this.host = host;
    }

    byte[] metadataOf(String protocol) {
      for (Protocol p : protocols) {
        if (p.name().equals(protocol)) {
          return p.metadata();
        }
      }
      return new byte[0];
    }
  }

  private final String groupId;
  private final LinkedHashMap<String, Live> members = new LinkedHashMap<>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, until they join or their session times out. */
  private final Map<String, Long> pendingMembers = new HashMap<>();
  private final StepOutcome outcome = new StepOutcome();
  private Phase phase = Phase.EMPTY;
  private int generation;
  private String protocolType = "";
  private String protocolName = "";
  private String leaderId = "";
  private long rebalanceDeadline;
  private long syncDeadline;
  private long emptySince = -1;

  private ClassicGroup(String groupId) {
    this.groupId = groupId;
  }

  /** The group as persisted; members get a fresh session, and a group caught mid-rebalance rebalances. */
  public static ClassicGroup restore(String groupId, Snapshot snapshot, long now) {
    ClassicGroup group = new ClassicGroup(groupId);
    group.generation = snapshot.generation();
    group.protocolType = snapshot.protocolType();
    group.protocolName = snapshot.protocolName();
    group.leaderId = snapshot.leaderId();
    group.emptySince = snapshot.emptySince();
    for (Member m : snapshot.members()) {
      Live live = new Live(m.memberId(), m.groupInstanceId() == null ? "" : m.groupInstanceId(), m.clientId(),
          m.host());
      live.sessionTimeoutMs = m.sessionTimeoutMs();
      live.rebalanceTimeoutMs = m.rebalanceTimeoutMs();
      live.protocols = List.copyOf(m.protocols());
      live.assignment = m.assignment();
      live.lastHeard = now;
      group.members.put(m.memberId(), live);
    }
    if (!group.members.isEmpty()) {
      group.phase = snapshot.assigned() ? Phase.STABLE : Phase.PREPARING_REBALANCE;
      group.rebalanceDeadline = now + group.maxRebalanceTimeout();
    }
    return group;
  }

  public Snapshot snapshot() {
    List<Member> persisted = members.values().stream()
        .map(m -> new Member(m.memberId, m.instanceId, m.clientId, m.host, m.sessionTimeoutMs, m.rebalanceTimeoutMs,
            m.protocols, m.assignment))
        .toList();
    return new Snapshot(generation, protocolType, protocolName, leaderId, phase == Phase.STABLE, persisted, emptySince);
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

  /** No members and no member ids handed out that may still join. */
  public boolean isIdle() {
    return members.isEmpty() && pendingMembers.isEmpty();
  }

  public Phase phase() {
    return phase;
  }

  public int generation() {
    return generation;
  }

  // ---- JoinGroup ------------------------------------------------------------------------

  public void join(GroupCoordinator.ClassicJoin join, long now) {
    String staticId = staticMember(join.groupInstanceId());
    if (!join.groupInstanceId().isEmpty() && staticId != null && !join.memberId().isEmpty()
        && !staticId.equals(join.memberId())) {
      failJoin(join, fenced(join.groupInstanceId(), join.memberId()));
    } else if (join.memberId().isEmpty() && staticId != null) {
      if (!refuseProtocols(join)) {
        rejoinStatic(join, staticId, now);
      }
    } else if (join.memberId().isEmpty()) {
      joinNew(join, now);
    } else if (pendingMembers.remove(join.memberId()) != null) {
      if (refuseProtocols(join)) {
        return;
      }
      add(join, join.memberId(), now);
    } else if (!members.containsKey(join.memberId()) || phase == Phase.EMPTY) {
      failJoin(join, Failure.of(ErrorCode.UNKNOWN_MEMBER_ID,
          "member '" + join.memberId() + "' is not in group " + groupId + "; join without a member id"));
    } else if (!refuseProtocols(join)) {
      rejoin(join, now);
    }
  }

  private void joinNew(GroupCoordinator.ClassicJoin join, long now) {
    if (refuseProtocols(join)) {
      return;
    }
    String memberId = newMemberId(join);
    if (join.requireKnownMemberId() && join.groupInstanceId().isEmpty()) {
      pendingMembers.put(memberId, now + join.sessionTimeoutMs());
      ActorRef<GroupCoordinator.ClassicJoined> replyTo = join.replyTo();
      outcome.reply(() -> replyTo.tell(new GroupCoordinator.ClassicJoined(null, true, memberId, -1, "", "", "",
          List.of())));
      return;
    }
    add(join, memberId, now);
  }

  private static String newMemberId(GroupCoordinator.ClassicJoin join) {
    String prefix = !join.groupInstanceId().isEmpty() ? join.groupInstanceId()
        : join.clientId().isEmpty() ? "member" : join.clientId();
    return prefix + "-" + UUID.randomUUID();
  }

  /**
   * A static member back under a new member id: it takes its old self's place (assignment
   * included); unchanged protocols in a group that is not rebalancing need no rebalance.
   */
  private void rejoinStatic(GroupCoordinator.ClassicJoin join, String oldId, long now) {
    Live old = members.get(oldId);
    Failure fenced = fenced(join.groupInstanceId(), oldId);
    if (old.pendingJoin != null) {
      ActorRef<GroupCoordinator.ClassicJoined> replyTo = old.pendingJoin;
      outcome.reply(() -> replyTo.tell(joinFailure(oldId, fenced)));
    }
    answerSync(old, fenced);
    Live member = new Live(newMemberId(join), old.instanceId, join.clientId(), join.host());
    member.sessionTimeoutMs = old.sessionTimeoutMs;
    member.rebalanceTimeoutMs = old.rebalanceTimeoutMs;
    member.protocols = old.protocols;
    member.assignment = old.assignment;
    LinkedHashMap<String, Live> reordered = new LinkedHashMap<>();
    members.forEach((id, m) -> reordered.put(id.equals(oldId) ? member.memberId : id, id.equals(oldId) ? member : m));
    members.clear();
    members.putAll(reordered);
    if (leaderId.equals(oldId)) {
      leaderId = member.memberId;
    }
    outcome.changed();
    if (phase == Phase.PREPARING_REBALANCE || !sameProtocols(member.protocols, join.protocols())) {
      update(member, join, now);
      if (phase == Phase.PREPARING_REBALANCE) {
        tryCompleteJoin(now);
      } else {
        prepareRebalance(now);
      }
      return;
    }
    member.lastHeard = now;
    replyJoined(member, join.replyTo());
  }

  private String staticMember(String instanceId) {
    if (instanceId.isEmpty()) {
      return null;
    }
    for (Live m : members.values()) {
      if (m.instanceId.equals(instanceId)) {
        return m.memberId;
      }
    }
    return null;
  }

  private Failure fenced(String instanceId, String memberId) {
    return Failure.of(ErrorCode.FENCED_INSTANCE_ID, "group instance id '" + instanceId + "' of group " + groupId
        + " belongs to another member than " + memberId);
  }

  /** Null if {@code instanceId} is empty or names this member, else why the member is fenced. */
  private Failure instanceProblem(String memberId, String instanceId) {
    String owner = staticMember(instanceId);
    if (instanceId.isEmpty() || memberId.equals(owner)) {
      return null;
    }
    return owner == null
        ? Failure.of(ErrorCode.UNKNOWN_MEMBER_ID, "no member of group " + groupId + " has group instance id '"
            + instanceId + "'")
        : fenced(instanceId, memberId);
  }

  private void add(GroupCoordinator.ClassicJoin join, String memberId, long now) {
    Live member = new Live(memberId, join.groupInstanceId(), join.clientId(), join.host());
    members.put(memberId, member);
    if (leaderId.isEmpty()) {
      leaderId = memberId;
    }
    if (protocolType.isEmpty()) {
      protocolType = join.protocolType();
    }
    update(member, join, now);
    if (phase == Phase.PREPARING_REBALANCE) {
      tryCompleteJoin(now);
    } else {
      prepareRebalance(now);
    }
  }

  private void rejoin(GroupCoordinator.ClassicJoin join, long now) {
    Live member = members.get(join.memberId());
    boolean sameProtocols = sameProtocols(member.protocols, join.protocols());
    switch (phase) {
      case PREPARING_REBALANCE -> {
        update(member, join, now);
        tryCompleteJoin(now);
      }
      case COMPLETING_REBALANCE, STABLE -> {
        if (sameProtocols && !(phase == Phase.STABLE && member.memberId.equals(leaderId))) {
          // A repeated join (the response was lost): the same answer again.
          member.lastHeard = now;
          replyJoined(member, join.replyTo());
        } else {
          update(member, join, now);
          prepareRebalance(now);
        }
      }
      default -> throw new IllegalStateException("rejoin of an empty group");
    }
  }

  private void update(Live member, GroupCoordinator.ClassicJoin join, long now) {
    member.sessionTimeoutMs = join.sessionTimeoutMs();
    member.rebalanceTimeoutMs = join.rebalanceTimeoutMs();
    member.protocols = List.copyOf(join.protocols());
    member.lastHeard = now;
    if (member.pendingJoin != null && !member.pendingJoin.equals(join.replyTo())) {
      // The member gave up on its earlier join (a client sends one at a time): it only rejoins.
      ActorRef<GroupCoordinator.ClassicJoined> superseded = member.pendingJoin;
      outcome.reply(() -> superseded.tell(joinFailure(member.memberId, Failure.of(ErrorCode.REBALANCE_IN_PROGRESS,
          "member " + member.memberId + " sent another JoinGroup"))));
    }
    member.pendingJoin = join.replyTo();
  }

  /** True (and the join answered) if the member's protocols do not fit the group's. */
  private boolean refuseProtocols(GroupCoordinator.ClassicJoin join) {
    String problem = protocolProblem(join.protocolType(), join.protocols());
    if (problem == null) {
      return false;
    }
    failJoin(join, Failure.of(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, problem));
    return true;
  }

  private String protocolProblem(String type, List<Protocol> protocols) {
    if (type.isEmpty() || protocols.isEmpty()) {
      return "a JoinGroup needs a protocol type and at least one protocol";
    }
    if (members.isEmpty()) {
      return null;
    }
    if (!type.equals(protocolType)) {
      return "group " + groupId + " has protocol type '" + protocolType + "', the member asked for '" + type + "'";
    }
    Set<String> candidates = candidates();
    if (protocols.stream().noneMatch(p -> candidates.contains(p.name()))) {
      return "the member supports none of the protocols every member of group " + groupId + " supports: "
          + new TreeSet<>(candidates);
    }
    return null;
  }

  private Set<String> candidates() {
    Set<String> common = null;
    for (Live m : members.values()) {
      Set<String> names = new HashSet<>();
      m.protocols.forEach(p -> names.add(p.name()));
      if (common == null) {
        common = names;
      } else {
        common.retainAll(names);
      }
    }
    return common == null ? Set.of() : common;
  }

  private void prepareRebalance(long now) {
    if (phase == Phase.COMPLETING_REBALANCE) {
      for (Live m : members.values()) {
        m.assignment = new byte[0];
        answerSync(m, Failure.of(ErrorCode.REBALANCE_IN_PROGRESS, "group " + groupId + " is rebalancing again"));
      }
    }
    phase = Phase.PREPARING_REBALANCE;
    rebalanceDeadline = now + maxRebalanceTimeout();
    tryCompleteJoin(now);
  }

  private void tryCompleteJoin(long now) {
    if (phase == Phase.PREPARING_REBALANCE && pendingMembers.isEmpty()
        && members.values().stream().allMatch(m -> m.pendingJoin != null)) {
      completeJoin(now);
    }
  }

  /** The join phase ends: members that did not rejoin leave, and the next generation starts. */
  private void completeJoin(long now) {
    for (Live m : List.copyOf(members.values())) {
      if (m.pendingJoin == null) {
        members.remove(m.memberId);
      }
    }
    generation++;
    outcome.changed();
    if (members.isEmpty()) {
      phase = Phase.EMPTY;
      emptySince = now;
      protocolType = "";
      protocolName = "";
      leaderId = "";
      return;
    }
    if (!members.containsKey(leaderId)) {
      leaderId = members.keySet().iterator().next();
    }
    protocolName = selectProtocol();
    phase = Phase.COMPLETING_REBALANCE;
    syncDeadline = now + maxRebalanceTimeout();
    for (Live m : members.values()) {
      m.lastHeard = now;
      ActorRef<GroupCoordinator.ClassicJoined> replyTo = m.pendingJoin;
      m.pendingJoin = null;
      replyJoined(m, replyTo);
    }
  }

  /** The protocol most members prefer among those all support (ties: the leader's preference). */
  private String selectProtocol() {
    Set<String> candidates = candidates();
    Map<String, Integer> votes = new HashMap<>();
    for (Live m : members.values()) {
      m.protocols.stream().map(Protocol::name).filter(candidates::contains).findFirst()
          .ifPresent(name -> votes.merge(name, 1, Integer::sum));
    }
    String best = null;
    int bestVotes = -1;
    for (Protocol p : members.get(leaderId).protocols) {
      int count = votes.getOrDefault(p.name(), 0);
      if (candidates.contains(p.name()) && count > bestVotes) {
        best = p.name();
        bestVotes = count;
      }
    }
    return best;
  }

  private void replyJoined(Live member, ActorRef<GroupCoordinator.ClassicJoined> replyTo) {
    List<JoinedMember> all = member.memberId.equals(leaderId)
        ? members.values().stream().map(m -> new JoinedMember(m.memberId, m.instanceId, m.metadataOf(protocolName)))
            .toList()
        : List.of();
    GroupCoordinator.ClassicJoined joined = new GroupCoordinator.ClassicJoined(null, false, member.memberId, generation,
        protocolType, protocolName, leaderId, all);
    outcome.reply(() -> replyTo.tell(joined));
  }

  private void failJoin(GroupCoordinator.ClassicJoin join, Failure failure) {
    ActorRef<GroupCoordinator.ClassicJoined> replyTo = join.replyTo();
    outcome.reply(() -> replyTo.tell(joinFailure(join.memberId(), failure)));
  }

  private static GroupCoordinator.ClassicJoined joinFailure(String memberId, Failure failure) {
    return new GroupCoordinator.ClassicJoined(failure, false, memberId, -1, "", "", "", List.of());
  }

  // ---- SyncGroup ------------------------------------------------------------------------

  public void sync(GroupCoordinator.ClassicSync sync, long now) {
    Live member = members.get(sync.memberId());
    Failure problem = instanceProblem(sync.memberId(), sync.groupInstanceId());
    if (problem == null) {
      problem = memberProblem(sync.memberId(), sync.generation());
    }
    if (problem == null && (mismatch(sync.protocolType(), protocolType) || mismatch(sync.protocolName(), protocolName))) {
      problem = Failure.of(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, "group " + groupId + " uses protocol type '"
          + protocolType + "' and protocol '" + protocolName + "'");
    }
    if (problem == null && phase == Phase.PREPARING_REBALANCE) {
      problem = Failure.of(ErrorCode.REBALANCE_IN_PROGRESS, "group " + groupId + " is rebalancing; join again");
    }
    ActorRef<GroupCoordinator.ClassicSynced> replyTo = sync.replyTo();
    if (problem != null) {
      Failure failure = problem;
      outcome.reply(() -> replyTo.tell(new GroupCoordinator.ClassicSynced(failure, "", "", new byte[0])));
      return;
    }
    member.lastHeard = now;
    member.pendingSync = replyTo;
    if (phase == Phase.STABLE) {
      answerSync(member, null);
    } else if (member.memberId.equals(leaderId)) {
      for (Live m : members.values()) {
        m.assignment = sync.assignments().getOrDefault(m.memberId, new byte[0]);
      }
      phase = Phase.STABLE;
      outcome.changed();
      members.values().forEach(m -> answerSync(m, null));
    }
  }

  private static boolean mismatch(String asked, String actual) {
    return asked != null && !asked.equals(actual);
  }

  private void answerSync(Live member, Failure failure) {
    ActorRef<GroupCoordinator.ClassicSynced> replyTo = member.pendingSync;
    if (replyTo == null) {
      return;
    }
    member.pendingSync = null;
    GroupCoordinator.ClassicSynced synced = failure == null
        ? new GroupCoordinator.ClassicSynced(null, protocolType, protocolName, member.assignment)
        : new GroupCoordinator.ClassicSynced(failure, "", "", new byte[0]);
    outcome.reply(() -> replyTo.tell(synced));
  }

  // ---- Heartbeat, LeaveGroup, commits, expiry -------------------------------------------

  public void heartbeat(GroupCoordinator.ClassicHeartbeat heartbeat, long now) {
    Failure problem = instanceProblem(heartbeat.memberId(), heartbeat.groupInstanceId());
    if (problem == null) {
      problem = memberProblem(heartbeat.memberId(), heartbeat.generation());
    }
    if (problem == null) {
      members.get(heartbeat.memberId()).lastHeard = now;
      if (phase == Phase.PREPARING_REBALANCE) {
        problem = Failure.of(ErrorCode.REBALANCE_IN_PROGRESS, "group " + groupId + " is rebalancing; join again");
      }
    }
    GroupCoordinator.Done done = new GroupCoordinator.Done(problem);
    outcome.reply(() -> heartbeat.replyTo().tell(done));
  }

  /** Removes members; each gets its outcome (UNKNOWN_MEMBER_ID for one not in the group). */
  public void leave(GroupCoordinator.ClassicLeave leave, long now) {
    List<GroupCoordinator.Done> outcomes = new ArrayList<>();
    boolean removed = false;
    for (GroupCoordinator.LeavingMember leaving : leave.members()) {
      String memberId = leaving.groupInstanceId().isEmpty() ? leaving.memberId()
          : staticMember(leaving.groupInstanceId());
      Failure instance = leaving.groupInstanceId().isEmpty() ? null
          : memberId == null ? Failure.of(ErrorCode.UNKNOWN_MEMBER_ID, "no member of group " + groupId
              + " has group instance id '" + leaving.groupInstanceId() + "'")
          : !leaving.memberId().isEmpty() && !leaving.memberId().equals(memberId)
              ? fenced(leaving.groupInstanceId(), leaving.memberId()) : null;
      if (instance != null) {
        outcomes.add(new GroupCoordinator.Done(instance));
      } else if (pendingMembers.remove(memberId) != null) {
        outcomes.add(new GroupCoordinator.Done(null));
        removed = true;
      } else if (members.containsKey(memberId)) {
        remove(memberId, "left the group");
        outcomes.add(new GroupCoordinator.Done(null));
        removed = true;
      } else {
        outcomes.add(new GroupCoordinator.Done(Failure.of(ErrorCode.UNKNOWN_MEMBER_ID,
            "member '" + memberId + "' is not in group " + groupId)));
      }
    }
    if (removed) {
      afterRemoval(now);
    }
    outcome.reply(() -> leave.replyTo().tell(new GroupCoordinator.ClassicLeft(outcomes)));
  }

  /** Why a commit of this member and generation is refused, or null. */
  public Failure commitProblem(String memberId, int generation, long now) {
    Failure problem = memberProblem(memberId, generation);
    if (problem != null) {
      return problem;
    }
    if (phase == Phase.COMPLETING_REBALANCE) {
      return Failure.of(ErrorCode.REBALANCE_IN_PROGRESS, "group " + groupId + " is completing a rebalance");
    }
    members.get(memberId).lastHeard = now;
    return null;
  }

  /** Session timeouts, the join phase's and the sync phase's deadlines. */
  public void check(long now) {
    boolean removed = pendingMembers.values().removeIf(deadline -> now > deadline);
    for (Live m : List.copyOf(members.values())) {
      if (m.pendingJoin == null && m.pendingSync == null && now - m.lastHeard > m.sessionTimeoutMs) {
        remove(m.memberId, "timed out (session timeout " + m.sessionTimeoutMs + " ms)");
        removed = true;
      }
    }
    if (phase == Phase.COMPLETING_REBALANCE && now >= syncDeadline) {
      for (Live m : List.copyOf(members.values())) {
        if (m.pendingSync == null) {
          remove(m.memberId, "did not sync within the rebalance timeout");
          removed = true;
        }
      }
    }
    if (removed) {
      afterRemoval(now);
    }
    if (phase == Phase.PREPARING_REBALANCE && now >= rebalanceDeadline) {
      completeJoin(now);
    }
  }

  private void remove(String memberId, String why) {
    Live member = members.remove(memberId);
    Failure gone = Failure.of(ErrorCode.UNKNOWN_MEMBER_ID, "member " + memberId + " " + why);
    if (member.pendingJoin != null) {
      ActorRef<GroupCoordinator.ClassicJoined> replyTo = member.pendingJoin;
      outcome.reply(() -> replyTo.tell(joinFailure(memberId, gone)));
    }
    answerSync(member, gone);
    if (memberId.equals(leaderId)) {
      leaderId = members.isEmpty() ? "" : members.keySet().iterator().next();
    }
  }

  private void afterRemoval(long now) {
    if (phase == Phase.STABLE || phase == Phase.COMPLETING_REBALANCE) {
      prepareRebalance(now);
    } else {
      tryCompleteJoin(now);
    }
  }

  private Failure memberProblem(String memberId, int generation) {
    if (phase == Phase.EMPTY || !members.containsKey(memberId)) {
      return Failure.of(ErrorCode.UNKNOWN_MEMBER_ID, "member '" + memberId + "' is not in group " + groupId);
    }
    if (generation != this.generation) {
      return new Failure(ErrorCode.ILLEGAL_GENERATION, "generation " + generation + " is not the current generation "
          + this.generation + " of group " + groupId, Map.of("generation", Integer.toString(this.generation)));
    }
    return null;
  }

  private int maxRebalanceTimeout() {
    return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
  }

  private static boolean sameProtocols(List<Protocol> a, List<Protocol> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).name().equals(b.get(i).name()) || !java.util.Arrays.equals(a.get(i).metadata(), b.get(i).metadata())) {
        return false;
      }
    }
    return true;
  }

  // ---- views ----------------------------------------------------------------------------

  public Description describe() {
    List<DescribedMember> described = members.values().stream()
        .map(m -> new DescribedMember(m.memberId, m.instanceId, m.clientId, m.host, m.metadataOf(protocolName),
            phase == Phase.STABLE ? m.assignment : new byte[0]))
        .toList();
    return new Description(protocolType, protocolName, described);
  }

  /** The members as Skein describes group members: consumers' subscriptions decoded. */
  public List<GroupMembership.Member> membersView() {
    return members.values().stream()
        .map(m -> new GroupMembership.Member(m.memberId, m.clientId, m.host, subscription(m), "", m.sessionTimeoutMs,
            m.rebalanceTimeoutMs))
        .toList();
  }

  /** What each consumer was assigned in the current generation, decoded. */
  public Map<String, Set<PartitionKey>> assignmentsView() {
    Map<String, Set<PartitionKey>> result = new HashMap<>();
    if (phase != Phase.STABLE || !CONSUMER_PROTOCOL_TYPE.equals(protocolType)) {
      return result;
    }
    for (Live m : members.values()) {
      Set<PartitionKey> partitions = new HashSet<>();
      try {
        ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(m.assignment)).partitions()
            .forEach(tp -> partitions.add(new PartitionKey(tp.topic(), tp.partition())));
      } catch (SchemaException | IllegalArgumentException | java.nio.BufferUnderflowException e) {
        // Not a consumer assignment: nothing to show.
      }
      result.put(m.memberId, partitions);
    }
    return result;
  }

  /** The topics consumer members subscribe to (for OffsetDelete's GROUP_SUBSCRIBED_TO_TOPIC). */
  public Set<String> subscribedTopics() {
    Set<String> topics = new HashSet<>();
    members.values().forEach(m -> topics.addAll(subscription(m)));
    return topics;
  }

  private List<String> subscription(Live member) {
    if (!CONSUMER_PROTOCOL_TYPE.equals(protocolType) || member.protocols.isEmpty()) {
      return List.of();
    }
    String protocol = protocolName.isEmpty() ? member.protocols.get(0).name() : protocolName;
    try {
      return ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(member.metadataOf(protocol))).topics();
    } catch (SchemaException | IllegalArgumentException | java.nio.BufferUnderflowException e) {
      return List.of();
    }
  }
}
