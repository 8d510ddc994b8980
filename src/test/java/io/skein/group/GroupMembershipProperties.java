package io.skein.group;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.PartitionKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Random joins, leaves, acknowledgements and partition growth never give a partition two
 * holders, and once every revocation is acknowledged every member owns its whole target.
 */
class GroupMembershipProperties {

  @Property(tries = 200)
  void noPartitionEverHasTwoHolders(@ForAll long seed) {
    Random random = new Random(seed);
    String[] assignors = {"cooperative-sticky", "range", "roundrobin"};
    String assignor = assignors[random.nextInt(3)];
    GroupMembership m = GroupMembership.empty(0);
    Map<String, Integer> topics = new java.util.HashMap<>(Map.of("a", 1 + random.nextInt(8), "b", 1 + random.nextInt(5)));
    int nextId = 0;
    for (int step = 0; step < 40; step++) {
      int op = random.nextInt(5);
      List<String> ids = new ArrayList<>(new java.util.TreeSet<>(m.members().keySet()));
      if (op == 0 || ids.isEmpty()) {
        String id = "m" + nextId++;
        List<String> subscription = random.nextBoolean() ? List.of("a", "b") : List.of("a");
        m = m.withMember(new GroupMembership.Member(id, "c", "h", subscription, "", 1000, 1000), assignor);
      } else if (op == 1) {
        m = m.without(ids.get(random.nextInt(ids.size())), step);
      } else if (op == 2) {
        String id = ids.get(random.nextInt(ids.size()));
        m = m.released(id, m.revokingFrom(id));
      } else if (op == 3) {
        topics.merge("b", 1, Integer::sum);
      }
      if (m.needsRebalance(topics)) {
        m = m.rebalance(topics);
      }
      assertSingleHolders(m);
    }
    for (String id : m.members().keySet()) {
      m = m.released(id, m.revokingFrom(id));
    }
    assertSingleHolders(m);
    for (String id : m.members().keySet()) {
      assertTrue(m.ownedBy(id).equals(m.target().get(id)), "after all acks " + id + " owns its target: " + m);
    }
    assertTrue(m.members().isEmpty() || m.phase() == GroupMembership.Phase.STABLE, m.phase().toString());
  }

  static void assertSingleHolders(GroupMembership m) {
    Set<PartitionKey> held = new HashSet<>();
    for (String id : m.members().keySet()) {
      for (PartitionKey p : m.ownedBy(id)) {
        assertTrue(held.add(p), p + " held twice: " + m);
      }
      for (PartitionKey p : m.revokingFrom(id)) {
        assertTrue(held.add(p), p + " held twice: " + m);
      }
      assertTrue(m.target().getOrDefault(id, Set.of()).containsAll(m.ownedBy(id)), "owned outside target: " + m);
    }
  }
}
