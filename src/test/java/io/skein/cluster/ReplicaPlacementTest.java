package io.skein.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.metadata.BrokerAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaPlacementTest {

  private static BrokerAddress broker(int id, String rack) {
    return new BrokerAddress(id, "127.0.0." + id, 9092, rack);
  }

  private static Map<Integer, String> racks(List<BrokerAddress> brokers) {
    Map<Integer, String> racks = new HashMap<>();
    brokers.forEach(b -> racks.put(b.id(), b.rack()));
    return racks;
  }

  @Test
  void withoutRacksReplicasAreConsecutiveBrokersFromAShiftedStart() {
    List<BrokerAddress> brokers = List.of(broker(1, ""), broker(2, ""), broker(3, ""));
    assertEquals(List.of(List.of(2, 3), List.of(3, 1), List.of(1, 2), List.of(2, 3)),
        ReplicaPlacement.place(brokers, 4, 2, 1));
  }

  @Test
  void addedPartitionsContinueTheRotationOfTheTopicsFirstPartitions() {
    List<BrokerAddress> brokers = List.of(broker(1, ""), broker(2, ""), broker(3, ""));
    List<List<Integer>> created = ReplicaPlacement.place(brokers, 5, 2, 1);
    assertEquals(created.subList(2, 5), ReplicaPlacement.placeAdded(brokers, created.get(0).get(0), 2, 5, 2));
  }

  @Test
  void addedPartitionsStartAtTheFirstBrokerWhenTheFirstLeaderIsGone() {
    List<BrokerAddress> brokers = List.of(broker(1, ""), broker(2, ""));
    assertEquals(List.of(List.of(1, 2), List.of(2, 1)), ReplicaPlacement.placeAdded(brokers, 7, 2, 4, 2));
  }

  @Test
  void withAsManyRacksAsReplicasEveryPartitionHasOneReplicaInEachRack() {
    List<BrokerAddress> brokers = List.of(broker(1, "a"), broker(2, "a"), broker(3, "b"), broker(4, "b"),
        broker(5, "c"), broker(6, "c"));
    Map<Integer, String> racks = racks(brokers);
    for (int start = 0; start < brokers.size(); start++) {
      List<List<Integer>> placements = ReplicaPlacement.place(brokers, 12, 3, start);
      Map<Integer, Integer> leaders = new HashMap<>();
      for (List<Integer> replicas : placements) {
        Set<String> used = new HashSet<>();
        replicas.forEach(id -> used.add(racks.get(id)));
        assertEquals(Set.of("a", "b", "c"), used, "racks of " + replicas);
        leaders.merge(replicas.get(0), 1, Integer::sum);
      }
      assertEquals(6, leaders.size(), "every broker leads some partition: " + leaders);
      assertEquals(Set.of(2), new HashSet<>(leaders.values()), "leaders spread evenly: " + leaders);
    }
  }

  @Test
  void withFewerRacksThanReplicasEveryRackGetsOneBeforeAnyGetsTwo() {
    List<BrokerAddress> brokers = List.of(broker(1, "a"), broker(2, "a"), broker(3, "a"), broker(4, "b"));
    Map<Integer, String> racks = racks(brokers);
    for (List<Integer> replicas : ReplicaPlacement.place(brokers, 8, 3, 0)) {
      assertEquals(3, new HashSet<>(replicas).size(), "distinct brokers in " + replicas);
      List<String> used = new ArrayList<>();
      replicas.forEach(id -> used.add(racks.get(id)));
      assertEquals(true, used.contains("b"), "rack b holds a replica of " + replicas);
    }
  }

  @Test
  void theRackAlternatingOrderTakesOneBrokerFromEachRackInTurn() {
    List<BrokerAddress> brokers = List.of(broker(1, "a"), broker(2, "a"), broker(3, "a"), broker(4, "b"),
        broker(5, "c"));
    assertEquals(List.of(1, 4, 5, 2, 3),
        ReplicaPlacement.rackAlternating(brokers).stream().map(BrokerAddress::id).toList());
  }
}
