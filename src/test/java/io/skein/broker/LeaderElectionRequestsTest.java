package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.TopicAdmin.ElectionType;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an ElectLeaders request answers for each partition, given its assignment and the live brokers. */
class LeaderElectionRequestsTest {

  private static final PartitionKey KEY = new PartitionKey("t", 0);

  private static ErrorCode outcome(ElectionType type, ReplicaAssignment assignment, List<Integer> live) {
    Failure failure = TopicAdmin.electionFailure(type, KEY, assignment, live);
    return failure == null ? ErrorCode.NONE : failure.code();
  }

  @Test
  void aPreferredElectionIsNeededOnlyWhileTheLivePreferredReplicaIsInSyncButNotLeading() {
    List<Integer> replicas = List.of(1, 2, 3);
    assertEquals(ErrorCode.ELECTION_NOT_NEEDED,
        outcome(ElectionType.PREFERRED, new ReplicaAssignment(replicas, 1, 4, replicas), List.of(1, 2, 3)));
    assertEquals(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
        outcome(ElectionType.PREFERRED, new ReplicaAssignment(replicas, 2, 5, List.of(2, 3)), List.of(2, 3)));
    assertEquals(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
        outcome(ElectionType.PREFERRED, new ReplicaAssignment(replicas, 2, 5, List.of(2, 3)), List.of(1, 2, 3)),
        "live but not in sync");
    assertEquals(ErrorCode.NONE,
        outcome(ElectionType.PREFERRED, new ReplicaAssignment(replicas, 2, 5, replicas), List.of(1, 2, 3)),
        "the Controller is about to move leadership back");
  }

  @Test
  void anUncleanElectionIsNeverRunButSaysWhy() {
    List<Integer> replicas = List.of(1, 2);
    assertEquals(ErrorCode.ELECTION_NOT_NEEDED,
        outcome(ElectionType.UNCLEAN, new ReplicaAssignment(replicas, 2, 3, List.of(2)), List.of(1, 2)));
    Failure offline = TopicAdmin.electionFailure(ElectionType.UNCLEAN, KEY,
        new ReplicaAssignment(replicas, -1, 3, List.of(1)), List.of(2));
    assertEquals(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, offline.code());
    assertTrue(offline.message().contains("unclean leader election is not supported"), offline.message());
    assertNull(TopicAdmin.electionFailure(ElectionType.PREFERRED, KEY,
        new ReplicaAssignment(replicas, 2, 3, replicas), List.of(1, 2)));
  }
}
