package io.skein.security;

import java.util.Locale;

/** Whether a TLS listener asks clients for a certificate (mTLS). */
public enum ClientAuth {
  /** No client certificate is asked for. */
  NONE,
  /** Asked for; a client without one connects anonymously (or authenticates otherwise). */
  REQUESTED,
  /** A client without a certificate signed by the trusted CA cannot connect. */
  REQUIRED;

  /** {@code none}, {@code requested} or {@code required}, as in the configuration. */
  public static ClientAuth parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("client-auth must be none, requested or required, not \"" + value + "\"");
    }
  }
}
