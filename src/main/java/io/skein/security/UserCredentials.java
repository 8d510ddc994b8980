package io.skein.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The users who may authenticate, each with a salted SCRAM credential per mechanism made from the
 * password once at start-up; passwords themselves are not kept.
 *
 * <p>Checking a password (SASL PLAIN, gRPC Basic credentials) recomputes the salted proof, a
 * deliberately slow PBKDF2. A password that checked out is remembered as an HMAC under a key
 * made at random in this process, so that a client sending the same credentials with every call
 * pays that cost once.
 */
public final class UserCredentials implements ScramCredentials {

  /** PLAIN and Basic passwords are checked against this mechanism's credential. */
  private static final ScramMechanism PASSWORD_CHECK = ScramMechanism.SCRAM_SHA_512;
  private static final String VERIFIED_MAC = "HmacSHA256";

  private final Map<String, Map<ScramMechanism, ScramCredential>> users;
  private final byte[] verifiedKey = new byte[32];
  private final Map<String, byte[]> verified = new ConcurrentHashMap<>();

  private UserCredentials(Map<String, Map<ScramMechanism, ScramCredential>> users, SecureRandom random) {
    this.users = users;
    random.nextBytes(verifiedKey);
  }

  /** Users from names and passwords, each password salted afresh for every mechanism. */
  public static UserCredentials of(Map<String, String> passwords, int iterations) {
    SecureRandom random = new SecureRandom();
    Map<String, Map<ScramMechanism, ScramCredential>> users = new HashMap<>();
    passwords.forEach((user, password) -> {
      if (user.isEmpty() || password.isEmpty()) {
        throw new IllegalArgumentException("a SASL user needs a name and a password");
      }
      Map<ScramMechanism, ScramCredential> credentials = new EnumMap<>(ScramMechanism.class);
      for (ScramMechanism mechanism : ScramMechanism.values()) {
        credentials.put(mechanism, ScramCredential.create(mechanism, password, iterations, random));
      }
      users.put(user, credentials);
    });
    return new UserCredentials(Map.copyOf(users), random);
  }

  @Override
  public Optional<ScramCredential> scram(String user, ScramMechanism mechanism) {
    Map<ScramMechanism, ScramCredential> credentials = users.get(user);
    return credentials == null ? Optional.empty() : Optional.ofNullable(credentials.get(mechanism));
  }

  /** The user's principal if {@code password} is theirs. */
  public Optional<Principal> check(String user, String password) {
    Optional<ScramCredential> credential = scram(user, PASSWORD_CHECK);
    if (credential.isEmpty()) {
      return Optional.empty();
    }
    byte[] mark = mark(user, password);
    byte[] known = verified.get(user);
    if (known != null && MessageDigest.isEqual(known, mark)) {
      return Optional.of(Principal.user(user));
    }
    if (!credential.get().matches(password)) {
      return Optional.empty();
    }
    verified.put(user, mark);
    return Optional.of(Principal.user(user));
  }

  public int size() {
    return users.size();
  }

  private byte[] mark(String user, String password) {
    try {
      Mac mac = Mac.getInstance(VERIFIED_MAC);
      mac.init(new SecretKeySpec(verifiedKey, VERIFIED_MAC));
      mac.update(user.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(VERIFIED_MAC + " is missing from this JDK", e);
    }
  }
}
