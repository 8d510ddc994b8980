package io.skein.security;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The server side of a SCRAM exchange (RFC 5802, RFC 7677) without channel binding: client-first
 * in, server-first (nonce, salt, iterations) out; client-final in, its proof checked against the
 * user's StoredKey, server-final (the server's signature) out.
 */
public final class ScramServerExchange implements SaslServerExchange {

  private static final int NONCE_BYTES = 24;
  private static final Base64.Encoder BASE64 = Base64.getEncoder();

  private enum Step { CLIENT_FIRST, CLIENT_FINAL, COMPLETE, FAILED }

  private final ScramMechanism mechanism;
  private final ScramCredentials users;
  private final Supplier<String> serverNonces;
  private Step step = Step.CLIENT_FIRST;
  private String user;
  private ScramCredential credential;
  private String gs2Header;
  private String clientFirstBare;
  private String serverFirst;
  private String clientNonce;
  private String nonce;

  public ScramServerExchange(ScramMechanism mechanism, ScramCredentials users) {
    this(mechanism, users, randomNonces(new SecureRandom()));
  }

  /** {@code serverNonces}: the server's part of each nonce (RFC 5802 printable characters, no ','). */
  ScramServerExchange(ScramMechanism mechanism, ScramCredentials users, Supplier<String> serverNonces) {
    this.mechanism = mechanism;
    this.users = users;
    this.serverNonces = serverNonces;
  }

  @Override
  public String mechanism() {
    return mechanism.mechanismName();
  }

  @Override
  public byte[] evaluate(byte[] clientMessage) throws AuthenticationFailedException {
    String message = new String(clientMessage, StandardCharsets.UTF_8);
    try {
      return switch (step) {
        case CLIENT_FIRST -> clientFirst(message);
        case CLIENT_FINAL -> clientFinal(message);
        case COMPLETE, FAILED -> throw failure("the " + mechanism() + " exchange is already over");
      };
    } catch (AuthenticationFailedException e) {
      step = Step.FAILED;
      throw e;
    }
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
    return Principal.user(user);
  }

  /** Only gs2 headers without channel binding are accepted: "n," or "y,", then an optional authzid. */
  private byte[] clientFirst(String message) throws AuthenticationFailedException {
    String[] parts = message.split(",", -1);
    if (parts.length < 4 || !(parts[0].equals("n") || parts[0].equals("y"))) {
      throw failure(parts.length > 0 && parts[0].startsWith("p=")
          ? "channel binding is not supported" : "malformed client-first message");
    }
    String authzid = parts[1].isEmpty() ? "" : attribute(parts[1], 'a');
    gs2Header = parts[0] + "," + parts[1] + ",";
    clientFirstBare = message.substring(gs2Header.length());
    user = unescapeName(attribute(parts[2], 'n'));
    clientNonce = attribute(parts[3], 'r');
    if (clientNonce.isEmpty()) {
      throw failure("malformed client-first message: empty nonce");
    }
    if (!authzid.isEmpty() && !unescapeName(authzid).equals(user)) {
      throw failure("authorization id " + authzid + " is not the authenticated user");
    }
    Optional<ScramCredential> known = users.scram(user, mechanism);
    if (known.isEmpty()) {
      throw invalidCredentials();
    }
    credential = known.get();
    nonce = clientNonce + serverNonces.get();
    serverFirst = "r=" + nonce + ",s=" + BASE64.encodeToString(credential.salt()) + ",i=" + credential.iterations();
    step = Step.CLIENT_FINAL;
    return serverFirst.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] clientFinal(String message) throws AuthenticationFailedException {
    int proofAt = message.lastIndexOf(",p=");
    if (proofAt < 0) {
      throw failure("malformed client-final message: no proof");
    }
    String withoutProof = message.substring(0, proofAt);
    String[] parts = withoutProof.split(",", -1);
    if (parts.length < 2) {
      throw failure("malformed client-final message");
    }
    String channelBinding = attribute(parts[0], 'c');
    if (!channelBinding.equals(BASE64.encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8)))) {
      throw failure("the client-final message's channel binding does not match its gs2 header");
    }
    // librdkafka (up to 2.x at least) puts its own nonce before the whole nonce it was sent, and
    // Kafka accepts that; the proof still covers the message as sent.
    String finalNonce = attribute(parts[1], 'r');
    if (!finalNonce.equals(nonce) && !finalNonce.equals(clientNonce + nonce)) {
      throw failure("the client-final message's nonce is not the exchange's");
    }
    byte[] proof;
    try {
      proof = Base64.getDecoder().decode(message.substring(proofAt + 3));
    } catch (IllegalArgumentException e) {
      throw failure("malformed client proof");
    }
    byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
    byte[] clientSignature = mechanism.hmac(credential.storedKey(), authMessage);
    if (proof.length != clientSignature.length) {
      throw invalidCredentials();
    }
    byte[] clientKey = new byte[proof.length];
    for (int i = 0; i < proof.length; i++) {
      clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
    }
    if (!credential.isClientKey(clientKey)) {
      throw invalidCredentials();
    }
    step = Step.COMPLETE;
    byte[] serverSignature = mechanism.hmac(credential.serverKey(), authMessage);
    return ("v=" + BASE64.encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
  }

  /** The value of {@code name=value}. */
  private static String attribute(String part, char name) throws AuthenticationFailedException {
    if (part.length() < 2 || part.charAt(0) != name || part.charAt(1) != '=') {
      throw failure("malformed SCRAM message: expected " + name + "=, found \"" + part + "\"");
    }
    return part.substring(2);
  }

  /** RFC 5802's saslname: ',' is sent as =2C and '=' as =3D; any other '=' is an error. */
  private static String unescapeName(String name) throws AuthenticationFailedException {
    StringBuilder out = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c != '=') {
        out.append(c);
      } else if (name.startsWith("=2C", i)) {
        out.append(',');
        i += 2;
      } else if (name.startsWith("=3D", i)) {
        out.append('=');
        i += 2;
      } else {
        throw failure("malformed user name in the client-first message");
      }
    }
    return out.toString();
  }

  private AuthenticationFailedException invalidCredentials() {
    return new AuthenticationFailedException(
        "Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechanism());
  }

  private static AuthenticationFailedException failure(String why) {
    return new AuthenticationFailedException("SCRAM authentication failed: " + why);
  }

  private static Supplier<String> randomNonces(SecureRandom random) {
    return () -> {
      byte[] bytes = new byte[NONCE_BYTES];
      random.nextBytes(bytes);
      return Base64.getEncoder().withoutPadding().encodeToString(bytes);
    };
  }
}
