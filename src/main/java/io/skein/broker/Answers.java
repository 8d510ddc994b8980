package io.skein.broker;

import io.skein.common.Failure;
import io.skein.common.FailureException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Turns the actors' answers into the request layer's results. */
final class Answers {

  private Answers() {}

  /** Fails the stage in which an actor's answer reports a failure. */
  static void throwIfFailed(Failure failure) {
    if (failure != null) {
      throw new FailureException(failure);
    }
  }

  /** The results in order once all complete; the first failure if one fails. */
  static <T> CompletionStage<List<T>> allOf(List<CompletableFuture<T>> futures) {
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .thenApply(done -> futures.stream().map(CompletableFuture::join).toList());
  }
}
