package io.skein.server.grpc;

import io.skein.security.JwtValidator;
import io.skein.security.ServerTls;
import io.skein.security.UserCredentials;
import java.util.Optional;

/**
 * How the gRPC endpoint secures its calls.
 *
 * @param tls TLS with this key material (client certificates as its client-auth says); empty:
 *     plaintext HTTP/2
 * @param users present when calls may authenticate with Basic credentials, checked against these users
 * @param bearerTokens present when calls may authenticate with bearer tokens, checked by this validator
 *     (either present: every Skein call must authenticate, with those or a verified client certificate)
 */
public record GrpcSecurity(Optional<ServerTls> tls, Optional<UserCredentials> users,
    Optional<JwtValidator> bearerTokens) {

  /** Plaintext, no authentication: the single-node quickstart. */
  public static final GrpcSecurity PLAINTEXT = new GrpcSecurity(Optional.empty(), Optional.empty());

  /** Without bearer tokens. */
  public GrpcSecurity(Optional<ServerTls> tls, Optional<UserCredentials> users) {
    this(tls, users, Optional.empty());
  }

  /** Whether every Skein call authenticates. */
  public boolean authenticatesCalls() {
    return users.isPresent() || bearerTokens.isPresent();
  }

  /** For the start-up log. */
  public String describe() {
    String transport = tls.map(t -> "TLS (client certificates " + t.clientAuth().name().toLowerCase() + ")")
        .orElse("plaintext");
    String credentials = bearerTokens.isEmpty() ? "" : users.isPresent() ? " (Basic or Bearer)" : " (Bearer)";
    return transport + (authenticatesCalls() ? ", calls authenticated" + credentials : ", without authentication");
  }
}
