package io.skein.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * What the broker keeps of a SCRAM user's password (RFC 5802 section 3): the salt, the iteration
 * count, StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey = HMAC(SaltedPassword,
 * "Server Key"). Neither gives the password back, nor lets anyone pose as the client.
 */
public record ScramCredential(ScramMechanism mechanism, byte[] salt, int iterations, byte[] storedKey,
    byte[] serverKey) {

  private static final int SALT_BYTES = 32;
  private static final byte[] CLIENT_KEY = "Client Key".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SERVER_KEY = "Server Key".getBytes(StandardCharsets.US_ASCII);

  /** A credential with a fresh random salt. */
  public static ScramCredential create(ScramMechanism mechanism, String password, int iterations,
      SecureRandom random) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return derive(mechanism, password, salt, iterations);
  }

  static ScramCredential derive(ScramMechanism mechanism, String password, byte[] salt, int iterations) {
    if (iterations < ScramMechanism.MIN_ITERATIONS) {
      throw new IllegalArgumentException("SCRAM needs at least " + ScramMechanism.MIN_ITERATIONS + " iterations, not "
          + iterations);
    }
    return fromSaltedPassword(mechanism, salt, iterations, mechanism.saltedPassword(password, salt, iterations));
  }

  /**
   * The credential of a password already salted (Kafka's AlterUserScramCredentials sends it so):
   * only StoredKey and ServerKey are kept, not the salted password, which would let its holder
   * pose as the client.
   */
  public static ScramCredential fromSaltedPassword(ScramMechanism mechanism, byte[] salt, int iterations,
      byte[] saltedPassword) {
    byte[] storedKey = mechanism.hash(mechanism.hmac(saltedPassword, CLIENT_KEY));
    byte[] serverKey = mechanism.hmac(saltedPassword, SERVER_KEY);
    return new ScramCredential(mechanism, salt.clone(), iterations, storedKey, serverKey);
  }

  /** Whether {@code password} is the one this credential was made from, compared in constant time. */
  public boolean matches(String password) {
    byte[] salted = mechanism.saltedPassword(password, salt, iterations);
    return MessageDigest.isEqual(storedKey, mechanism.hash(mechanism.hmac(salted, CLIENT_KEY)));
  }

  /** Whether {@code clientKey}, recovered from a client's proof, is this credential's, in constant time. */
  boolean isClientKey(byte[] clientKey) {
    return MessageDigest.isEqual(storedKey, mechanism.hash(clientKey));
  }
}
