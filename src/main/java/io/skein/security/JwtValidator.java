package io.skein.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Checks a bearer token, a JWT (RFC 7519) in JWS compact form, for OAUTHBEARER and gRPC: its
 * signature with a key of the JWK set (RS256/384/512, PS256/384/512, ES256/384/512, with the JDK's
 * crypto; {@code none} and HMAC refused), {@code exp} (required), {@code nbf} and {@code iat} when
 * present, each with the clock skew, {@code iss} and {@code aud} when configured; the principal is
 * {@code User:} and the value of the configured claim.
 */
public final class JwtValidator {

  /** A token longer than this is refused unread; real ones are a few kilobytes. */
  static final int MAX_TOKEN_CHARS = 64 * 1024;

  /** A checked token: who it names and when it expires. */
  public record ValidToken(Principal principal, Instant expiry) {}

  /** A JWS algorithm: the key type it needs and the JDK signature that checks it. */
  private enum Algorithm {
    RS256("RSA", null, "SHA256withRSA", null, 0), RS384("RSA", null, "SHA384withRSA", null, 0),
    RS512("RSA", null, "SHA512withRSA", null, 0),
    PS256("RSA", null, "RSASSA-PSS", "SHA-256", 32), PS384("RSA", null, "RSASSA-PSS", "SHA-384", 48),
    PS512("RSA", null, "RSASSA-PSS", "SHA-512", 64),
    ES256("EC", "P-256", "SHA256withECDSA", null, 32), ES384("EC", "P-384", "SHA384withECDSA", null, 48),
    ES512("EC", "P-521", "SHA512withECDSA", null, 66);

    final String keyType;
    final Optional<String> curve;
    final String jdkName;
    /** PSS: the digest of the hash and of MGF1. */
    final String pssDigest;
    /** PSS: the salt's length; ECDSA: the length of R and of S in the JWS signature. */
    final int length;

    Algorithm(String keyType, String curve, String jdkName, String pssDigest, int length) {
      this.keyType = keyType;
      this.curve = Optional.ofNullable(curve);
      this.jdkName = jdkName;
      this.pssDigest = pssDigest;
      this.length = length;
    }

    Signature verifier() throws GeneralSecurityException {
      Signature signature = Signature.getInstance(jdkName);
      if (pssDigest != null) {
        signature.setParameter(new PSSParameterSpec(pssDigest, "MGF1", new MGF1ParameterSpec(pssDigest), length, 1));
      }
      return signature;
    }

    /** The signature as the JDK takes it: ECDSA's R||S of the JWS (RFC 7518 3.4) as DER. */
    byte[] jdkSignature(byte[] jws) throws AuthenticationFailedException {
      if (!keyType.equals("EC")) {
        return jws;
      }
      if (jws.length != 2 * length) {
        throw invalid("an " + name() + " signature has " + 2 * length + " bytes, not " + jws.length);
      }
      byte[] r = derInteger(jws, 0, length);
      byte[] s = derInteger(jws, length, length);
      int contentLength = r.length + s.length;
      byte[] sequenceLength = derLength(contentLength);
      byte[] der = new byte[1 + sequenceLength.length + contentLength];
      der[0] = 0x30;
      System.arraycopy(sequenceLength, 0, der, 1, sequenceLength.length);
      System.arraycopy(r, 0, der, 1 + sequenceLength.length, r.length);
      System.arraycopy(s, 0, der, 1 + sequenceLength.length + r.length, s.length);
      return der;
    }

    /** A DER INTEGER of an unsigned big-endian number: leading zeros dropped, one added if the top bit is set. */
    private static byte[] derInteger(byte[] bytes, int offset, int length) {
      int start = offset;
      while (start < offset + length - 1 && bytes[start] == 0) {
        start++;
      }
      boolean pad = (bytes[start] & 0x80) != 0;
      int valueLength = offset + length - start + (pad ? 1 : 0);
      byte[] encodedLength = derLength(valueLength);
      byte[] der = new byte[1 + encodedLength.length + valueLength];
      der[0] = 0x02;
      System.arraycopy(encodedLength, 0, der, 1, encodedLength.length);
      System.arraycopy(bytes, start, der, 1 + encodedLength.length + (pad ? 1 : 0), offset + length - start);
      return der;
    }

    /** DER lengths here are under 256: P-521's SEQUENCE is the one over 127. */
    private static byte[] derLength(int length) {
      return length < 128 ? new byte[] {(byte) length} : new byte[] {(byte) 0x81, (byte) length};
    }
  }

  private final Supplier<JsonWebKeys> keys;
  private final OAuthBearerSettings settings;
  private final Clock clock;

  public JwtValidator(Supplier<JsonWebKeys> keys, OAuthBearerSettings settings, Clock clock) {
    this.keys = keys;
    this.settings = settings;
    this.clock = clock;
  }

  /**
   * The token's principal and expiry.
   *
   * @throws AuthenticationFailedException why the token is refused, safe to tell the client
   */
  public ValidToken validate(String token) throws AuthenticationFailedException {
    if (token.length() > MAX_TOKEN_CHARS) {
      throw invalid("the token is longer than " + MAX_TOKEN_CHARS + " characters");
    }
    int firstDot = token.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) {
      throw invalid("not a JWS in compact form (header.payload.signature)");
    }
    JsonNode header = json(decode(token.substring(0, firstDot), "header"), "header");
    Algorithm algorithm = algorithm(header);
    if (header.has("crit")) {
      throw invalid("the token's header has critical extensions (crit), which are not supported");
    }
    Optional<String> keyId = optionalText(header, "kid", "header");
    JsonWebKeys.Key key = keys.get().find(keyId, algorithm.keyType, algorithm.curve, algorithm.name())
        .orElseThrow(() -> invalid(keyId.map(kid -> "no " + algorithm + " key with kid \"" + kid + "\" in the JWKS file")
            .orElse("the token has no kid and the JWKS file has not exactly one " + algorithm + " key")));
    byte[] signature = decode(token.substring(secondDot + 1), "signature");
    verify(algorithm, key, token.substring(0, secondDot).getBytes(StandardCharsets.US_ASCII), signature);
    return claims(json(decode(token.substring(firstDot + 1, secondDot), "payload"), "payload"));
  }

  private static Algorithm algorithm(JsonNode header) throws AuthenticationFailedException {
    String name = optionalText(header, "alg", "header").orElseThrow(() -> invalid("the token's header has no alg"));
    if (name.equalsIgnoreCase("none")) {
      throw invalid("unsigned tokens (alg none) are refused");
    }
    if (name.toUpperCase(Locale.ROOT).startsWith("HS")) {
      throw invalid("HMAC-signed tokens (" + name + ") are refused: only public-key signatures are checked");
    }
    try {
      return Algorithm.valueOf(name);
    } catch (IllegalArgumentException unknown) {
      throw invalid("unsupported signature algorithm \"" + name + "\"");
    }
  }

  private static void verify(Algorithm algorithm, JsonWebKeys.Key key, byte[] signingInput, byte[] signature)
      throws AuthenticationFailedException {
    boolean valid;
    try {
      Signature verifier = algorithm.verifier();
      verifier.initVerify(key.publicKey());
      verifier.update(signingInput);
      valid = verifier.verify(algorithm.jdkSignature(signature));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      valid = false;
    }
    if (!valid) {
      throw invalid("the token's signature does not verify with key " + key.keyId().orElse("(without kid)"));
    }
  }

  private ValidToken claims(JsonNode claims) throws AuthenticationFailedException {
    Instant now = clock.instant();
    Duration skew = settings.clockSkew();
    Instant expiry = numericDate(claims, "exp").orElseThrow(() -> invalid("the token has no exp (expiry)"));
    if (!now.isBefore(expiry.plus(skew))) {
      throw invalid("the token expired at " + expiry);
    }
    Optional<Instant> notBefore = numericDate(claims, "nbf");
    if (notBefore.isPresent() && now.plus(skew).isBefore(notBefore.get())) {
      throw invalid("the token is not valid before " + notBefore.get());
    }
    Optional<Instant> issuedAt = numericDate(claims, "iat");
    if (issuedAt.isPresent() && now.plus(skew).isBefore(issuedAt.get())) {
      throw invalid("the token is issued in the future, at " + issuedAt.get());
    }
    if (settings.expectedIssuer().isPresent()) {
      Optional<String> issuer = optionalText(claims, "iss", "payload");
      if (!issuer.equals(settings.expectedIssuer())) {
        throw invalid("the token's issuer " + issuer.map(i -> "\"" + i + "\"").orElse("(none)")
            + " is not \"" + settings.expectedIssuer().get() + "\"");
      }
    }
    if (!settings.expectedAudience().isEmpty() && !hasExpectedAudience(claims.get("aud"))) {
      throw invalid("the token's audience is none of " + settings.expectedAudience());
    }
    String subject = optionalText(claims, settings.subClaimName(), "payload")
        .filter(name -> !name.isEmpty())
        .orElseThrow(() -> invalid("the token has no " + settings.subClaimName() + " claim naming its principal"));
    return new ValidToken(Principal.user(subject), expiry);
  }

  /** {@code aud} is one string or an array of strings (RFC 7519 4.1.3). */
  private boolean hasExpectedAudience(JsonNode audience) {
    if (audience == null) {
      return false;
    }
    if (audience.isTextual()) {
      return settings.expectedAudience().contains(audience.asText());
    }
    for (JsonNode one : audience) {
      if (one.isTextual() && settings.expectedAudience().contains(one.asText())) {
        return true;
      }
    }
    return false;
  }

  /** A NumericDate: seconds since the epoch, possibly fractional. */
  private static Optional<Instant> numericDate(JsonNode claims, String name) throws AuthenticationFailedException {
    JsonNode value = claims.get(name);
    if (value == null) {
      return Optional.empty();
    }
    if (!value.isNumber() || !Double.isFinite(value.asDouble()) || Math.abs(value.asDouble()) > 1e12) {
      throw invalid("the token's " + name + " is not a date in seconds since the epoch");
    }
    return Optional.of(Instant.ofEpochMilli(Math.round(value.asDouble() * 1000)));
  }

  private static Optional<String> optionalText(JsonNode object, String name, String part)
      throws AuthenticationFailedException {
    JsonNode value = object.get(name);
    if (value == null) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw invalid("the token's " + part + " has a " + name + " that is not a string");
    }
    return Optional.of(value.asText());
  }

  private static byte[] decode(String base64url, String part) throws AuthenticationFailedException {
    if (base64url.indexOf('=') >= 0) {
      throw invalid("the token's " + part + " is padded: JWS base64url has no padding");
    }
    try {
      return Base64.getUrlDecoder().decode(base64url);
    } catch (IllegalArgumentException e) {
      throw invalid("the token's " + part + " is not base64url");
    }
  }

  private static JsonNode json(byte[] bytes, String part) throws AuthenticationFailedException {
    JsonNode node;
    try {
      node = JsonWebKeys.JSON.readTree(bytes);
    } catch (IOException e) {
      throw invalid("the token's " + part + " is not JSON");
    }
    if (node == null || !node.isObject()) {
      throw invalid("the token's " + part + " is not a JSON object");
    }
    return node;
  }

  private static AuthenticationFailedException invalid(String why) {
    return new AuthenticationFailedException("invalid token: " + why);
  }
}
