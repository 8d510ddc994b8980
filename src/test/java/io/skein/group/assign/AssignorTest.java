package io.skein.group.assign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.PartitionKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AssignorTest {

  static PartitionKey tp(String topic, int p) {
    return new PartitionKey(topic, p);
  }

  @Test
  void rangeGivesConsecutiveRangesPerTopic() {
    var result = new RangeAssignor().assign(
        Map.of("a", Set.of("t"), "b", Set.of("t")), Map.of("t", 5), Map.of());
    assertEquals(Set.of(tp("t", 0), tp("t", 1), tp("t", 2)), result.get("a"));
    assertEquals(Set.of(tp("t", 3), tp("t", 4)), result.get("b"));
  }

  @Test
  void roundRobinDealsPartitionsInTurn() {
    var result = new RoundRobinAssignor().assign(
        Map.of("a", Set.of("t", "u"), "b", Set.of("t", "u")), Map.of("t", 2, "u", 1), Map.of());
    assertEquals(Set.of(tp("t", 0), tp("u", 0)), result.get("a"));
    assertEquals(Set.of(tp("t", 1)), result.get("b"));
  }

  @Test
  void roundRobinSkipsMembersNotSubscribed() {
    var result = new RoundRobinAssignor().assign(
        Map.of("a", Set.of("t"), "b", Set.of("u")), Map.of("t", 2, "u", 2), Map.of());
    assertEquals(Set.of(tp("t", 0), tp("t", 1)), result.get("a"));
    assertEquals(Set.of(tp("u", 0), tp("u", 1)), result.get("b"));
  }

  @Test
  void stickyMovesOnlyWhatANewMemberNeeds() {
    Map<String, Set<PartitionKey>> owned = Map.of(
        "a", Set.of(tp("t", 0), tp("t", 1)),
        "b", Set.of(tp("t", 2), tp("t", 3)),
        "c", Set.of(tp("t", 4), tp("t", 5)));
    Map<String, Set<String>> subs = new HashMap<>();
    for (String m : List.of("a", "b", "c", "d")) {
      subs.put(m, Set.of("t"));
    }
    var result = new CooperativeStickyAssignor().assign(subs, Map.of("t", 6), owned);
    int moved = 0;
    for (String m : List.of("a", "b", "c")) {
      assertTrue(owned.get(m).containsAll(result.get(m)), m + " got a partition it did not own: " + result);
      moved += owned.get(m).size() - result.get(m).size();
    }
    // 6 partitions over 4 members is 2, 2, 1, 1: one partition moves, to the newcomer.
    assertEquals(1, moved, result.toString());
    assertEquals(1, result.get("d").size());
  }

  @Test
  void stickyHandsOutTheDepartedMembersPartitionsOnly() {
    Map<String, Set<PartitionKey>> owned = Map.of(
        "a", Set.of(tp("t", 0), tp("t", 1)),
        "b", Set.of(tp("t", 2), tp("t", 3)),
        "c", Set.of(tp("t", 4), tp("t", 5)));
    var result = new CooperativeStickyAssignor().assign(
        Map.of("a", Set.of("t"), "b", Set.of("t")), Map.of("t", 6), owned);
    assertTrue(result.get("a").containsAll(owned.get("a")));
    assertTrue(result.get("b").containsAll(owned.get("b")));
    assertEquals(3, result.get("a").size());
    assertEquals(3, result.get("b").size());
  }

  @Test
  void stickyDropsPartitionsOfTopicsNoLongerSubscribedOrGone() {
    var result = new CooperativeStickyAssignor().assign(
        Map.of("a", Set.of("t")), Map.of("t", 1, "u", 1),
        Map.of("a", Set.of(tp("t", 0), tp("u", 0), tp("gone", 0))));
    assertEquals(Set.of(tp("t", 0)), result.get("a"));
  }

  @Test
  void everyMemberGetsAnEntryEvenWithNothingToRead() {
    for (Assignor assignor : List.of(new RangeAssignor(), new RoundRobinAssignor(), new CooperativeStickyAssignor())) {
      var result = assignor.assign(Map.of("a", Set.of("t"), "b", Set.of("missing")), Map.of("t", 1), Map.of());
      assertEquals(Set.of(tp("t", 0)), result.get("a"), assignor.name());
      assertEquals(Set.of(), result.get("b"), assignor.name());
      assertEquals(new HashSet<>(List.of("a", "b")), result.keySet());
    }
  }

  @Test
  void namesResolve() {
    assertEquals("cooperative-sticky", Assignors.byName("").orElseThrow().name());
    assertEquals("range", Assignors.byName("range").orElseThrow().name());
    assertEquals("roundrobin", Assignors.byName("roundrobin").orElseThrow().name());
    assertTrue(Assignors.byName("nope").isEmpty());
  }
}
