package io.skein.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.skein.common.ErrorCode;
import io.skein.metadata.ReplicaAssignment;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which ISR changes the Controller makes: only the current leader's, at its epoch, computed from
 * the current partition epoch. One delivered late, after a newer one was made (it may have waited
 * in the singleton's buffer while a stand-in took the newer one), is refused; a repeat of the
 * change in effect is answered as done; a broker that is not live does not join (KIP-841).
 */
class IsrChangeTest {

  /** Leader 1 at epoch 4, partition epoch 7, all three in sync. */
  private static final ReplicaAssignment CURRENT = new ReplicaAssignment(List.of(1, 2, 3), 1, 4, List.of(1, 2, 3), 7);
  private static final Set<Integer> ALL_LIVE = Set.of(1, 2, 3);

  private static Controller.AlterIsr change(int leader, int leaderEpoch, int partitionEpoch, Integer... isr) {
    return new Controller.AlterIsr("t", 0, leader, leaderEpoch, partitionEpoch, List.of(isr), null);
  }

  private static ErrorCode refusal(Controller.AlterIsr change) {
    Controller.AlterIsrReply reply = Controller.answerWithoutChange(change, CURRENT, ALL_LIVE);
    assertEquals(CURRENT, reply.assignment(), "a refusal carries the current assignment");
    return reply.failure().code();
  }

  @Test
  void theCurrentLeadersChangeFromTheCurrentPartitionEpochIsMade() {
    assertNull(Controller.answerWithoutChange(change(1, 4, 7, 1, 3), CURRENT, ALL_LIVE));
    assertEquals(new ReplicaAssignment(List.of(1, 2, 3), 1, 4, List.of(1, 3), 8), CURRENT.withIsr(List.of(1, 3)));
  }

  @Test
  void aChangeFromAnOlderPartitionEpochIsRefusedUnlessItIsAlreadyInEffect() {
    assertEquals(ErrorCode.INVALID_UPDATE_VERSION, refusal(change(1, 4, 6, 1, 3)));
    Controller.AlterIsrReply repeat = Controller.answerWithoutChange(change(1, 4, 6, 1, 2, 3), CURRENT, ALL_LIVE);
    assertEquals(new Controller.AlterIsrReply(CURRENT, null), repeat);
  }

  @Test
  void anotherLeaderOrEpochIsFencedAndABadIsrRefused() {
    assertEquals(ErrorCode.FENCED_LEADER_EPOCH, refusal(change(2, 4, 7, 2, 3)));
    assertEquals(ErrorCode.FENCED_LEADER_EPOCH, refusal(change(1, 3, 7, 1, 3)));
    assertEquals(ErrorCode.INVALID_REQUEST, refusal(change(1, 4, 7, 2, 3)));
    assertEquals(ErrorCode.INVALID_REQUEST, refusal(change(1, 4, 7, 1, 4)));
  }

  @Test
  void aBrokerThatIsNotLiveDoesNotJoinButAMemberThatIsNotLiveMayStay() {
    ReplicaAssignment shrunk = new ReplicaAssignment(List.of(1, 2, 3), 1, 4, List.of(1, 2), 8);
    Controller.AlterIsrReply refused =
        Controller.answerWithoutChange(new Controller.AlterIsr("t", 0, 1, 4, 8, List.of(1, 2, 3), null), shrunk,
            Set.of(1, 2));
    assertEquals(new Controller.AlterIsrReply(shrunk, refused.failure()), refused);
    assertEquals(ErrorCode.INELIGIBLE_REPLICA, refused.failure().code());
    assertNull(Controller.answerWithoutChange(new Controller.AlterIsr("t", 0, 1, 4, 8, List.of(1, 3), null), shrunk,
        Set.of(1, 3)), "2 leaves and 3 joins: both live as the Controller sees them");
    assertNull(Controller.answerWithoutChange(change(1, 4, 7, 1, 2), CURRENT, Set.of(1)),
        "a shrink is made whatever the members' liveness");
  }
}
