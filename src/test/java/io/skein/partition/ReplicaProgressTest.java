package io.skein.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

class ReplicaProgressTest {

  private static final long LAG_MAX = 1_000;
  private static final long FETCH_TIMEOUT = 200;
  private static final IntPredicate ANY = broker -> true;

  @Test
  void theHighWatermarkIsTheSmallestLogEndInTheIsrAndWaitsForUnknownFollowers() {
    ReplicaProgress progress = new ReplicaProgress(1, List.of(1, 2, 3), List.of(1, 2, 3), 0);
    assertEquals(5, progress.highWatermark(100, 5), "followers not heard from yet hold it");
    progress.onFetch(2, 40, 100, 10);
    assertEquals(5, progress.highWatermark(100, 5));
    progress.onFetch(3, 70, 100, 10);
    assertEquals(40, progress.highWatermark(100, 5));
    assertEquals(50, progress.highWatermark(100, 50), "never moves back");
  }

  @Test
  void aSoleInSyncReplicaCommitsItsWholeLog() {
    ReplicaProgress progress = new ReplicaProgress(1, List.of(1, 2), List.of(1), 0);
    assertEquals(100, progress.highWatermark(100, 0));
  }

  @Test
  void aFollowerThatKeepsUpUnderLoadStaysInSyncAndASilentOneLeaves() {
    ReplicaProgress progress = new ReplicaProgress(1, List.of(1, 2, 3), List.of(1, 2, 3), 0);
    // Follower 2 is always a little behind the log end, but reaches where it was at its previous fetch.
    long leaderEnd = 10;
    for (long now = 100; now <= 3_000; now += 100) {
      progress.onFetch(2, leaderEnd - 5, leaderEnd, now);
      leaderEnd += 10;
    }
    assertEquals(Optional.of(List.of(1, 2)), progress.proposedIsr(0, 3_000, LAG_MAX, FETCH_TIMEOUT, Set.of(), ANY), "3 never fetched");
  }

  @Test
  void aFollowerRejoinsOnceItReachesTheHighWatermark() {
    ReplicaProgress progress = new ReplicaProgress(1, List.of(1, 2, 3), List.of(1, 2), 0);
    progress.onFetch(2, 100, 100, 10);
    progress.onFetch(3, 50, 100, 10);
    assertEquals(Optional.empty(), progress.proposedIsr(100, 20, LAG_MAX, FETCH_TIMEOUT, Set.of(), ANY));
    progress.onFetch(3, 100, 100, 30);
    assertEquals(Optional.of(List.of(1, 2, 3)), progress.proposedIsr(100, 40, LAG_MAX, FETCH_TIMEOUT, Set.of(), ANY));
  }

  @Test
  void aCaughtUpFollowerTheClusterNoLongerCountsAsLiveDoesNotRejoin() {
    ReplicaProgress progress = new ReplicaProgress(1, List.of(1, 2, 3), List.of(1, 2), 0);
    progress.onFetch(2, 100, 100, 10);
    progress.onFetch(3, 100, 100, 10);
    assertEquals(Optional.empty(), progress.proposedIsr(100, 20, LAG_MAX, FETCH_TIMEOUT, Set.of(), broker -> broker != 3),
        "3 is leaving: it still fetches, but asking for it would be refused");
    assertEquals(Optional.of(List.of(1, 2, 3)), progress.proposedIsr(100, 20, LAG_MAX, FETCH_TIMEOUT, Set.of(),
        broker -> broker != 2), "a member stays: taking the non-live out is the Controller's");
  }

  /**
   * FaultScheduleIT: an expansion was sent to a Controller whose host then froze; the stand-in
   * took the frozen broker out of the ISR. Had the expansion stayed pending, acks=all would have
   * waited for the frozen broker for the whole pause.
   */
  @Test
  void aNewerIsrFromTheControllerEndsAPendingChange() {
    ReplicaProgress progress = new ReplicaProgress(3, List.of(2, 3, 1), List.of(3, 1), 0);
    progress.onFetch(1, 100, 100, 10);
    progress.onFetch(2, 100, 100, 10);
    progress.isrChangeSent(List.of(2, 3, 1));
    progress.onFetch(1, 105, 105, 30);
    assertEquals(100, progress.highWatermark(105, 100), "2 is pending and frozen at 100");
    progress.isrSuperseded(List.of(3, 1));
    assertEquals(105, progress.highWatermark(105, 100));
  }

  /**
   * The race GroupFailoverIT found: the Controller commits an ISR that adds the preferred
   * replica and elects it at once, before this leader hears back. Had the leader meanwhile
   * counted only the old ISR, it would have acknowledged writes the new leader never had.
   */
  @Test
  void whileAnIsrExpansionIsPendingTheHighWatermarkWaitsForTheJoiningMember() {
    ReplicaProgress progress = new ReplicaProgress(3, List.of(2, 3, 1), List.of(3, 1), 0);
    progress.onFetch(1, 100, 100, 10);
    progress.onFetch(2, 100, 100, 10);
    Optional<List<Integer>> proposed = progress.proposedIsr(100, 20, LAG_MAX, FETCH_TIMEOUT, Set.of(), ANY);
    assertEquals(Optional.of(List.of(2, 3, 1)), proposed);
    progress.isrChangeSent(proposed.get());

    // Five more records, on follower 1 only: the joining member 2 does not have them yet.
    progress.onFetch(1, 105, 105, 30);
    assertEquals(100, progress.highWatermark(105, 100), "held at the joining member's log end");

    // No answer from the Controller in time: it may have committed the change; still pending.
    progress.isrChangeSent(List.of(3, 1));
    assertEquals(100, progress.highWatermark(105, 100));

    progress.isrChangeAnswered();
    progress.setIsr(List.of(2, 3, 1));
    progress.onFetch(2, 105, 105, 40);
    assertEquals(105, progress.highWatermark(105, 100));
  }

  @Test
  void whileAnIsrShrinkIsPendingTheHighWatermarkStillWaitsForTheLeavingMember() {
    ReplicaProgress progress = new ReplicaProgress(1, List.of(1, 2, 3), List.of(1, 2, 3), 0);
    progress.onFetch(2, 100, 100, 10);
    progress.onFetch(3, 80, 100, 10);
    progress.isrChangeSent(List.of(1, 2));
    assertEquals(80, progress.highWatermark(100, 0));
    progress.isrChangeAnswered();
    progress.setIsr(List.of(1, 2));
    assertEquals(100, progress.highWatermark(100, 80));
  }

  @Test
  void aFollowerThatStopsFetchingLeavesLongBeforeTheLagTime() {
    ReplicaProgress progress = new ReplicaProgress(1, List.of(1, 2, 3), List.of(1, 2, 3), 0);
    progress.onFetch(2, 100, 100, 10);
    progress.onFetch(3, 100, 100, 10);
    assertEquals(Optional.empty(), progress.proposedIsr(100, 150, LAG_MAX, FETCH_TIMEOUT, Set.of(), ANY));
    progress.onFetch(2, 100, 100, 300);
    assertEquals(Optional.of(List.of(1, 2)), progress.proposedIsr(100, 300, LAG_MAX, FETCH_TIMEOUT, Set.of(), ANY),
        "3 has been silent for 290 ms, well within the lag time");
    assertEquals(Optional.empty(), progress.proposedIsr(100, 300, LAG_MAX, FETCH_TIMEOUT, Set.of(3), ANY),
        "a follower whose fetch waits at the leader is not silent");
    progress.onFetch(3, 100, 100, 320);
    progress.setIsr(List.of(1, 2));
    assertEquals(Optional.of(List.of(1, 2, 3)), progress.proposedIsr(100, 330, LAG_MAX, FETCH_TIMEOUT, Set.of(), ANY),
        "it rejoins once it fetches again from the high watermark");
  }

  @Test
  void aFollowerNotHeardFromSinceTheLeaderStartedGetsTheWholeLagTime() {
    ReplicaProgress progress = new ReplicaProgress(1, List.of(1, 2, 3), List.of(1, 2, 3), 0);
    progress.onFetch(2, 100, 100, 500);
    assertEquals(Optional.empty(), progress.proposedIsr(100, 500, LAG_MAX, FETCH_TIMEOUT, Set.of(), ANY),
        "3 may still be learning who leads");
  }
}
