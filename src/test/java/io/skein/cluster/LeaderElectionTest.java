package io.skein.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.skein.metadata.ReplicaAssignment;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeaderElectionTest {

  private static ReplicaAssignment assignment(int leader, int epoch, Integer... isr) {
    return new ReplicaAssignment(List.of(1, 2, 3), leader, epoch, List.of(isr));
  }

  /** What an election makes of a partition at partition epoch {@code partitionEpoch - 1}. */
  private static ReplicaAssignment elected(int partitionEpoch, int leader, int epoch, Integer... isr) {
    return new ReplicaAssignment(List.of(1, 2, 3), leader, epoch, List.of(isr), partitionEpoch);
  }

  @Test
  void aLiveLeaderKeepsLeading() {
    ReplicaAssignment current = assignment(1, 4, 1, 2, 3);
    assertSame(current, LeaderElection.reconcile(current, Set.of(1, 2, 3)));
  }

  @Test
  void followersThatAreNotLiveLeaveTheIsrAtTheSameLeaderEpoch() {
    ReplicaAssignment current = assignment(1, 4, 1, 2, 3);
    assertEquals(elected(1, 1, 4, 1, 3), LeaderElection.reconcile(current, Set.of(1, 3), Set.of(1, 2, 3)),
        "broker 2 is leaving");
    assertEquals(elected(1, 1, 4, 1), LeaderElection.reconcile(current, Set.of(1)), "brokers 2 and 3 are gone");
  }

  @Test
  void aDeadLeaderIsReplacedByTheFirstLiveIsrMemberWithTheNextEpoch() {
    ReplicaAssignment elected = LeaderElection.reconcile(assignment(1, 4, 1, 2, 3), Set.of(2, 3));
    assertEquals(elected(1, 2, 5, 2, 3), elected, "the partition epoch moves with every change");
  }

  @Test
  void onlyInSyncReplicasAreElected() {
    // 2 is alive but out of sync: 3 leads although 2 comes first in replica order.
    assertEquals(elected(1, 3, 8, 3), LeaderElection.reconcile(assignment(1, 7, 1, 3), Set.of(2, 3)));
  }

  @Test
  void withNoLiveInSyncReplicaThePartitionGoesOfflineAndKeepsItsIsr() {
    ReplicaAssignment offline = LeaderElection.reconcile(assignment(1, 2, 1, 3), Set.of(2));
    assertEquals(elected(1, LeaderElection.NO_LEADER, 3, 1, 3), offline);
    assertSame(offline, LeaderElection.reconcile(offline, Set.of(2)), "no unclean election");
    assertEquals(elected(2, 3, 4, 3), LeaderElection.reconcile(offline, Set.of(2, 3)),
        "an ISR member that comes back leads again");
  }

  @Test
  void leadershipReturnsToThePreferredReplicaOnceItIsInSync() {
    ReplicaAssignment led = assignment(2, 5, 2, 3);
    assertSame(led, LeaderElection.reconcile(led, Set.of(1, 2, 3)), "back but not in sync yet");
    assertEquals(elected(1, 1, 6, 1, 2, 3), LeaderElection.reconcile(assignment(2, 5, 1, 2, 3), Set.of(1, 2, 3)));
  }

  @Test
  void aLeavingLeaderHandsOverOrKeepsLeadingIfNobodyElseIsInSync() {
    assertEquals(elected(1, 2, 2, 2), LeaderElection.reconcile(assignment(1, 1, 1, 2), Set.of(2, 3), Set.of(1, 2, 3)));
    ReplicaAssignment alone = assignment(1, 1, 1);
    assertSame(alone, LeaderElection.reconcile(alone, Set.of(2, 3), Set.of(1, 2, 3)));
  }
}
