package io.skein.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * This node's read-only copy of the users who may authenticate, each with a salted SCRAM
 * credential per mechanism; passwords themselves are not kept. The cluster's {@link UserStore}
 * replaces the copy whenever the users change, so every login checks the current credentials
 * without asking across the cluster.
 *
 * <p>Checking a password (SASL PLAIN, gRPC Basic credentials) recomputes the salted proof, a
 * deliberately slow PBKDF2. A password that checked out is remembered as an HMAC under a key
 * made at random in this process, together with the credential it matched, so that a client
 * sending the same credentials with every call pays that cost once, and a changed or deleted
 * credential is checked afresh.
 */
public final class UserCredentials implements ScramCredentials {

  /** PLAIN and Basic passwords are checked against this mechanism's credential, else the other's. */
  private static final List<ScramMechanism> PASSWORD_CHECK =
      List.of(ScramMechanism.SCRAM_SHA_512, ScramMechanism.SCRAM_SHA_256);
  private static final String VERIFIED_MAC = "HmacSHA256";

  /** A password that checked out against {@code credential}. */
  private record Verified(byte[] mark, ScramCredential credential) {}

  private final byte[] verifiedKey = new byte[32];
  private final Map<String, Verified> verified = new ConcurrentHashMap<>();
  private final VersionedCopy<Map<String, Map<ScramMechanism, ScramCredential>>> current =
      new VersionedCopy<>(Map.of());

  /** An empty copy, filled by {@link #replace}. */
  public UserCredentials() {
    new SecureRandom().nextBytes(verifiedKey);
  }

  /** A copy holding these users already (names and passwords, each salted afresh for every mechanism). */
  public static UserCredentials of(Map<String, String> passwords, int iterations) {
    UserCredentials users = new UserCredentials();
    users.replace(0, salt(passwords, iterations));
    return users;
  }

  /** Salted credentials, one per mechanism, for each of these users' passwords. */
  public static Map<String, Map<ScramMechanism, ScramCredential>> salt(Map<String, String> passwords,
      int iterations) {
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
    return users;
  }

  /** Takes the users as they are at {@code version} of the store; an older version than the copy's is ignored. */
  public void replace(long version, Map<String, Map<ScramMechanism, ScramCredential>> users) {
    Map<String, Map<ScramMechanism, ScramCredential>> copy = new HashMap<>();
    users.forEach((user, credentials) -> copy.put(user, Map.copyOf(credentials)));
    current.replace(version, Map.copyOf(copy));
  }

  /** Completes once this copy holds {@code version} of the store or a newer one. */
  public CompletionStage<Void> whenAt(long version) {
    return current.whenAt(version);
  }

  /** Every user's credentials, by name. */
  public Map<String, Map<ScramMechanism, ScramCredential>> users() {
    return current.value();
  }

  @Override
  public Optional<ScramCredential> scram(String user, ScramMechanism mechanism) {
    Map<ScramMechanism, ScramCredential> credentials = current.value().get(user);
    return credentials == null ? Optional.empty() : Optional.ofNullable(credentials.get(mechanism));
  }

  /** The user's principal if {@code password} is theirs. */
  public Optional<Principal> check(String user, String password) {
    Optional<ScramCredential> credential = passwordCheck(user);
    // PBKDF2's HMAC pads its key with zero bytes, so a password with NULs appended would salt to the
    // same credential; SASLprep does not allow NUL in a password anyway.
    if (credential.isEmpty() || password.indexOf('\0') >= 0) {
      return Optional.empty();
    }
    byte[] mark = mark(user, password);
    Verified known = verified.get(user);
    if (known != null && known.credential() == credential.get() && MessageDigest.isEqual(known.mark(), mark)) {
      return Optional.of(Principal.user(user));
    }
    if (!credential.get().matches(password)) {
      return Optional.empty();
    }
    verified.put(user, new Verified(mark, credential.get()));
    return Optional.of(Principal.user(user));
  }

  public int size() {
    return current.value().size();
  }

  private Optional<ScramCredential> passwordCheck(String user) {
    for (ScramMechanism mechanism : PASSWORD_CHECK) {
      Optional<ScramCredential> credential = scram(user, mechanism);
      if (credential.isPresent()) {
        return credential;
      }
    }
    return Optional.empty();
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
