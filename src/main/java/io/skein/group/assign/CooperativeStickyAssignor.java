package io.skein.group.assign;

import io.skein.metadata.PartitionKey;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A sticky assignor for the cooperative protocol (Kafka's {@code cooperative-sticky}):
 * as balanced as the subscriptions allow while moving as few partitions as possible.
 *
 * <ol>
 *   <li>Every member keeps the partitions it owns that still exist and that it still
 *       subscribes to (a partition claimed twice stays with the first claimant by member id).
 *   <li>Partitions nobody keeps go, in sorted order, to the least loaded subscribed member
 *       (ties to the smallest member id).
 *   <li>While some member could take a partition from a member that has at least two more,
 *       one such partition moves from the most loaded member to the least loaded one.
 * </ol>
 *
 * <p>Step 3 ends with no such pair left, so two members subscribed to the same topics
 * differ by at most one partition, and nothing moves that balance does not require.
 */
public final class CooperativeStickyAssignor implements Assignor {

  @Override
  public String name() {
    return Assignors.COOPERATIVE_STICKY;
  }

  @Override
  public Map<String, Set<PartitionKey>> assign(
      Map<String, Set<String>> subscriptions,
      Map<String, Integer> partitionsPerTopic,
      Map<String, Set<PartitionKey>> owned) {
    TreeMap<String, TreeSet<PartitionKey>> result = AssignorSupport.emptyAssignment(subscriptions);
    TreeSet<PartitionKey> unassigned = new TreeSet<>(Assignor.PARTITION_ORDER);
    unassigned.addAll(AssignorSupport.subscribedPartitions(subscriptions, partitionsPerTopic));

    // 1. keep what is still valid
    for (Map.Entry<String, TreeSet<PartitionKey>> e : result.entrySet()) {
      Set<PartitionKey> previous = owned.getOrDefault(e.getKey(), Set.of());
      for (PartitionKey p : sorted(previous)) {
        if (unassigned.contains(p) && subscriptions.get(e.getKey()).contains(p.topic())) {
          e.getValue().add(p);
          unassigned.remove(p);
        }
      }
    }
    // 2. give the rest to the least loaded eligible member
    for (PartitionKey p : unassigned) {
      String least = null;
      for (Map.Entry<String, TreeSet<PartitionKey>> e : result.entrySet()) {
        if (subscriptions.get(e.getKey()).contains(p.topic())
            && (least == null || e.getValue().size() < result.get(least).size())) {
          least = e.getKey();
        }
      }
      result.get(least).add(p);
    }
    // 3. move single partitions while that narrows a gap of two or more
    while (moveOne(subscriptions, result)) {
      // each move lowers the sum of squared counts, so this ends
    }
    return AssignorSupport.freeze(result);
  }

  /** Moves one partition from the most loaded possible giver to the least loaded taker. */
  private static boolean moveOne(Map<String, Set<String>> subscriptions, TreeMap<String, TreeSet<PartitionKey>> result) {
    String bestFrom = null;
    String bestTo = null;
    PartitionKey bestPartition = null;
    int bestGap = 1;
    for (Map.Entry<String, TreeSet<PartitionKey>> from : result.entrySet()) {
      for (Map.Entry<String, TreeSet<PartitionKey>> to : result.entrySet()) {
        int gap = from.getValue().size() - to.getValue().size();
        if (gap <= bestGap) {
          continue;
        }
        // The last partition of the giver that the taker subscribes to.
        for (PartitionKey p : from.getValue().descendingSet()) {
          if (subscriptions.get(to.getKey()).contains(p.topic())) {
            bestFrom = from.getKey();
            bestTo = to.getKey();
            bestPartition = p;
            bestGap = gap;
            break;
          }
        }
      }
    }
    if (bestPartition == null) {
      return false;
    }
    result.get(bestFrom).remove(bestPartition);
    result.get(bestTo).add(bestPartition);
    return true;
  }

  private static TreeSet<PartitionKey> sorted(Set<PartitionKey> partitions) {
    TreeSet<PartitionKey> sorted = new TreeSet<>(Assignor.PARTITION_ORDER);
    sorted.addAll(partitions);
    return sorted;
  }
}
