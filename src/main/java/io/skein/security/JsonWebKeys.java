package io.skein.security;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A JWK set (RFC 7517) of the public keys tokens are signed with: RSA keys and EC keys on P-256,
 * P-384 and P-521. Keys of other types (symmetric "oct", OKP) and encryption keys
 * ({@code use: enc}) are left out, so a shared secret can never verify a token.
 */
public final class JsonWebKeys {

  /** A JWKS file larger than this is refused: it is read whole into memory. */
  static final long MAX_FILE_BYTES = 1024 * 1024;
  /** As jose4j (which Kafka's validator uses) requires, and RFC 7518 3.3. */
  static final int MIN_RSA_BITS = 2048;

  /** Strict: a duplicated member or trailing text makes the JSON ambiguous, so it is refused. */
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * One verification key.
   *
   * @param keyId its {@code kid}; empty if it has none
   * @param curve the EC curve's JOSE name (P-256, P-384, P-521); empty for RSA
   * @param algorithm its {@code alg}; empty: any of its type
   */
  public record Key(Optional<String> keyId, String type, Optional<String> curve, Optional<String> algorithm,
      PublicKey publicKey) {}

  private final List<Key> keys;

  private JsonWebKeys(List<Key> keys) {
    this.keys = List.copyOf(keys);
  }

  /** Reads a JWKS file; an {@link IllegalArgumentException} says what is wrong with it. */
  public static JsonWebKeys read(Path file) {
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
      }
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** The usable keys of a JWK set's JSON; at least one is required. */
  public static JsonWebKeys parse(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject() || !root.path("keys").isArray()) {
      throw new IllegalArgumentException("not a JWK set: expected {\"keys\": [...]}");
    }
    List<Key> keys = new ArrayList<>();
    int index = 0;
    for (JsonNode jwk : root.get("keys")) {
      try {
        key(jwk).ifPresent(keys::add);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("key " + index + ": " + e.getMessage(), e);
      }
      index++;
    }
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no RSA or EC signature key in the JWK set");
    }
    return new JsonWebKeys(keys);
  }

  public List<Key> keys() {
    return keys;
  }

  /**
   * The key a token's header names: its {@code kid}'s, or without a kid the only key of the
   * algorithm's type (and curve); empty if there is none, or no kid and several.
   */
  Optional<Key> find(Optional<String> keyId, String type, Optional<String> curve, String algorithm) {
    List<Key> candidates = keys.stream()
        .filter(key -> key.type().equals(type) && key.curve().equals(curve))
        .filter(key -> key.algorithm().map(algorithm::equals).orElse(true))
        .filter(key -> keyId.isEmpty() || key.keyId().equals(keyId))
        .toList();
    return candidates.size() == 1 ? Optional.of(candidates.get(0)) : Optional.empty();
  }

  private static Optional<Key> key(JsonNode jwk) {
    if (!jwk.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String use = optionalText(jwk, "use").orElse("sig");
    String type = text(jwk, "kty");
    if (!use.equals("sig") || !(type.equals("RSA") || type.equals("EC"))) {
      return Optional.empty();
    }
    Optional<String> keyId = optionalText(jwk, "kid");
    Optional<String> algorithm = optionalText(jwk, "alg");
    try {
      if (type.equals("RSA")) {
        RSAPublicKeySpec spec = new RSAPublicKeySpec(unsigned(jwk, "n"), unsigned(jwk, "e"));
        if (spec.getModulus().bitLength() < MIN_RSA_BITS) {
          throw new IllegalArgumentException("an RSA key of " + spec.getModulus().bitLength() + " bits: at least "
              + MIN_RSA_BITS + " are required");
        }
        return Optional.of(new Key(keyId, type, Optional.empty(), algorithm,
            KeyFactory.getInstance("RSA").generatePublic(spec)));
      }
      String curve = text(jwk, "crv");
      ECParameterSpec parameters = curveParameters(curve);
      ECPoint point = new ECPoint(unsigned(jwk, "x"), unsigned(jwk, "y"));
      if (!onCurve(point, parameters)) {
        throw new IllegalArgumentException("the point (x, y) is not on " + curve);
      }
      return Optional.of(new Key(keyId, type, Optional.of(curve), algorithm,
          KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, parameters))));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a valid " + type + " public key: " + e.getMessage(), e);
    }
  }

  /** The JDK's parameters of a JOSE curve name. */
  static ECParameterSpec curveParameters(String curve) throws GeneralSecurityException {
    String standardName = switch (curve) {
      case "P-256" -> "secp256r1";
      case "P-384" -> "secp384r1";
      case "P-521" -> "secp521r1";
      default -> throw new IllegalArgumentException("unsupported EC curve \"" + curve + "\"");
    };
    AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
    parameters.init(new ECGenParameterSpec(standardName));
    return parameters.getParameterSpec(ECParameterSpec.class);
  }

  /** The JDK does not check a public point: y^2 = x^3 + ax + b (mod p), with x and y below p. */
  private static boolean onCurve(ECPoint point, ECParameterSpec parameters) {
    BigInteger p = ((ECFieldFp) parameters.getCurve().getField()).getP();
    BigInteger x = point.getAffineX();
    BigInteger y = point.getAffineY();
    if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
      return false;
    }
    BigInteger right = x.pow(3).add(parameters.getCurve().getA().multiply(x)).add(parameters.getCurve().getB()).mod(p);
    return y.pow(2).mod(p).equals(right);
  }

  private static BigInteger unsigned(JsonNode jwk, String member) {
    String encoded = text(jwk, member);
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"" + member + "\" is not base64url: " + e.getMessage(), e);
    }
    if (bytes.length == 0) {
      throw new IllegalArgumentException("\"" + member + "\" is empty");
    }
    return new BigInteger(1, bytes);
  }

  private static String text(JsonNode jwk, String member) {
    return optionalText(jwk, member)
        .orElseThrow(() -> new IllegalArgumentException("\"" + member + "\" is missing"));
  }

  private static Optional<String> optionalText(JsonNode jwk, String member) {
    JsonNode value = jwk.get(member);
    if (value == null) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException("\"" + member + "\" is not a string");
    }
    return Optional.of(value.asText());
  }
}
