package io.skein.security;

import java.security.cert.X509Certificate;

/**
 * Who a client is, the same on both APIs: {@code User:alice} after SASL or gRPC credentials, or
 * for a TLS client certificate {@code User:} followed by its subject DN in RFC 2253 form (what
 * Kafka's default principal builder gives, e.g. {@code User:CN=app,O=Example}).
 */
public record Principal(String type, String name) {

  public static final String USER_TYPE = "User";
  /** A client that did not authenticate (plaintext listeners, TLS without a client certificate). */
  public static final Principal ANONYMOUS = new Principal(USER_TYPE, "ANONYMOUS");

  public static Principal user(String name) {
    return new Principal(USER_TYPE, name);
  }

  public static Principal of(X509Certificate clientCertificate) {
    return user(clientCertificate.getSubjectX500Principal().getName());
  }

  @Override
  public String toString() {
    return type + ":" + name;
  }
}
