package io.skein.server.kafka;

import io.skein.security.AuthenticationFailedException;
import io.skein.security.Principal;
import io.skein.security.SaslAuthenticator;
import io.skein.security.SaslServerExchange;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * One connection's SASL authentication: SaslHandshake picks the mechanism, SaslAuthenticate
 * carries its messages until the exchange completes. The connection, not a request handler,
 * owns this, as Kafka's authenticator sits in the channel: until it completes only ApiVersions
 * and these two APIs are served. Any refusal is answered with Kafka's error and then closes the
 * connection.
 *
 * <p>After a SaslHandshake v0 (before KIP-152) the client's SASL messages come as raw frames,
 * without a request header, and the answers go back the same way.
 *
 * <p>KIP-368, with {@code connections.max.reauth.ms} over 0 or credentials that expire (an
 * OAUTHBEARER token): a session lasts until the credentials expire, at most that long, as
 * SaslAuthenticate v1+ tells the client (session_lifetime_ms), as Kafka does; within it the client may
 * re-authenticate on the same connection with a new SaslHandshake (v1+) and SaslAuthenticate, as
 * the same principal with the same mechanism (another is refused at SaslAuthenticate, as Kafka
 * does), at most once a second, while nothing else is
 * served. A request (other than that SaslHandshake) after the session expired closes the
 * connection, as Kafka's broker does. Passwords have no lifetime of their own, so their
 * session's is the setting's.
 */
final class SaslAuthentication {

  static final short HANDSHAKE_MIN_VERSION = 0;
  /** Largest request before authentication, as Kafka's {@code sasl.server.max.receive.size}. */
  static final int MAX_UNAUTHENTICATED_REQUEST_BYTES = 512 * 1024;
  static final short HANDSHAKE_MAX_VERSION = 1;
  static final short AUTHENTICATE_MAX_VERSION = 2;

  /** Advertised in ApiVersions on a SASL listener. */
  static final List<ApiVersion> API_VERSIONS = List.of(
      new ApiVersion().setApiKey(ApiKeys.SASL_HANDSHAKE.id)
          .setMinVersion(HANDSHAKE_MIN_VERSION).setMaxVersion(HANDSHAKE_MAX_VERSION),
      new ApiVersion().setApiKey(ApiKeys.SASL_AUTHENTICATE.id)
          .setMinVersion(ApiKeys.SASL_AUTHENTICATE.oldestVersion()).setMaxVersion(AUTHENTICATE_MAX_VERSION));

  private static final int MAX_LOGGED_MECHANISM_CHARS = 64;
  /** Kafka's shortest time between two re-authentications of one connection. */
  private static final long MIN_REAUTH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final SaslAuthenticator authenticator;
  /** {@code connections.max.reauth.ms}; 0: password sessions do not expire nor re-authenticate (token sessions end with their token). */
  private final long maxReauthMs;
  private SaslServerExchange exchange;
  private Principal principal;
  private String failure;
  /** Set by a SaslHandshake v0: the exchange's messages come as raw frames. */
  private boolean rawTokens;
  /** A re-authentication is under way: {@link #principal} stays who authenticated before. */
  private boolean reauthenticating;
  private long lastReauthStartNanos;
  /** Set by a re-authentication's SaslHandshake naming another mechanism: why its SaslAuthenticate is refused. */
  private String badMechanism;
  /** Whether the session ends: {@link #maxReauthMs} over 0 or credentials that expire. */
  private boolean sessionEnds;
  /** When the session ends, on {@link System#nanoTime()}'s clock; only if {@link #sessionEnds}. */
  private long sessionEndNanos;
  /** What SaslAuthenticate v1+ tells the client; 0: the session does not end. */
  private long sessionLifetimeMs;

  SaslAuthentication(SaslAuthenticator authenticator, Duration maxReauth) {
    this.authenticator = authenticator;
    this.maxReauthMs = maxReauth.toMillis();
  }

  static boolean serves(ApiKeys key, short version) {
    return key == ApiKeys.SASL_HANDSHAKE
        ? version >= HANDSHAKE_MIN_VERSION && version <= HANDSHAKE_MAX_VERSION
        : version >= ApiKeys.SASL_AUTHENTICATE.oldestVersion() && version <= AUTHENTICATE_MAX_VERSION;
  }

  SaslHandshakeResponseData handshake(SaslHandshakeRequestData request, short version) {
    SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(authenticator.mechanisms());
    boolean reauthentication = authenticated();
    if (reauthentication ? !mayReauthenticate(version) : exchange != null) {
      failure = "SaslHandshake after the mechanism was chosen" + (reauthentication && sessionEnds
          ? " (a re-authentication needs SaslHandshake v1+, at most once a second)" : "");
      return response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code());
    }
    Optional<SaslServerExchange> started = authenticator.start(request.mechanism());
    if (started.isEmpty()) {
      failure = "SASL mechanism " + shortened(request.mechanism()) + " is not enabled (enabled: "
          + String.join(", ", authenticator.mechanisms()) + ")";
      return response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code());
    }
    if (reauthentication) {
      reauthenticating = true;
      lastReauthStartNanos = System.nanoTime();
      if (!started.get().mechanism().equals(exchange.mechanism())) {
        // As Kafka: the handshake is accepted, and the SaslAuthenticate after it refused.
        badMechanism = "SASL mechanism " + request.mechanism() + " is not allowed to re-authenticate a "
            + exchange.mechanism() + " session";
        return response.setErrorCode(Errors.NONE.code());
      }
    }
    exchange = started.get();
    rawTokens = version == 0;
    return response.setErrorCode(Errors.NONE.code());
  }

  /** A client's mechanism name for the log: any length may come. */
  private static String shortened(String mechanism) {
    return mechanism.length() <= MAX_LOGGED_MECHANISM_CHARS ? mechanism
        : mechanism.substring(0, MAX_LOGGED_MECHANISM_CHARS) + "... (" + mechanism.length() + " characters)";
  }

  /** Re-authentication is offered, the client can learn its next session's lifetime, and the last was over 1 s ago. */
  private boolean mayReauthenticate(short handshakeVersion) {
    return sessionEnds && handshakeVersion >= 1
        && (lastReauthStartNanos == 0 || System.nanoTime() - lastReauthStartNanos >= MIN_REAUTH_INTERVAL_NANOS);
  }

  SaslAuthenticateResponseData authenticate(SaslAuthenticateRequestData request, short version) {
    SaslAuthenticateResponseData response = new SaslAuthenticateResponseData();
    if (exchange == null || authenticated()) {
      failure = exchange == null ? "SaslAuthenticate before SaslHandshake" : "SaslAuthenticate after authentication";
      return response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code()).setErrorMessage(failure);
    }
    if (badMechanism != null) {
      failure = badMechanism;
      return response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(failure);
    }
    try {
      byte[] answer = exchange.evaluate(request.authBytes());
      if (exchange.isComplete()) {
        complete();
        if (failure != null) {
          return response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(failure);
        }
        if (version >= 1) {
          response.setSessionLifetimeMs(sessionLifetimeMs);
        }
      }
      return response.setErrorCode(Errors.NONE.code()).setAuthBytes(answer);
    } catch (AuthenticationFailedException e) {
      failure = exchange.mechanism() + " authentication failed: " + e.getMessage();
      return response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(e.getMessage());
    }
  }

  /** The exchange completed: a session starts, unless a re-authentication names someone else. */
  private void complete() {
    Principal authenticated = exchange.principal();
    if (reauthenticating && !authenticated.equals(principal)) {
      failure = "Cannot change principals during re-authentication from " + principal + " to " + authenticated;
      return;
    }
    principal = authenticated;
    reauthenticating = false;
    long now = System.nanoTime();
    Optional<Long> credentialLifetimeMs = exchange.credentialExpiry()
        .map(expiry -> Math.max(0, expiry.toEpochMilli() - System.currentTimeMillis()));
    sessionEnds = maxReauthMs > 0 || credentialLifetimeMs.isPresent();
    sessionLifetimeMs = credentialLifetimeMs.map(ms -> maxReauthMs > 0 ? Math.min(ms, maxReauthMs) : ms)
        .orElse(maxReauthMs);
    sessionEndNanos = now + TimeUnit.MILLISECONDS.toNanos(sessionLifetimeMs);
  }

  /** Whether the next frame is a raw SASL message rather than a request. */
  boolean awaitsRawToken() {
    return rawTokens && principal == null && failure == null;
  }

  /** A raw SASL message (after SaslHandshake v0): the raw answer, or null if refused ({@link #failure()}). */
  byte[] authenticateRaw(byte[] token) {
    try {
      byte[] answer = exchange.evaluate(token);
      if (exchange.isComplete()) {
        complete();
      }
      return answer;
    } catch (AuthenticationFailedException e) {
      failure = exchange.mechanism() + " authentication failed: " + e.getMessage();
      return null;
    }
  }

  /** Authenticated and not re-authenticating: requests are served. */
  boolean authenticated() {
    return principal != null && !reauthenticating;
  }

  boolean reauthenticating() {
    return reauthenticating;
  }

  /** The session ended without re-authentication: the connection is to close. */
  boolean sessionExpired() {
    return sessionEnds && authenticated() && System.nanoTime() - sessionEndNanos > 0;
  }

  /** Who authenticated; only once {@link #authenticated()}. */
  Principal principal() {
    return principal;
  }

  /** Why the connection is to close after its last answer; null while authentication goes on or succeeded. */
  String failure() {
    return failure;
  }
}
