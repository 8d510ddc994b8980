package io.skein.server.grpc;

import io.skein.security.ServerTls;
import io.skein.security.UserCredentials;
import java.util.Optional;

/**
 * How the gRPC endpoint secures its calls.
 *
 * @param tls TLS with this key material (client certificates as its client-auth says); empty:
 *     plaintext HTTP/2
 * @param users present when every Skein call must authenticate: Basic credentials checked against
 *     these users, or a verified client certificate
 */
public record GrpcSecurity(Optional<ServerTls> tls, Optional<UserCredentials> users) {

  /** Plaintext, no authentication: the single-node quickstart. */
  public static final GrpcSecurity PLAINTEXT = new GrpcSecurity(Optional.empty(), Optional.empty());

  /** For the start-up log. */
  public String describe() {
    String transport = tls.map(t -> "TLS (client certificates " + t.clientAuth().name().toLowerCase() + ")")
        .orElse("plaintext");
    return transport + (users.isPresent() ? ", calls authenticated" : ", without authentication");
  }
}
