package io.skein.group.assign;

import io.skein.metadata.PartitionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kafka's round-robin assignor: all subscribed partitions, sorted, are dealt one by one to
 * the members (sorted by member id) in a circle, skipping members not subscribed to the
 * partition's topic. Balanced when members share their subscriptions. Ignores current
 * ownership.
 */
public final class RoundRobinAssignor implements Assignor {

  @Override
  public String name() {
    return Assignors.ROUND_ROBIN;
  }

  @Override
  public Map<String, Set<PartitionKey>> assign(
      Map<String, Set<String>> subscriptions,
      Map<String, Integer> partitionsPerTopic,
      Map<String, Set<PartitionKey>> owned) {
    TreeMap<String, TreeSet<PartitionKey>> result = AssignorSupport.emptyAssignment(subscriptions);
    List<String> members = new ArrayList<>(result.keySet());
    if (members.isEmpty()) {
      return AssignorSupport.freeze(result);
    }
    int cursor = 0;
    for (PartitionKey partition : AssignorSupport.subscribedPartitions(subscriptions, partitionsPerTopic)) {
      // Someone subscribes to the topic, so this finds a member within one turn.
      while (!subscriptions.get(members.get(cursor % members.size())).contains(partition.topic())) {
        cursor++;
      }
      result.get(members.get(cursor % members.size())).add(partition);
      cursor++;
    }
    return AssignorSupport.freeze(result);
  }
}
