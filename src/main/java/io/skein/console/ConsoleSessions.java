package io.skein.console;

import io.skein.security.Principal;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The console's logged-in sessions: a random token (the cookie's value) to its user, ended by
 * logout or {@code idleTimeout} without a request. At most {@code maxSessions}: a login into a
 * full table first drops the expired sessions, then the one idle longest.
 */
final class ConsoleSessions {

  private static final int TOKEN_BYTES = 32;

  private record Session(Principal principal, long lastUsedNanos) {}

  private final Duration idleTimeout;
  private final int maxSessions;
  private final LongSupplier nanoClock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new HashMap<>();

  ConsoleSessions(Duration idleTimeout, int maxSessions, LongSupplier nanoClock) {
    if (idleTimeout.isNegative() || idleTimeout.isZero() || maxSessions < 1) {
      throw new IllegalArgumentException("sessions need a positive idle timeout and maximum, not " + idleTimeout
          + " and " + maxSessions);
    }
    this.idleTimeout = idleTimeout;
    this.maxSessions = maxSessions;
    this.nanoClock = nanoClock;
  }

  /** A new session of {@code principal}: its token. */
  synchronized String start(Principal principal) {
    long now = nanoClock.getAsLong();
    if (sessions.size() >= maxSessions) {
      sessions.values().removeIf(session -> expired(session, now));
    }
    if (sessions.size() >= maxSessions) {
      sessions.entrySet().stream()
          .min((a, b) -> Long.compare(a.getValue().lastUsedNanos(), b.getValue().lastUsedNanos()))
          .map(Map.Entry::getKey)
          .ifPresent(sessions::remove);
    }
    byte[] bytes = new byte[TOKEN_BYTES];
    random.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    sessions.put(token, new Session(principal, now));
    return token;
  }

  /** The user of the session {@code token}, if it is live; using it restarts its idle time. */
  synchronized Optional<Principal> principal(String token) {
    Session session = sessions.get(token);
    long now = nanoClock.getAsLong();
    if (session == null) {
      return Optional.empty();
    }
    if (expired(session, now)) {
      sessions.remove(token);
      return Optional.empty();
    }
    sessions.put(token, new Session(session.principal(), now));
    return Optional.of(session.principal());
  }

  synchronized void end(String token) {
    sessions.remove(token);
  }

  synchronized int size() {
    return sessions.size();
  }

  private boolean expired(Session session, long now) {
    return now - session.lastUsedNanos() >= idleTimeout.toNanos();
  }
}
