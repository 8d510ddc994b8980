package io.skein.broker;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Waiting for several asks at once. */
final class Futures {

  private Futures() {}

  /** The results in order once all complete; the first failure if one fails. */
  static <T> CompletionStage<List<T>> allOf(List<CompletableFuture<T>> futures) {
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .thenApply(done -> futures.stream().map(CompletableFuture::join).toList());
  }
}
