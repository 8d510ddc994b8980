package io.skein.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes. */
public final class Eventually {

  private Eventually() {}

  public static void assertEventually(String what, Duration within, BooleanSupplier condition) {
    assertEventually(what, within, condition, () -> "");
  }

  /** As above; on failure the message ends with {@code diagnosis}, taken at the deadline. */
  public static void assertEventually(String what, Duration within, BooleanSupplier condition,
      Supplier<String> diagnosis) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        String why = diagnosis.get();
        fail("not true within " + within + ": " + what + (why.isEmpty() ? "" : "; " + why));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
