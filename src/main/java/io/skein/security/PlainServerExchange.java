package io.skein.security;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * SASL PLAIN (RFC 4616): one message, {@code authzid NUL user NUL password}, checked against the
 * user's salted credential. Sends the password itself: use it over TLS.
 */
public final class PlainServerExchange implements SaslServerExchange {

  public static final String MECHANISM = "PLAIN";

  private final UserCredentials users;
  private Principal principal;
  private boolean done;

  public PlainServerExchange(UserCredentials users) {
    this.users = users;
  }

  @Override
  public String mechanism() {
    return MECHANISM;
  }

  @Override
  public byte[] evaluate(byte[] clientMessage) throws AuthenticationFailedException {
    if (done) {
      throw new AuthenticationFailedException("the PLAIN exchange is already over");
    }
    done = true;
    String message = new String(clientMessage, StandardCharsets.UTF_8);
    int first = message.indexOf('\0');
    int second = first < 0 ? -1 : message.indexOf('\0', first + 1);
    if (second < 0 || message.indexOf('\0', second + 1) >= 0) {
      throw new AuthenticationFailedException("malformed PLAIN message: expected authzid NUL user NUL password");
    }
    String authzid = message.substring(0, first);
    String user = message.substring(first + 1, second);
    String password = message.substring(second + 1);
    if (!authzid.isEmpty() && !authzid.equals(user)) {
      throw new AuthenticationFailedException("authorization id " + authzid + " is not the authenticated user");
    }
    Optional<Principal> checked = users.check(user, password);
    if (checked.isEmpty()) {
      throw new AuthenticationFailedException("Invalid username or password");
    }
    principal = checked.get();
    return new byte[0];
  }

  @Override
  public boolean isComplete() {
    return principal != null;
  }

  @Override
  public Principal principal() {
    if (principal == null) {
      throw new IllegalStateException("not authenticated");
    }
    return principal;
  }
}
