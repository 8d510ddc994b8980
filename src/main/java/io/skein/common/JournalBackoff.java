package io.skein.common;

import akka.actor.typed.BackoffSupervisorStrategy;
import akka.actor.typed.SupervisorStrategy;
import java.time.Duration;

/**
 * How event-sourced actors meet a failing journal (its database restarting or failing over):
 * persisting or recovering fails, and the actor is restarted with back-off until the journal is
 * back, instead of staying stopped (Akka's default) until someone restarts the broker.
 */
public final class JournalBackoff {

  private static final Duration MIN = Duration.ofSeconds(1);
  private static final Duration MAX = Duration.ofSeconds(10);

  private JournalBackoff() {}

  public static BackoffSupervisorStrategy strategy() {
    return SupervisorStrategy.restartWithBackoff(MIN, MAX, 0.2);
  }
}
