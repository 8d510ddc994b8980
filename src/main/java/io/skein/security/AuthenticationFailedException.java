package io.skein.security;

/** A client's credentials or its SASL exchange were refused; the message is safe to send to it. */
public final class AuthenticationFailedException extends Exception {

  public AuthenticationFailedException(String message) {
    super(message);
  }
}
