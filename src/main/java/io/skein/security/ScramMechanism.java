package io.skein.security;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/** The SCRAM mechanisms (RFC 5802, RFC 7677) and the hash functions each is built on. */
public enum ScramMechanism {
  SCRAM_SHA_256("SCRAM-SHA-256", "SHA-256", "HmacSHA256", "PBKDF2WithHmacSHA256", 256),
  SCRAM_SHA_512("SCRAM-SHA-512", "SHA-512", "HmacSHA512", "PBKDF2WithHmacSHA512", 512);

  /** RFC 7677's floor, and Kafka's. */
  public static final int MIN_ITERATIONS = 4096;
  /** Kafka's ceiling for credentials set through its admin API, which bounds the PBKDF2 cost of a login. */
  public static final int MAX_ITERATIONS = 16384;

  private final String mechanismName;
  private final String digest;
  private final String hmac;
  private final String pbkdf2;
  private final int keyBits;

  ScramMechanism(String mechanismName, String digest, String hmac, String pbkdf2, int keyBits) {
    this.mechanismName = mechanismName;
    this.digest = digest;
    this.hmac = hmac;
    this.pbkdf2 = pbkdf2;
    this.keyBits = keyBits;
  }

  /** The SASL name, e.g. {@code SCRAM-SHA-512}. */
  public String mechanismName() {
    return mechanismName;
  }

  public static Optional<ScramMechanism> forName(String name) {
    for (ScramMechanism mechanism : values()) {
      if (mechanism.mechanismName.equals(name)) {
        return Optional.of(mechanism);
      }
    }
    return Optional.empty();
  }

  /** Hi(password, salt, i) of RFC 5802: PBKDF2 with this mechanism's HMAC. */
  public byte[] saltedPassword(String password, byte[] salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, keyBits);
      try {
        return SecretKeyFactory.getInstance(pbkdf2).generateSecret(spec).getEncoded();
      } finally {
        spec.clearPassword();
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(pbkdf2 + " is missing from this JDK", e);
    }
  }

  byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance(hmac);
      mac.init(new SecretKeySpec(key, hmac));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(hmac + " is missing from this JDK", e);
    }
  }

  byte[] hash(byte[] message) {
    try {
      return MessageDigest.getInstance(digest).digest(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(digest + " is missing from this JDK", e);
    }
  }
}
