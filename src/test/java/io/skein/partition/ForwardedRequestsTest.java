package io.skein.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class ForwardedRequestsTest {

  private final ForwardedRequests forwarded = new ForwardedRequests();

  private static ErrorCode failure(CompletableFuture<?> answer) {
    ExecutionException failed = assertThrows(ExecutionException.class, answer::get);
    return ((FailureException) failed.getCause()).failure().code();
  }

  @Test
  void requestsWaitingForABrokerFailRetriablyWhenItDoesAndOthersWaitOn() {
    CompletableFuture<String> toTwo = forwarded.untilBrokerFails(2, new CompletableFuture<>());
    CompletableFuture<String> alsoToTwo = forwarded.untilBrokerFails(2, new CompletableFuture<>());
    CompletableFuture<String> toThree = forwarded.untilBrokerFails(3, new CompletableFuture<>());
    assertEquals(2, forwarded.waitingFor(2));

    forwarded.failed(2);

    assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, failure(toTwo));
    assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, failure(alsoToTwo));
    assertFalse(toThree.isDone());
    assertEquals(0, forwarded.waitingFor(2));
    toThree.complete("answered");
    assertEquals(0, forwarded.waitingFor(3), "an answered request is forgotten");
  }

  @Test
  void aRequestToAFailedBrokerFailsAtOnceUntilItIsReachableAgain() {
    forwarded.failed(1);
    assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, failure(forwarded.untilBrokerFails(1, new CompletableFuture<>())));
    forwarded.recovered(1);
    CompletableFuture<String> later = forwarded.untilBrokerFails(1, new CompletableFuture<>());
    assertFalse(later.isDone());
    later.complete("answered");
    assertEquals("answered", later.join());
  }

  @Test
  void aRemovedBrokerFailsWhatWaitsButNotWhatIsSentAfterwards() {
    CompletableFuture<String> waiting = forwarded.untilBrokerFails(4, new CompletableFuture<>());
    forwarded.removed(4);
    assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, failure(waiting));
    // Sharding routes nothing to a removed node: a request now reaches whoever hosts the shard.
    CompletableFuture<String> after = forwarded.untilBrokerFails(4, new CompletableFuture<>());
    assertFalse(after.isDone());
  }

  @Test
  void anAnswerThatCameFirstStands() {
    CompletableFuture<String> answered = forwarded.untilBrokerFails(5, new CompletableFuture<>());
    answered.complete("appended");
    forwarded.failed(5);
    assertTrue(answered.isDone());
    assertEquals("appended", answered.join());
  }
}
