package io.skein.security;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * SASL OAUTHBEARER (RFC 7628), as Kafka's broker speaks it (KIP-255): the client's first message
 * is {@code n,[a=authzid],^Aauth=Bearer <token>^A[key=value^A]...^A}, the token a JWT checked by
 * {@link JwtValidator}. A good token completes the exchange; a refused one is answered with the
 * error challenge {@code {"status":"invalid_token"}}, to which the client answers {@code ^A}, and
 * the exchange then fails with the reason. Extensions (SASL extensions of KIP-342) are accepted
 * and ignored: none is supported.
 */
public final class OAuthBearerServerExchange implements SaslServerExchange {

  public static final String MECHANISM = "OAUTHBEARER";

  private static final char SEPARATOR = '\u0001';
  private static final byte[] INVALID_TOKEN_CHALLENGE = "{\"status\":\"invalid_token\"}".getBytes(StandardCharsets.UTF_8);
  private static final Pattern KEY = Pattern.compile("[A-Za-z]+");
  private static final Pattern VALUE = Pattern.compile("[\\x21-\\x7E \\t\\r\\n]+");
  /** RFC 6750's b64token. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");
  private static final String BEARER = "bearer ";

  private enum Step { CLIENT_FIRST, ERROR_ACKNOWLEDGEMENT, COMPLETE, FAILED }

  private final JwtValidator tokens;
  private Step step = Step.CLIENT_FIRST;
  private String refusal;
  private JwtValidator.ValidToken token;

  public OAuthBearerServerExchange(JwtValidator tokens) {
    this.tokens = tokens;
  }

  @Override
  public String mechanism() {
    return MECHANISM;
  }

  @Override
  public byte[] evaluate(byte[] clientMessage) throws AuthenticationFailedException {
    try {
      return switch (step) {
        case CLIENT_FIRST -> clientFirst(new String(clientMessage, StandardCharsets.UTF_8));
        case ERROR_ACKNOWLEDGEMENT -> throw new AuthenticationFailedException(clientMessage.length == 1
            && clientMessage[0] == SEPARATOR ? refusal : refusal + " (and the client did not acknowledge the error)");
        case COMPLETE, FAILED -> throw new AuthenticationFailedException("the OAUTHBEARER exchange is already over");
      };
    } catch (AuthenticationFailedException e) {
      step = Step.FAILED;
      throw e;
    }
  }

  private byte[] clientFirst(String message) throws AuthenticationFailedException {
    int gs2End = message.indexOf(',', 2);
    if (!(message.startsWith("n,") || message.startsWith("y,")) || gs2End < 0) {
      throw malformed(message.startsWith("p=") ? "channel binding is not supported" : "no gs2 header (n,,)");
    }
    String authzid = message.substring(2, gs2End);
    if (!authzid.isEmpty() && !authzid.startsWith("a=")) {
      throw malformed("the gs2 header's authorization id is not a=...");
    }
    String pairs = message.substring(gs2End + 1);
    if (pairs.length() < 2 || pairs.charAt(0) != SEPARATOR || !pairs.endsWith("" + SEPARATOR + SEPARATOR)) {
      throw malformed("the key=value pairs are not each ended by ^A, with ^A before and after them");
    }
    // Each pair ends with ^A, after the ^A that starts them all; the last ^A closes the message.
    String keyValues = pairs.substring(1, pairs.length() - 1);
    Optional<String> bearer = Optional.empty();
    for (String pair : keyValues.isEmpty() ? new String[0]
        : keyValues.substring(0, keyValues.length() - 1).split(String.valueOf(SEPARATOR), -1)) {
      int equals = pair.indexOf('=');
      if (equals < 0 || !KEY.matcher(pair.substring(0, equals)).matches()
          || !VALUE.matcher(pair.substring(equals + 1)).matches()) {
        throw malformed("a key=value pair is malformed");
      }
      if (pair.startsWith("auth=")) {
        if (bearer.isPresent()) {
          throw malformed("auth is given twice");
        }
        bearer = Optional.of(pair.substring("auth=".length()));
      }
    }
    String auth = bearer.orElseThrow(() -> malformed("no auth=Bearer <token>"));
    if (!auth.regionMatches(true, 0, BEARER, 0, BEARER.length())
        || !TOKEN.matcher(auth.substring(BEARER.length()).strip()).matches()) {
      throw malformed("auth is not \"Bearer <token>\"");
    }
    try {
      token = tokens.validate(auth.substring(BEARER.length()).strip());
    } catch (AuthenticationFailedException e) {
      refusal = e.getMessage();
      step = Step.ERROR_ACKNOWLEDGEMENT;
      return INVALID_TOKEN_CHALLENGE.clone();
    }
    if (!authzid.isEmpty() && !unescapeName(authzid.substring(2)).equals(token.principal().name())) {
      throw new AuthenticationFailedException("the authorization id " + authzid.substring(2)
          + " is not the token's principal " + token.principal().name());
    }
    step = Step.COMPLETE;
    return new byte[0];
  }

  /** RFC 5801's saslname: ',' is sent as =2C and '=' as =3D. */
  private static String unescapeName(String name) throws AuthenticationFailedException {
    String unescaped = name.replace("=2C", ",").replace("=3D", "=");
    if (name.replace("=2C", "").replace("=3D", "").indexOf('=') >= 0) {
      throw malformed("the authorization id has a bare '='");
    }
    return unescaped;
  }

  @Override
  public boolean isComplete() {
    return step == Step.COMPLETE;
  }

  @Override
  public Principal principal() {
    if (step != Step.COMPLETE) {
      throw new IllegalStateException("not authenticated");
    }
    return token.principal();
  }

  /** The token's expiry: the session may not outlast it (KIP-368). */
  @Override
  public Optional<Instant> credentialExpiry() {
    return step == Step.COMPLETE ? Optional.of(token.expiry()) : Optional.empty();
  }

  private static AuthenticationFailedException malformed(String why) {
    return new AuthenticationFailedException("invalid OAUTHBEARER client first message: " + why);
  }
}
