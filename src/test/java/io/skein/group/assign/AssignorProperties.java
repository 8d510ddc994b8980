package io.skein.group.assign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.PartitionKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Invariants every assignor keeps, on random groups and topics. */
class AssignorProperties {

  static final List<Assignor> ALL = List.of(new RangeAssignor(), new RoundRobinAssignor(), new CooperativeStickyAssignor());

  /** Members m0..m(n-1); member i subscribes to topics chosen by the bits of mask[i]. */
  static Map<String, Set<String>> subscriptions(int members, int topics, long seed, boolean identical) {
    java.util.Random random = new java.util.Random(seed);
    Map<String, Set<String>> subs = new HashMap<>();
    for (int m = 0; m < members; m++) {
      Set<String> chosen = new java.util.TreeSet<>();
      for (int t = 0; t < topics; t++) {
        if (identical || random.nextBoolean()) {
          chosen.add("t" + t);
        }
      }
      if (chosen.isEmpty()) {
        chosen.add("t0");
      }
      subs.put("m" + m, chosen);
    }
    return subs;
  }

  static Map<String, Integer> topics(int topics, long seed) {
    java.util.Random random = new java.util.Random(seed * 31 + 7);
    Map<String, Integer> counts = new HashMap<>();
    for (int t = 0; t < topics; t++) {
      counts.put("t" + t, 1 + random.nextInt(12));
    }
    return counts;
  }

  static void assertValid(Map<String, Set<String>> subs, Map<String, Integer> topics,
      Map<String, Set<PartitionKey>> result, String name) {
    assertEquals(subs.keySet(), result.keySet(), name);
    Map<PartitionKey, String> owner = new HashMap<>();
    for (var e : result.entrySet()) {
      for (PartitionKey p : e.getValue()) {
        assertTrue(subs.get(e.getKey()).contains(p.topic()), name + ": " + e.getKey() + " got " + p);
        String previous = owner.put(p, e.getKey());
        assertTrue(previous == null, name + ": " + p + " given twice");
      }
    }
    for (String topic : topics.keySet()) {
      boolean subscribed = subs.values().stream().anyMatch(s -> s.contains(topic));
      for (int p = 0; p < topics.get(topic); p++) {
        assertEquals(subscribed, owner.containsKey(new PartitionKey(topic, p)), name + ": " + topic + "-" + p);
      }
    }
  }

  @Property(tries = 200)
  void everyPartitionOfASubscribedTopicHasExactlyOneSubscribedOwner(
      @ForAll @IntRange(min = 1, max = 7) int members, @ForAll @IntRange(min = 1, max = 4) int topicCount,
      @ForAll long seed) {
    var subs = subscriptions(members, topicCount, seed, false);
    var topics = topics(topicCount, seed);
    for (Assignor assignor : ALL) {
      assertValid(subs, topics, assignor.assign(subs, topics, Map.of()), assignor.name());
    }
  }

  @Property(tries = 200)
  void identicalSubscriptionsAreBalanced(
      @ForAll @IntRange(min = 1, max = 7) int members, @ForAll @IntRange(min = 1, max = 4) int topicCount,
      @ForAll long seed) {
    var subs = subscriptions(members, topicCount, seed, true);
    var topics = topics(topicCount, seed);
    for (Assignor assignor : List.of(new RoundRobinAssignor(), new CooperativeStickyAssignor())) {
      var counts = assignor.assign(subs, topics, Map.of()).values().stream().map(Set::size).toList();
      assertTrue(Collections.max(counts) - Collections.min(counts) <= 1, assignor.name() + " " + counts);
    }
    // Range balances each topic on its own.
    var range = new RangeAssignor().assign(subs, topics, Map.of());
    for (String topic : topics.keySet()) {
      var counts = range.values().stream().map(s -> s.stream().filter(p -> p.topic().equals(topic)).count()).toList();
      assertTrue(Collections.max(counts) - Collections.min(counts) <= 1, "range " + topic + " " + counts);
    }
  }

  @Property(tries = 200)
  void stickyMembersWithTheSameSubscriptionDifferByAtMostOne(
      @ForAll @IntRange(min = 1, max = 7) int members, @ForAll @IntRange(min = 1, max = 3) int topicCount,
      @ForAll long seed) {
    var subs = subscriptions(members, topicCount, seed, false);
    var topics = topics(topicCount, seed);
    var result = new CooperativeStickyAssignor().assign(subs, topics, randomOwnership(subs, topics, seed));
    assertValid(subs, topics, result, "sticky");
    for (String a : subs.keySet()) {
      for (String b : subs.keySet()) {
        if (subs.get(a).equals(subs.get(b))) {
          assertTrue(Math.abs(result.get(a).size() - result.get(b).size()) <= 1, a + " vs " + b + ": " + result);
        }
      }
    }
  }

  @Property(tries = 200)
  void stickyKeepsABalancedAssignmentWhenNothingChanged(
      @ForAll @IntRange(min = 1, max = 7) int members, @ForAll @IntRange(min = 1, max = 4) int topicCount,
      @ForAll long seed) {
    var subs = subscriptions(members, topicCount, seed, true);
    var topics = topics(topicCount, seed);
    var assignor = new CooperativeStickyAssignor();
    var first = assignor.assign(subs, topics, Map.of());
    assertEquals(first, assignor.assign(subs, topics, first));
  }

  @Property(tries = 200)
  void stickyMovesOnlyWhatBalanceRequiresWhenAMemberJoins(
      @ForAll @IntRange(min = 1, max = 6) int members, @ForAll @IntRange(min = 1, max = 40) int partitions) {
    Map<String, Set<String>> subs = new HashMap<>();
    for (int m = 0; m < members; m++) {
      subs.put("m" + m, Set.of("t"));
    }
    var assignor = new CooperativeStickyAssignor();
    var before = assignor.assign(subs, Map.of("t", partitions), Map.of());
    subs.put("new", Set.of("t"));
    var after = assignor.assign(subs, Map.of("t", partitions), before);
    // The newcomer gets floor(P / (n+1)) partitions, and only those move.
    int expected = partitions / (members + 1);
    assertEquals(expected, after.get("new").size());
    int kept = 0;
    for (int m = 0; m < members; m++) {
      assertTrue(before.get("m" + m).containsAll(after.get("m" + m)), "an old member gained a partition");
      kept += after.get("m" + m).size();
    }
    assertEquals(partitions - expected, kept);
  }

  @Property(tries = 100)
  void resultsDoNotDependOnMapOrder(
      @ForAll @IntRange(min = 1, max = 6) int members, @ForAll @IntRange(min = 1, max = 3) int topicCount,
      @ForAll long seed) {
    var subs = subscriptions(members, topicCount, seed, false);
    var topics = topics(topicCount, seed);
    var owned = randomOwnership(subs, topics, seed);
    List<String> keys = new ArrayList<>(subs.keySet());
    Collections.shuffle(keys, new java.util.Random(seed));
    Map<String, Set<String>> shuffled = new LinkedHashMap<>();
    keys.forEach(k -> shuffled.put(k, subs.get(k)));
    for (Assignor assignor : ALL) {
      assertEquals(assignor.assign(subs, topics, owned), assignor.assign(shuffled, topics, owned), assignor.name());
    }
  }

  /** A plausible previous assignment: each partition owned by a random member, or nobody. */
  static Map<String, Set<PartitionKey>> randomOwnership(
      Map<String, Set<String>> subs, Map<String, Integer> topics, long seed) {
    java.util.Random random = new java.util.Random(seed ^ 0x5DEECE66DL);
    List<String> members = new ArrayList<>(new java.util.TreeSet<>(subs.keySet()));
    Map<String, Set<PartitionKey>> owned = new HashMap<>();
    members.forEach(m -> owned.put(m, new java.util.HashSet<>()));
    for (var t : new java.util.TreeMap<>(topics).entrySet()) {
      for (int p = 0; p < t.getValue(); p++) {
        int pick = random.nextInt(members.size() + 1);
        if (pick < members.size()) {
          owned.get(members.get(pick)).add(new PartitionKey(t.getKey(), p));
        }
      }
    }
    return owned;
  }
}
