package io.skein.group.assign;

import io.skein.metadata.PartitionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Sorting and bookkeeping shared by the assignors. */
final class AssignorSupport {

  private AssignorSupport() {}

  /** Member id to an empty, sorted partition set, for every member, in member id order. */
  static TreeMap<String, TreeSet<PartitionKey>> emptyAssignment(Map<String, Set<String>> subscriptions) {
    TreeMap<String, TreeSet<PartitionKey>> result = new TreeMap<>();
    for (String member : subscriptions.keySet()) {
      result.put(member, new TreeSet<>(Assignor.PARTITION_ORDER));
    }
    return result;
  }

  /** Members subscribed to {@code topic}, sorted by member id. */
  static List<String> subscribers(Map<String, Set<String>> subscriptions, String topic) {
    List<String> members = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : new TreeMap<>(subscriptions).entrySet()) {
      if (e.getValue().contains(topic)) {
        members.add(e.getKey());
      }
    }
    return members;
  }

  /** Every partition of every topic someone subscribes to, sorted. */
  static List<PartitionKey> subscribedPartitions(
      Map<String, Set<String>> subscriptions, Map<String, Integer> partitionsPerTopic) {
    TreeSet<String> topics = new TreeSet<>();
    subscriptions.values().forEach(topics::addAll);
    List<PartitionKey> partitions = new ArrayList<>();
    for (String topic : topics) {
      Integer count = partitionsPerTopic.get(topic);
      for (int p = 0; count != null && p < count; p++) {
        partitions.add(new PartitionKey(topic, p));
      }
    }
    return partitions;
  }

  /** Freezes a result into immutable sets. */
  static Map<String, Set<PartitionKey>> freeze(TreeMap<String, TreeSet<PartitionKey>> assignment) {
    TreeMap<String, Set<PartitionKey>> frozen = new TreeMap<>();
    assignment.forEach((member, partitions) -> frozen.put(member, java.util.Collections.unmodifiableSet(partitions)));
    return java.util.Collections.unmodifiableMap(frozen);
  }
}
