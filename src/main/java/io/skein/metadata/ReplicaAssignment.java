package io.skein.metadata;

import io.skein.common.CborSerializable;
import java.util.List;

/** One partition's replicas (preferred leader first), leader, leader epoch and in-sync replicas. */
public record ReplicaAssignment(List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr)
    implements CborSerializable {

  public ReplicaAssignment {
    replicas = List.copyOf(replicas);
    isr = List.copyOf(isr);
  }

  public ReplicaAssignment withIsr(List<Integer> newIsr) {
    return new ReplicaAssignment(replicas, leader, leaderEpoch, newIsr);
  }
}
