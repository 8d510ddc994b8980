package io.skein.common;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The stages Akka's Java API returns ({@code AskPattern.ask}, {@code EntityRef.ask}, the
 * external shard allocation client) run their dependent actions, even the non-async ones
 * ({@code thenApply}, {@code whenComplete}, ...), on {@code ForkJoinPool.commonPool()}. On a
 * machine or pod with fewer than three cores that pool has no threads and starts a new
 * thread per action: one per request. Every such stage used outside an actor goes through
 * {@link #direct}, so that what follows runs on the thread that answered; what follows only
 * ever translates the answer and hands it on.
 */
public final class AkkaFutures {

  private AkkaFutures() {}

  /** A plain future completed with {@code stage}'s outcome on the thread that completes it. */
  public static <T> CompletableFuture<T> direct(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    stage.whenCompleteAsync(
        (value, error) -> {
          if (error != null) {
            plain.completeExceptionally(error);
          } else {
            plain.complete(value);
          }
        },
        Runnable::run);
    return plain;
  }
}
