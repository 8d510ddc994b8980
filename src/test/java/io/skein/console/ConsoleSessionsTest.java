package io.skein.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.security.Principal;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Console sessions on a driven clock: idle expiry, logout, a bounded table. */
class ConsoleSessionsTest {

  private final AtomicLong nanos = new AtomicLong();
  private final ConsoleSessions sessions = new ConsoleSessions(Duration.ofMinutes(30), 3, nanos::get);
  private final Principal alice = Principal.user("alice");

  private void advance(Duration by) {
    nanos.addAndGet(by.toNanos());
  }

  @Test
  void aSessionEndsAfterItsIdleTimeoutAndEachUseRestartsIt() {
    String token = sessions.start(alice);
    advance(Duration.ofMinutes(29));
    assertEquals(Optional.of(alice), sessions.principal(token));
    advance(Duration.ofMinutes(29));
    assertEquals(Optional.of(alice), sessions.principal(token), "used a minute before it would have ended");
    advance(Duration.ofMinutes(30));
    assertEquals(Optional.empty(), sessions.principal(token));
    assertEquals(0, sessions.size(), "an ended session leaves the table");
  }

  @Test
  void logoutEndsTheSessionAndTokensAreRandom() {
    String first = sessions.start(alice);
    String second = sessions.start(alice);
    assertNotEquals(first, second);
    assertTrue(first.length() >= 43, "256 random bits: " + first);
    sessions.end(first);
    assertEquals(Optional.empty(), sessions.principal(first));
    assertEquals(Optional.of(alice), sessions.principal(second));
    assertEquals(Optional.empty(), sessions.principal("made-up"));
  }

  @Test
  void aFullTableDropsExpiredSessionsThenTheOneIdleLongest() {
    String idle = sessions.start(Principal.user("idle"));
    advance(Duration.ofMinutes(1));
    String busy = sessions.start(Principal.user("busy"));
    String third = sessions.start(Principal.user("third"));
    advance(Duration.ofMinutes(1));
    sessions.principal(busy);
    String fourth = sessions.start(Principal.user("fourth"));
    assertEquals(3, sessions.size());
    assertEquals(Optional.empty(), sessions.principal(idle), "idle longest, so dropped");
    assertTrue(sessions.principal(busy).isPresent() && sessions.principal(third).isPresent()
        && sessions.principal(fourth).isPresent());

    advance(Duration.ofMinutes(31));
    sessions.start(alice);
    assertEquals(1, sessions.size(), "the expired ones go first");
    assertThrows(IllegalArgumentException.class, () -> new ConsoleSessions(Duration.ZERO, 1, nanos::get));
  }
}
