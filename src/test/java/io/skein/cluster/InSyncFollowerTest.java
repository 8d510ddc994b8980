package io.skein.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a restarted broker counts as caught up, for readiness during a rolling update. */
class InSyncFollowerTest {

  static Map<String, Topic> topic(ReplicaAssignment... partitions) {
    return Map.of("t", new Topic("t", "id", List.of(partitions), Map.of()));
  }

  @Test
  void aFollowerOutsideTheIsrIsNotCaughtUp() {
    var assignments = topic(
        new ReplicaAssignment(List.of(1, 2, 3), 1, 4, List.of(1, 2, 3)),
        new ReplicaAssignment(List.of(2, 3, 1), 2, 4, List.of(2, 1)));
    assertFalse(LeaderLocations.inSyncFollower(assignments, 3));
    assertTrue(LeaderLocations.inSyncFollower(assignments, 1));
  }

  @Test
  void partitionsItLeadsOrThatHaveNoLeaderDoNotHoldItBack() {
    var assignments = topic(
        new ReplicaAssignment(List.of(3, 1, 2), 3, 1, List.of(3)),
        new ReplicaAssignment(List.of(1, 3, 2), -1, 2, List.of(1)));
    assertTrue(LeaderLocations.inSyncFollower(assignments, 3));
  }

  @Test
  void aBrokerWithoutReplicasIsCaughtUp() {
    assertTrue(LeaderLocations.inSyncFollower(topic(new ReplicaAssignment(List.of(1, 2), 1, 0, List.of(1))), 7));
  }
}
