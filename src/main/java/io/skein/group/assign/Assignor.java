package io.skein.group.assign;

import io.skein.metadata.PartitionKey;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;

/**
 * Decides which member of a consumer group reads which partition. Plain Java, no Akka: the
 * GroupCoordinator calls it with everything it needs and applies the result with Kafka's
 * two-phase cooperative protocol (KIP-429): partitions whose owner changes are first
 * revoked from the old owner and only given to the new owner once released. So every
 * assignor here is safe to use incrementally; they differ in how many partitions move.
 *
 * <p>Every implementation is deterministic: the same input gives the same output,
 * whatever the iteration order of the maps passed in.
 */
public interface Assignor {

  /** Orders partitions by topic, then partition number. */
  Comparator<PartitionKey> PARTITION_ORDER =
      Comparator.comparing(PartitionKey::topic).thenComparingInt(PartitionKey::partition);

  /** The name clients ask for, as in Kafka's {@code partition.assignment.strategy}. */
  String name();

  /**
   * The target assignment.
   *
   * @param subscriptions member id to the topics it subscribes to (already resolved from
   *     patterns); topics absent from {@code partitionsPerTopic} are ignored
   * @param partitionsPerTopic partition count of every existing topic (at least the
   *     subscribed ones)
   * @param owned member id to the partitions it owns now (stickiness input; may be empty)
   * @return member id to its partitions, with an entry (possibly empty) for every member;
   *     every partition of a subscribed topic is assigned to exactly one subscribed member
   */
  Map<String, Set<PartitionKey>> assign(
      Map<String, Set<String>> subscriptions,
      Map<String, Integer> partitionsPerTopic,
      Map<String, Set<PartitionKey>> owned);
}
