package io.skein.server.kafka;

import io.skein.security.AuthenticationFailedException;
import io.skein.security.Principal;
import io.skein.security.SaslAuthenticator;
import io.skein.security.SaslServerExchange;
import java.util.List;
import java.util.Optional;
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
 * without a request header, and the answers go back the same way. Sessions do not expire (session_lifetime_ms 0): KIP-368 re-authentication is not offered.
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

  private final SaslAuthenticator authenticator;
  private SaslServerExchange exchange;
  private Principal principal;
  private String failure;
  /** Set by a SaslHandshake v0: the exchange's messages come as raw frames. */
  private boolean rawTokens;

  SaslAuthentication(SaslAuthenticator authenticator) {
    this.authenticator = authenticator;
  }

  static boolean serves(ApiKeys key, short version) {
    return key == ApiKeys.SASL_HANDSHAKE
        ? version >= HANDSHAKE_MIN_VERSION && version <= HANDSHAKE_MAX_VERSION
        : version >= ApiKeys.SASL_AUTHENTICATE.oldestVersion() && version <= AUTHENTICATE_MAX_VERSION;
  }

  SaslHandshakeResponseData handshake(SaslHandshakeRequestData request, short version) {
    SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(authenticator.mechanisms());
    if (exchange != null || principal != null) {
      failure = "SaslHandshake after the mechanism was chosen";
      return response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code());
    }
    Optional<SaslServerExchange> started = authenticator.start(request.mechanism());
    if (started.isEmpty()) {
      failure = "SASL mechanism " + request.mechanism() + " is not enabled (enabled: "
          + String.join(", ", authenticator.mechanisms()) + ")";
      return response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code());
    }
    exchange = started.get();
    rawTokens = version == 0;
    return response.setErrorCode(Errors.NONE.code());
  }

  SaslAuthenticateResponseData authenticate(SaslAuthenticateRequestData request) {
    SaslAuthenticateResponseData response = new SaslAuthenticateResponseData().setSessionLifetimeMs(0);
    if (exchange == null || principal != null) {
      failure = exchange == null ? "SaslAuthenticate before SaslHandshake" : "SaslAuthenticate after authentication";
      return response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code()).setErrorMessage(failure);
    }
    try {
      byte[] answer = exchange.evaluate(request.authBytes());
      if (exchange.isComplete()) {
        principal = exchange.principal();
      }
      return response.setErrorCode(Errors.NONE.code()).setAuthBytes(answer);
    } catch (AuthenticationFailedException e) {
      failure = exchange.mechanism() + " authentication failed: " + e.getMessage();
      return response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(e.getMessage());
    }
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
        principal = exchange.principal();
      }
      return answer;
    } catch (AuthenticationFailedException e) {
      failure = exchange.mechanism() + " authentication failed: " + e.getMessage();
      return null;
    }
  }

  boolean authenticated() {
    return principal != null;
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
