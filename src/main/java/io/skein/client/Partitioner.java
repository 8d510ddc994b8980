package io.skein.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.utils.Utils;

/**
 * Kafka's default placement: keyed records go to
 * {@code toPositive(murmur2(serializedKey)) % numPartitions}, so a key lands where Kafka
 * would put it; keyless records stick to one partition per topic until a batch for it
 * is closed, then move to another, so they fill whole batches.
 */
final class Partitioner {

  private final Map<String, Integer> stickyPartitions = new ConcurrentHashMap<>();

  static int partitionForKey(byte[] serializedKey, int numPartitions) {
    return Utils.toPositive(Utils.murmur2(serializedKey)) % numPartitions;
  }

  /** The partition for a record that names none. */
  int partition(String topic, byte[] serializedKey, int numPartitions) {
    if (serializedKey != null) {
      return partitionForKey(serializedKey, numPartitions);
    }
    Integer sticky = stickyPartitions.get(topic);
    if (sticky != null && sticky < numPartitions) {
      return sticky;
    }
    return nextStickyPartition(topic, -1, numPartitions);
  }

  /**
   * Called when a keyless record would start a new batch on {@code previousPartition}:
   * chooses another partition, unless another thread has already moved on.
   */
  int nextStickyPartition(String topic, int previousPartition, int numPartitions) {
    return stickyPartitions.compute(
        topic,
        (name, current) -> {
          if (current != null && current != previousPartition && current < numPartitions) {
            return current;
          }
          if (numPartitions == 1) {
            return 0;
          }
          int next = ThreadLocalRandom.current().nextInt(numPartitions - 1);
          // Skip the previous partition so a switch always moves.
          return previousPartition >= 0 && next >= previousPartition ? next + 1 : next;
        });
  }
}
