package io.skein.metadata;

import io.skein.common.CborSerializable;
import java.util.List;

/**
 * One partition's replicas (preferred leader first), leader, leader epoch and in-sync replicas,
 * and its partition epoch: bumped by every change of leader or ISR (Kafka's KIP-497), so that an
 * ISR change computed from an older assignment, delivered late, is recognised and refused.
 * Events journaled before the partition epoch existed read as epoch 0.
 */
public record ReplicaAssignment(List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr,
    int partitionEpoch) implements CborSerializable {

  public ReplicaAssignment {
    replicas = List.copyOf(replicas);
    isr = List.copyOf(isr);
  }

  /** A new partition's first assignment. */
  public ReplicaAssignment(List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr) {
    this(replicas, leader, leaderEpoch, isr, 0);
  }

  public ReplicaAssignment withIsr(List<Integer> newIsr) {
    return new ReplicaAssignment(replicas, leader, leaderEpoch, newIsr, partitionEpoch + 1);
  }

  /** {@code newLeader} (or none) at the next leader epoch, with {@code newIsr}. */
  public ReplicaAssignment withLeader(int newLeader, List<Integer> newIsr) {
    return new ReplicaAssignment(replicas, newLeader, leaderEpoch + 1, newIsr, partitionEpoch + 1);
  }
}
