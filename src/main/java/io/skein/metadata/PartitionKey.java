package io.skein.metadata;

import io.skein.common.CborSerializable;

/** A topic partition; its entity id in Cluster Sharding is {@code topic-partition}. */
public record PartitionKey(String topic, int partition) implements CborSerializable {

  public String entityId() {
    return topic + "-" + partition;
  }

  /** Topic names may contain '-', partition numbers cannot: split at the last one. */
  public static PartitionKey fromEntityId(String entityId) {
    int dash = entityId.lastIndexOf('-');
    if (dash <= 0 || dash == entityId.length() - 1) {
      throw new IllegalArgumentException("not a partition entity id: " + entityId);
    }
    return new PartitionKey(entityId.substring(0, dash), Integer.parseInt(entityId.substring(dash + 1)));
  }

  @Override
  public String toString() {
    return entityId();
  }
}
