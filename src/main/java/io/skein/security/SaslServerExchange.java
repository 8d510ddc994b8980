package io.skein.security;

import java.time.Instant;
import java.util.Optional;

/** The server side of one SASL authentication: client messages in, server challenges out. */
public interface SaslServerExchange {

  /** The mechanism's name, e.g. {@code SCRAM-SHA-512}. */
  String mechanism();

  /**
   * Takes the client's next message and gives the server's answer (empty when it has none).
   *
   * @throws AuthenticationFailedException wrong credentials, or a message out of turn or malformed;
   *     the exchange is over
   */
  byte[] evaluate(byte[] clientMessage) throws AuthenticationFailedException;

  boolean isComplete();

  /** Who authenticated; only once {@link #isComplete()}. */
  Principal principal();

  /**
   * When the credentials that authenticated expire (a token's exp), which ends the session;
   * empty for credentials without a lifetime (passwords). Only once {@link #isComplete()}.
   */
  default Optional<Instant> credentialExpiry() {
    return Optional.empty();
  }
}
