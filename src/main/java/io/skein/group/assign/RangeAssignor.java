package io.skein.group.assign;

import io.skein.metadata.PartitionKey;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kafka's range assignor: per topic, the subscribers (sorted by member id) get consecutive
 * ranges of partitions; the first {@code partitions % subscribers} get one more. Balanced
 * per topic; across several topics the first members may get one extra per topic. Ignores
 * current ownership.
 */
public final class RangeAssignor implements Assignor {

  @Override
  public String name() {
    return Assignors.RANGE;
  }

  @Override
  public Map<String, Set<PartitionKey>> assign(
      Map<String, Set<String>> subscriptions,
      Map<String, Integer> partitionsPerTopic,
      Map<String, Set<PartitionKey>> owned) {
    TreeMap<String, TreeSet<PartitionKey>> result = AssignorSupport.emptyAssignment(subscriptions);
    TreeSet<String> topics = new TreeSet<>();
    subscriptions.values().forEach(topics::addAll);
    for (String topic : topics) {
      Integer partitions = partitionsPerTopic.get(topic);
      List<String> members = AssignorSupport.subscribers(subscriptions, topic);
      if (partitions == null || members.isEmpty()) {
        continue;
      }
      int each = partitions / members.size();
      int extra = partitions % members.size();
      int next = 0;
      for (int i = 0; i < members.size(); i++) {
        int count = each + (i < extra ? 1 : 0);
        for (int k = 0; k < count; k++) {
          result.get(members.get(i)).add(new PartitionKey(topic, next++));
        }
      }
    }
    return AssignorSupport.freeze(result);
  }
}
