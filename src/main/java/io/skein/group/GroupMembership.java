package io.skein.group;

import io.skein.common.CborSerializable;
import io.skein.group.assign.Assignor;
import io.skein.group.assign.Assignors;
import io.skein.metadata.PartitionKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Who is in a group and who reads what: the persisted part of a group's membership, and
 * the cooperative (KIP-429) rebalance as pure functions over it. No Akka.
 *
 * <ul>
 *   <li>{@code target}: the assignor's answer at the last rebalance.
 *   <li>{@code owned}: what each member reads now; always a subset of its target.
 *   <li>{@code revoking}: what each member was asked to give up and has not acknowledged.
 *       It may still commit these.
 * </ul>
 *
 * Invariant: a partition is in at most one member's {@code owned} or {@code revoking}, so
 * no partition ever has two readers; a partition of a member's target is added to its
 * {@code owned} only once nobody holds it ({@link #fill()}).
 */
public record GroupMembership(
    int generation,
    String assignor,
    Map<String, Member> members,
    Map<String, Set<PartitionKey>> owned,
    Map<String, Set<PartitionKey>> revoking,
    Map<String, Set<PartitionKey>> target,
    Map<String, Integer> subscribedTopics,
    long emptySince)
    implements CborSerializable {

  /** One member: what it joined with. */
  public record Member(
      String memberId,
      String clientId,
      String host,
      List<String> topics,
      String pattern,
      int sessionTimeoutMs,
      int rebalanceTimeoutMs)
      implements CborSerializable {

    public Member {
      topics = List.copyOf(topics);
    }

    public boolean subscribes(String topic) {
      return pattern.isEmpty() ? topics.contains(topic) : Pattern.matches(pattern, topic);
    }

    boolean sameSubscription(Member other) {
      return topics.equals(other.topics) && pattern.equals(other.pattern);
    }
  }

  public GroupMembership {
    members = Map.copyOf(members);
    owned = copy(owned);
    revoking = copy(revoking);
    target = copy(target);
    subscribedTopics = Map.copyOf(subscribedTopics);
  }

  public static GroupMembership empty(int generation) {
    return new GroupMembership(generation, "", Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), -1);
  }

  public Set<PartitionKey> ownedBy(String memberId) {
    return owned.getOrDefault(memberId, Set.of());
  }

  public Set<PartitionKey> revokingFrom(String memberId) {
    return revoking.getOrDefault(memberId, Set.of());
  }

  /** Partitions of the member's target it does not own yet (others still hold them). */
  public boolean pending(String memberId) {
    return !ownedBy(memberId).containsAll(target.getOrDefault(memberId, Set.of()));
  }

  /** The member that reads or is giving up {@code partition}, or null. */
  public String holder(PartitionKey partition) {
    for (String m : members.keySet()) {
      if (ownedBy(m).contains(partition) || revokingFrom(m).contains(partition)) {
        return m;
      }
    }
    return null;
  }

  // ---- state, as Kafka names it --------------------------------------------------------

  public enum Phase { EMPTY, PREPARING_REBALANCE, COMPLETING_REBALANCE, STABLE }

  public Phase phase() {
    if (members.isEmpty()) {
      return Phase.EMPTY;
    }
    if (!members.keySet().equals(target.keySet())) {
      return Phase.PREPARING_REBALANCE;
    }
    for (String m : members.keySet()) {
      if (!revokingFrom(m).isEmpty() || pending(m)) {
        return Phase.COMPLETING_REBALANCE;
      }
    }
    return Phase.STABLE;
  }

  // ---- changes --------------------------------------------------------------------------

  /** Adds or replaces a member (no rebalance yet). */
  public GroupMembership withMember(Member member, String assignorName) {
    Map<String, Member> next = new HashMap<>(members);
    next.put(member.memberId(), member);
    return new GroupMembership(generation, assignorName, next, owned, revoking, target, subscribedTopics, -1);
  }

  /** Removes a member; what it held is free. The group rebalances next. */
  public GroupMembership without(String memberId, long now) {
    Map<String, Member> next = new HashMap<>(members);
    next.remove(memberId);
    Map<String, Set<PartitionKey>> o = new HashMap<>(owned);
    Map<String, Set<PartitionKey>> r = new HashMap<>(revoking);
    Map<String, Set<PartitionKey>> t = new HashMap<>(target);
    o.remove(memberId);
    r.remove(memberId);
    t.remove(memberId);
    if (next.isEmpty()) {
      // Kafka bumps the generation when a group becomes empty, too.
      return new GroupMembership(generation + 1, "", next, Map.of(), Map.of(), Map.of(), Map.of(), now);
    }
    return new GroupMembership(generation, assignor, next, o, r, t, subscribedTopics, emptySince);
  }

  /** The member released these partitions (it acknowledged their revocation). */
  public GroupMembership released(String memberId, Set<PartitionKey> partitions) {
    Map<String, Set<PartitionKey>> r = new HashMap<>(revoking);
    Set<PartitionKey> still = new HashSet<>(revokingFrom(memberId));
    still.removeAll(partitions);
    r.put(memberId, still);
    return new GroupMembership(generation, assignor, members, owned, r, target, subscribedTopics, emptySince).fill();
  }

  /** Partition counts of the topics some member subscribes to, given all topics. */
  public Map<String, Integer> subscribed(Map<String, Integer> allTopics) {
    Map<String, Integer> result = new TreeMap<>();
    for (Map.Entry<String, Integer> t : allTopics.entrySet()) {
      if (members.values().stream().anyMatch(m -> m.subscribes(t.getKey()))) {
        result.put(t.getKey(), t.getValue());
      }
    }
    return result;
  }

  /** Whether a rebalance is due: members changed, or their topics or partitions did. */
  public boolean needsRebalance(Map<String, Integer> allTopics) {
    if (members.isEmpty()) {
      return false;
    }
    int targeted = target.values().stream().mapToInt(Set::size).sum();
    int partitions = subscribedTopics.values().stream().mapToInt(Integer::intValue).sum();
    // A departed member's target partitions have no target owner any more.
    return !members.keySet().equals(target.keySet()) || targeted != partitions
        || !subscribed(allTopics).equals(subscribedTopics);
  }

  /**
   * A new generation: the assignor's target for the current members and topics; each
   * member keeps what stays its own, starts revoking what moves away, and gets at once the
   * target partitions nobody holds.
   */
  public GroupMembership rebalance(Map<String, Integer> allTopics) {
    Assignor strategy = Assignors.byName(assignor).orElseThrow();
    Map<String, Integer> topics = subscribed(allTopics);
    Map<String, Set<String>> subscriptions = new HashMap<>();
    for (Member m : members.values()) {
      Set<String> mine = new TreeSet<>();
      for (String t : topics.keySet()) {
        if (m.subscribes(t)) {
          mine.add(t);
        }
      }
      subscriptions.put(m.memberId(), mine);
    }
    Map<String, Set<PartitionKey>> newTarget = strategy.assign(subscriptions, topics, owned);
    Map<String, Set<PartitionKey>> o = new HashMap<>();
    Map<String, Set<PartitionKey>> r = new HashMap<>();
    for (String m : members.keySet()) {
      Set<PartitionKey> keep = new HashSet<>(ownedBy(m));
      keep.retainAll(newTarget.get(m));
      Set<PartitionKey> give = new HashSet<>(ownedBy(m));
      give.removeAll(newTarget.get(m));
      give.addAll(revokingFrom(m));
      o.put(m, keep);
      r.put(m, give);
    }
    return new GroupMembership(generation + 1, assignor, members, o, r, newTarget, topics, emptySince).fill();
  }

  /** Gives every member the partitions of its target that nobody holds any more. */
  GroupMembership fill() {
    Set<PartitionKey> held = new HashSet<>();
    owned.values().forEach(held::addAll);
    revoking.values().forEach(held::addAll);
    Map<String, Set<PartitionKey>> o = new HashMap<>(owned);
    for (String m : new TreeSet<>(members.keySet())) {
      Set<PartitionKey> mine = new HashSet<>(ownedBy(m));
      for (PartitionKey p : target.getOrDefault(m, Set.of())) {
        if (held.add(p)) {
          mine.add(p);
        }
      }
      o.put(m, mine);
    }
    return new GroupMembership(generation, assignor, members, o, revoking, target, subscribedTopics, emptySince);
  }

  private static Map<String, Set<PartitionKey>> copy(Map<String, Set<PartitionKey>> map) {
    Map<String, Set<PartitionKey>> result = new HashMap<>();
    map.forEach((k, v) -> result.put(k, Set.copyOf(v)));
    return Map.copyOf(result);
  }
}
