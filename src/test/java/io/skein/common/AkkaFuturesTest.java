package io.skein.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Answers to asks are handed on by the thread that delivers them, never by a thread started for the
 * occasion, which is what Akka's stages get from {@code CompletableFuture} where the common pool has
 * fewer than two threads (a machine or pod of two cores, as CI's).
 */
class AkkaFuturesTest {

  private static final ActorTestKit testKit = ActorTestKit.create("akka-futures");
  private static final int ASKS = 200;

  record Ping(String text, ActorRef<String> replyTo) {}

  /** What an asking actor got: each answer, or its failure. */
  record Answered(String answer) {}

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Behavior<Ping> echo() {
    return Behaviors.receiveMessage(ping -> {
      ping.replyTo().tell(ping.text());
      return Behaviors.same();
    });
  }

  /** An actor that asks {@code target} {@code times} times, one after another, and reports each answer. */
  private static Behavior<Answered> asker(ActorRef<Ping> target, Duration timeout, int times,
      ActorRef<Answered> report) {
    return Behaviors.setup(context -> {
      Runnable ask = () -> AkkaFutures.ask(context, String.class, target, timeout,
          replyTo -> new Ping("hello", replyTo), (answer, failure) -> new Answered(
              failure == null ? answer : failure instanceof TimeoutException ? "timed out" : failure.toString()));
      ask.run();
      int[] left = {times - 1};
      return Behaviors.receiveMessage(answered -> {
        report.tell(answered);
        if (left[0]-- == 0) {
          return Behaviors.stopped();
        }
        ask.run();
        return Behaviors.same();
      });
    });
  }

  private static long startedThreads() {
    return ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
  }

  @Test
  void anActorsAsksAreAnsweredWithoutStartingAThreadEach() {
    ActorRef<Ping> echo = testKit.spawn(echo());
    TestProbe<Answered> report = testKit.createTestProbe();
    testKit.spawn(asker(echo, Duration.ofSeconds(5), 1, report.getRef()));
    report.expectMessage(new Answered("hello"));
    long before = startedThreads();
    testKit.spawn(asker(echo, Duration.ofSeconds(5), ASKS, report.getRef()));
    for (int i = 0; i < ASKS; i++) {
      report.expectMessage(new Answered("hello"));
    }
    long started = startedThreads() - before;
    assertTrue(started < ASKS / 10, ASKS + " asks started " + started + " threads");
  }

  @Test
  void anActorsAskThatTimesOutReportsTheTimeout() {
    TestProbe<Ping> silent = testKit.createTestProbe();
    TestProbe<Answered> report = testKit.createTestProbe();
    testKit.spawn(asker(silent.getRef(), Duration.ofMillis(200), 1, report.getRef()));
    report.expectMessage(Duration.ofSeconds(10), new Answered("timed out"));
  }

  @Test
  void aDirectStageRunsWhatFollowsOnTheThreadThatAnswered() throws Exception {
    TestProbe<Ping> target = testKit.createTestProbe();
    CompletableFuture<String> thread = AkkaFutures.direct(AskPattern.<Ping, String>ask(target.getRef(),
            replyTo -> new Ping("hi", replyTo), Duration.ofSeconds(5), testKit.system().scheduler()))
        .thenApply(answer -> Thread.currentThread().getName());
    target.receiveMessage().replyTo().tell("hi");
    assertEquals(Thread.currentThread().getName(), thread.get(10, TimeUnit.SECONDS));
  }
}
