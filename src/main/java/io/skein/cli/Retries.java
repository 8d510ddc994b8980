package io.skein.cli;

import io.skein.client.SkeinException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Runs a command's broker calls again while they fail with a retriable error (a broker that is
 * starting, a leader that is moving, no broker listening yet) until the command's
 * {@code --timeout}, with exponential backoff. What it waits for is printed once, to stderr.
 */
final class Retries {

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  private final String bootstrapServers;
  private final Duration timeout;
  private final PrintWriter err;
  private boolean toldWaiting;

  Retries(String bootstrapServers, Duration timeout, PrintWriter err) {
    this.bootstrapServers = bootstrapServers;
    this.timeout = timeout;
    this.err = err;
  }

  /** The answer of {@code call}, asked again while it fails retriably and time is left. */
  <T> T call(Supplier<T> call) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Duration backoff = FIRST_BACKOFF;
    while (true) {
      try {
        return call.get();
      } catch (SkeinException e) {
        if (!e.retriable()) {
          throw e;
        }
        if (System.nanoTime() + backoff.toNanos() - deadline > 0) {
          throw gaveUp(e);
        }
        tellWaiting(e);
        LockSupport.parkNanos(backoff.toNanos());
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
  }

  void run(Runnable call) {
    call(() -> {
      call.run();
      return null;
    });
  }

  private void tellWaiting(SkeinException e) {
    if (!toldWaiting) {
      toldWaiting = true;
      err.println("Waiting for " + (connectionRefused(e)
          ? "a broker to listen at " + bootstrapServers + " (connection refused)"
          : "the broker at " + bootstrapServers + ": " + e.getMessage())
          + "; retrying for up to " + timeout.toSeconds() + " s (--timeout)");
      err.flush();
    }
  }

  private RuntimeException gaveUp(SkeinException last) {
    return connectionRefused(last)
        ? new SkeinCli.CommandFailedException("cannot connect to " + bootstrapServers + ": connection refused")
        : last;
  }

  /** Whether the call never reached a broker because nothing listens at the address. */
  private static boolean connectionRefused(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }
}
