package io.skein.cluster;

import io.skein.metadata.BrokerAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where a new topic's partition replicas go (plain Java, so it is tested without a cluster).
 *
 * <p>Kafka's placement: brokers in a fixed order, partition p's replicas consecutive in that
 * order from a start shifted by p, the first replica being the preferred leader, so that
 * leaders and copies spread evenly over the brokers. With racks ({@code broker.rack}), the
 * order alternates between racks (the first broker of each rack, then the second of each
 * ...), and each partition takes the next broker whose rack holds none of its replicas yet,
 * falling back to any unused broker only once every rack has one: a partition survives the
 * loss of a whole rack whenever there are as many racks as replicas.
 */
final class ReplicaPlacement {

  private ReplicaPlacement() {}

  /**
   * Replica lists (preferred leader first) for {@code partitions} partitions. {@code brokers}
   * sorted by id; {@code start} the broker position partition 0 starts at.
   */
  static List<List<Integer>> place(List<BrokerAddress> brokers, int partitions, int replicationFactor, int start) {
    List<BrokerAddress> order = rackAlternating(brokers);
    List<List<Integer>> placements = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      List<Integer> replicas = new ArrayList<>(replicationFactor);
      Set<String> racksUsed = new HashSet<>();
      int first = (start + p) % order.size();
      // First pass: one replica per rack; second pass: fill up with whatever is left.
      for (int pass = 0; pass < 2 && replicas.size() < replicationFactor; pass++) {
        for (int i = 0; i < order.size() && replicas.size() < replicationFactor; i++) {
          BrokerAddress broker = order.get((first + i) % order.size());
          if (replicas.contains(broker.id()) || (pass == 0 && racksUsed.contains(broker.rack()))) {
            continue;
          }
          replicas.add(broker.id());
          racksUsed.add(broker.rack());
        }
      }
      placements.add(replicas);
    }
    return placements;
  }

  /**
   * Replica lists for partitions {@code from} up to {@code to} (exclusive) added to a topic
   * whose partition 0 prefers {@code firstLeader}: placed as if the topic had been created
   * with {@code to} partitions, so that the new ones continue its rotation over the brokers.
   * If {@code firstLeader} is no longer live, the rotation starts at the first broker.
   */
  static List<List<Integer>> placeAdded(
      List<BrokerAddress> brokers, int firstLeader, int from, int to, int replicationFactor) {
    List<BrokerAddress> order = rackAlternating(brokers);
    int start = 0;
    for (int i = 0; i < order.size(); i++) {
      if (order.get(i).id() == firstLeader) {
        start = i;
      }
    }
    return new ArrayList<>(place(brokers, to, replicationFactor, start).subList(from, to));
  }

  /** Brokers ordered by alternating racks: rack a's first, rack b's first, ..., rack a's second, ... */
  static List<BrokerAddress> rackAlternating(List<BrokerAddress> brokers) {
    Map<String, List<BrokerAddress>> byRack = new TreeMap<>();
    for (BrokerAddress broker : brokers) {
      byRack.computeIfAbsent(broker.rack(), rack -> new ArrayList<>()).add(broker);
    }
    List<BrokerAddress> order = new ArrayList<>(brokers.size());
    for (int round = 0; order.size() < brokers.size(); round++) {
      for (List<BrokerAddress> rack : byRack.values()) {
        if (round < rack.size()) {
          order.add(rack.get(round));
        }
      }
    }
    return order;
  }
}
