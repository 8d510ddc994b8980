package io.skein.security;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Test keys and the JWTs they sign, written here with the JDK as an issuer would. */
public final class TestTokens {

  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  /** A key pair with its kid (null: none) and the curve's JOSE name for EC. */
  public record TestKey(String kid, KeyPair pair, String curve) {

    public static TestKey rsa(String kid) {
      try {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return new TestKey(kid, generator.generateKeyPair(), null);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    /** curve: P-256, P-384 or P-521. */
    public static TestKey ec(String kid, String curve) {
      try {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(switch (curve) {
          case "P-256" -> "secp256r1";
          case "P-384" -> "secp384r1";
          default -> "secp521r1";
        }));
        return new TestKey(kid, generator.generateKeyPair(), curve);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    /** The public key as a JWK. */
    public String jwk() {
      Map<String, String> members = new LinkedHashMap<>();
      if (kid != null) {
        members.put("kid", kid);
      }
      members.put("use", "sig");
      if (pair.getPublic() instanceof RSAPublicKey rsa) {
        members.put("kty", "RSA");
        members.put("n", unsigned(rsa.getModulus(), 0));
        members.put("e", unsigned(rsa.getPublicExponent(), 0));
      } else {
        ECPublicKey ec = (ECPublicKey) pair.getPublic();
        int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
        members.put("kty", "EC");
        members.put("crv", curve);
        members.put("x", unsigned(ec.getW().getAffineX(), size));
        members.put("y", unsigned(ec.getW().getAffineY(), size));
      }
      return members.entrySet().stream().map(m -> "\"" + m.getKey() + "\":\"" + m.getValue() + "\"")
          .collect(Collectors.joining(",", "{", "}"));
    }
  }

  private TestTokens() {}

  public static String jwks(TestKey... keys) {
    return Arrays.stream(keys).map(TestKey::jwk).collect(Collectors.joining(",", "{\"keys\":[", "]}"));
  }

  /** Claims {@code sub}, {@code exp} and {@code iat} (now), as JSON members, with {@code more} (raw JSON members). */
  public static String claims(String subject, Instant expiry, String... more) {
    List<String> members = new ArrayList<>(List.of("\"sub\":\"" + subject + "\"",
        "\"exp\":" + expiry.getEpochSecond(), "\"iat\":" + Instant.now().getEpochSecond()));
    members.addAll(List.of(more));
    return "{" + String.join(",", members) + "}";
  }

  /** A JWS of {@code claims} signed with {@code alg} by {@code key}, its header naming the key's kid. */
  public static String sign(String alg, TestKey key, String claims) {
    String header = key.kid() == null ? "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}"
        : "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + key.kid() + "\"}";
    return signWithHeader(header, alg, key, claims);
  }

  public static String signWithHeader(String header, String alg, TestKey key, String claims) {
    String signingInput = encode(header) + "." + encode(claims);
    try {
      Signature signer = signer(alg);
      signer.initSign(key.pair().getPrivate());
      signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      byte[] signature = signer.sign();
      if (alg.startsWith("ES")) {
        signature = derToRaw(signature, alg.equals("ES256") ? 32 : alg.equals("ES384") ? 48 : 66);
      }
      return signingInput + "." + BASE64URL.encodeToString(signature);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String encode(String json) {
    return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static Signature signer(String alg) throws GeneralSecurityException {
    String bits = alg.substring(2);
    return switch (alg.substring(0, 2)) {
      case "RS" -> Signature.getInstance("SHA" + bits + "withRSA");
      case "ES" -> Signature.getInstance("SHA" + bits + "withECDSA");
      case "PS" -> {
        Signature pss = Signature.getInstance("RSASSA-PSS");
        String digest = "SHA-" + bits;
        pss.setParameter(new PSSParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest), Integer.parseInt(bits) / 8, 1));
        yield pss;
      }
      default -> throw new IllegalArgumentException(alg);
    };
  }

  /** The JDK's DER ECDSA signature as JWS's R||S, each {@code size} bytes. */
  private static byte[] derToRaw(byte[] der, int size) {
    int at = der[1] == (byte) 0x81 ? 3 : 2;
    byte[] raw = new byte[2 * size];
    for (int half = 0; half < 2; half++) {
      int length = der[at + 1];
      byte[] value = new BigInteger(1, Arrays.copyOfRange(der, at + 2, at + 2 + length)).toByteArray();
      int start = value.length > size ? value.length - size : 0;
      System.arraycopy(value, start, raw, half * size + size - (value.length - start), value.length - start);
      at += 2 + length;
    }
    return raw;
  }

  private static String unsigned(BigInteger value, int size) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (bytes.length < size) {
      byte[] padded = new byte[size];
      System.arraycopy(bytes, 0, padded, size - bytes.length, bytes.length);
      bytes = padded;
    }
    return BASE64URL.encodeToString(bytes);
  }
}
