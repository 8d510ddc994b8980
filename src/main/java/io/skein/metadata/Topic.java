package io.skein.metadata;

import io.skein.common.CborSerializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A topic, where its partitions live (by partition number) and its config overrides. */
public record Topic(String name, String topicId, List<ReplicaAssignment> partitions, Map<String, String> configs)
    implements CborSerializable {

  public Topic {
    partitions = List.copyOf(partitions);
    configs = Map.copyOf(configs);
  }

  public Topic withConfigs(Map<String, String> newConfigs) {
    return new Topic(name, topicId, partitions, newConfigs);
  }

  public Topic withAssignment(int partition, ReplicaAssignment assignment) {
    List<ReplicaAssignment> next = new ArrayList<>(partitions);
    next.set(partition, assignment);
    return new Topic(name, topicId, next, configs);
  }

  /** The topic with {@code added} appended after its partitions. */
  public Topic withPartitionsAdded(List<ReplicaAssignment> added) {
    List<ReplicaAssignment> next = new ArrayList<>(partitions);
    next.addAll(added);
    return new Topic(name, topicId, next, configs);
  }

  public List<PartitionKey> partitionKeys() {
    List<PartitionKey> keys = new ArrayList<>(partitions.size());
    for (int p = 0; p < partitions.size(); p++) {
      keys.add(new PartitionKey(name, p));
    }
    return keys;
  }
}
