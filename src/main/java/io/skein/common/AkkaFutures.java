package io.skein.common;

import akka.actor.typed.ActorRef;
import akka.actor.typed.RecipientRef;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.AskPattern;
import akka.japi.function.Function;
import akka.japi.function.Function2;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The stages Akka's Java API returns ({@code AskPattern.ask}, {@code EntityRef.ask}, the
 * external shard allocation client) run their dependent actions, even the non-async ones
 * ({@code thenApply}, {@code whenComplete}, ...), on {@code ForkJoinPool.commonPool()}. On a
 * machine or pod with fewer than three cores that pool has no threads and starts a new
 * thread per action: one per request. {@code ActorContext.ask} is such a stage piped to the
 * actor with {@code whenComplete}, so an actor asking over the network (a follower's every
 * fetch) would start a thread per answer. Every such stage goes through {@link #direct}, and
 * every ask from an actor through {@link #ask}, so that what follows runs on the thread that
 * answered; what follows only ever translates the answer and hands it on.
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

  /**
   * {@code context.ask(...)}, with the answer turned into the actor's message on the thread that
   * delivers it. {@code responseClass}, as in {@code context.ask}, only fixes the answer's type.
   */
  public static <T, Req, Res> void ask(ActorContext<T> context, Class<Res> responseClass, RecipientRef<Req> target,
      Duration timeout, Function<ActorRef<Res>, Req> createRequest, Function2<Res, Throwable, T> applyToResponse) {
    context.pipeToSelf(direct(AskPattern.ask(target, createRequest, timeout, context.getSystem().scheduler())),
        applyToResponse);
  }
}
