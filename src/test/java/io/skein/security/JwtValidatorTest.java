package io.skein.security;

import static io.skein.security.TestTokens.claims;
import static io.skein.security.TestTokens.encode;
import static io.skein.security.TestTokens.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.security.TestTokens.TestKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JwtValidatorTest {

  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final TestKey RSA = TestKey.rsa("rsa-1");
  private static final TestKey OTHER_RSA = TestKey.rsa("rsa-2");
  private static final TestKey P256 = TestKey.ec("ec-256", "P-256");
  private static final TestKey P384 = TestKey.ec("ec-384", "P-384");
  private static final TestKey P521 = TestKey.ec("ec-521", "P-521");
  private static final String VALID_CLAIMS = claims("alice", NOW.plusSeconds(600));

  private static JwtValidator validator(OAuthBearerSettings settings, TestKey... keys) {
    JsonWebKeys parsed = JsonWebKeys.parse(TestTokens.jwks(keys));
    return new JwtValidator(() -> parsed, settings, CLOCK);
  }

  private static OAuthBearerSettings settings(Optional<String> issuer, List<String> audience, String subClaim) {
    return new OAuthBearerSettings(Path.of("unused.json"), issuer, audience, subClaim, Duration.ofSeconds(30),
        Duration.ofSeconds(10));
  }

  private static final OAuthBearerSettings PLAIN = settings(Optional.empty(), List.of(), "sub");
  private static final JwtValidator ALL_KEYS = validator(PLAIN, RSA, OTHER_RSA, P256, P384, P521);

  private static String refusal(JwtValidator validator, String token) {
    return assertThrows(AuthenticationFailedException.class, () -> validator.validate(token)).getMessage();
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
  void eachAlgorithmVerifiesWithItsKey(String alg) throws Exception {
    TestKey key = alg.startsWith("ES") ? switch (alg) {
      case "ES256" -> P256;
      case "ES384" -> P384;
      default -> P521;
    } : RSA;
    // Many signatures: ECDSA's R and S vary in length, which the DER conversion must handle.
    for (int i = 0; i < (alg.startsWith("ES") ? 20 : 2); i++) {
      JwtValidator.ValidToken valid = ALL_KEYS.validate(sign(alg, key, VALID_CLAIMS));
      assertEquals(Principal.user("alice"), valid.principal());
      assertEquals(NOW.plusSeconds(600), valid.expiry());
    }
  }

  @Test
  void ecdsaSignaturesWithALeadingZeroByteConvertToDer() throws Exception {
    // One R or S in 128 starts with a zero byte, which DER drops: sign until both kinds were checked.
    boolean sawLeadingZero = false;
    for (int i = 0; i < 5000 && !sawLeadingZero; i++) {
      String token = sign("ES256", P256, claims("alice", NOW.plusSeconds(600), "\"n\":" + i));
      byte[] signature = Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
      sawLeadingZero = signature[0] == 0 || signature[32] == 0;
      assertEquals(Principal.user("alice"), ALL_KEYS.validate(token).principal());
    }
    assertTrue(sawLeadingZero);
  }

  @Test
  void aTokenSignedByAnotherKeyIsRefused() {
    TestKey impostor = new TestKey("rsa-1", TestKey.rsa("x").pair(), null);
    assertTrue(refusal(ALL_KEYS, sign("RS256", impostor, VALID_CLAIMS)).contains("signature does not verify"));
    TestKey ecImpostor = new TestKey("ec-256", TestKey.ec("x", "P-256").pair(), "P-256");
    assertTrue(refusal(ALL_KEYS, sign("ES256", ecImpostor, VALID_CLAIMS)).contains("signature does not verify"));
  }

  @Test
  void aKeyIsOnlyUsedForItsOwnTypeAndCurve() {
    // kid of the P-384 key, signed and labelled ES256: no P-256 key has that kid.
    TestKey mislabelled = new TestKey("ec-384", P256.pair(), "P-256");
    assertTrue(refusal(ALL_KEYS, sign("ES256", mislabelled, VALID_CLAIMS)).contains("no ES256 key with kid"));
    TestKey rsaAsEc = new TestKey("rsa-1", P256.pair(), "P-256");
    assertTrue(refusal(ALL_KEYS, sign("ES256", rsaAsEc, VALID_CLAIMS)).contains("no ES256 key with kid"));
  }

  @Test
  void aTamperedPayloadIsRefused() {
    String[] parts = sign("RS256", RSA, VALID_CLAIMS).split("\\.");
    String tampered = parts[0] + "." + encode(claims("admin", NOW.plusSeconds(600))) + "." + parts[2];
    assertTrue(refusal(ALL_KEYS, tampered).contains("signature does not verify"));
  }

  @Test
  void expiryIsRequiredAndCheckedWithTheClockSkew() throws Exception {
    assertTrue(refusal(ALL_KEYS, sign("RS256", RSA, claims("alice", NOW.minusSeconds(31)))).contains("expired"));
    assertEquals(Principal.user("alice"),
        ALL_KEYS.validate(sign("RS256", RSA, claims("alice", NOW.minusSeconds(20)))).principal());
    assertTrue(refusal(ALL_KEYS, sign("RS256", RSA, "{\"sub\":\"alice\"}")).contains("no exp"));
    assertTrue(refusal(ALL_KEYS, sign("RS256", RSA, "{\"sub\":\"alice\",\"exp\":\"tomorrow\"}"))
        .contains("exp is not a date"));
  }

  @Test
  void notBeforeAndIssuedAtInTheFutureAreRefused() throws Exception {
    Instant expiry = NOW.plusSeconds(600);
    assertTrue(refusal(ALL_KEYS, sign("RS256", RSA, claims("alice", expiry, "\"nbf\":" + (NOW.getEpochSecond() + 60))))
        .contains("not valid before"));
    ALL_KEYS.validate(sign("RS256", RSA, claims("alice", expiry, "\"nbf\":" + (NOW.getEpochSecond() + 20))));
    String futureIat = "{\"sub\":\"alice\",\"exp\":" + expiry.getEpochSecond() + ",\"iat\":"
        + (NOW.getEpochSecond() + 60) + "}";
    assertTrue(refusal(ALL_KEYS, sign("RS256", RSA, futureIat)).contains("issued in the future"));
  }

  @Test
  void issuerAndAudienceAreCheckedWhenConfigured() throws Exception {
    JwtValidator strict = validator(settings(Optional.of("https://idp.example"), List.of("skein", "kafka"), "sub"), RSA);
    Instant expiry = NOW.plusSeconds(600);
    String good = sign("RS256", RSA, claims("alice", expiry, "\"iss\":\"https://idp.example\"", "\"aud\":[\"other\",\"kafka\"]"));
    assertEquals(Principal.user("alice"), strict.validate(good).principal());
    strict.validate(sign("RS256", RSA, claims("alice", expiry, "\"iss\":\"https://idp.example\"", "\"aud\":\"skein\"")));
    assertTrue(refusal(strict, sign("RS256", RSA, claims("alice", expiry, "\"iss\":\"https://evil.example\"",
        "\"aud\":\"skein\""))).contains("issuer \"https://evil.example\""));
    assertTrue(refusal(strict, sign("RS256", RSA, claims("alice", expiry, "\"aud\":\"skein\""))).contains("issuer (none)"));
    assertTrue(refusal(strict, sign("RS256", RSA, claims("alice", expiry, "\"iss\":\"https://idp.example\"",
        "\"aud\":[\"other\"]"))).contains("audience"));
    assertTrue(refusal(strict, sign("RS256", RSA, claims("alice", expiry, "\"iss\":\"https://idp.example\"")))
        .contains("audience"));
  }

  @Test
  void thePrincipalComesFromTheConfiguredClaim() throws Exception {
    JwtValidator byEmail = validator(settings(Optional.empty(), List.of(), "email"), RSA);
    String token = sign("RS256", RSA, claims("alice", NOW.plusSeconds(600), "\"email\":\"alice@example.com\""));
    assertEquals(Principal.user("alice@example.com"), byEmail.validate(token).principal());
    assertTrue(refusal(byEmail, sign("RS256", RSA, VALID_CLAIMS)).contains("no email claim"));
    assertTrue(refusal(ALL_KEYS, sign("RS256", RSA, "{\"sub\":7,\"exp\":" + NOW.plusSeconds(60).getEpochSecond() + "}"))
        .contains("sub that is not a string"));
  }

  @Test
  void unsignedAndHmacTokensAreRefused() {
    String payload = encode(VALID_CLAIMS);
    assertTrue(refusal(ALL_KEYS, encode("{\"alg\":\"none\"}") + "." + payload + ".").contains("alg none"));
    assertTrue(refusal(ALL_KEYS, encode("{\"alg\":\"NONE\",\"kid\":\"rsa-1\"}") + "." + payload + ".")
        .contains("alg none"));
    // An HS256 "signature" keyed with the RSA public key: the classic confusion attack.
    assertTrue(refusal(ALL_KEYS, encode("{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}") + "." + payload + ".c2ln")
        .contains("HMAC"));
    assertTrue(refusal(ALL_KEYS, encode("{\"alg\":\"EdDSA\"}") + "." + payload + ".c2ln").contains("unsupported"));
  }

  @Test
  void withoutKidTheOnlyKeyOfTheTypeIsUsed() throws Exception {
    TestKey noKid = new TestKey(null, RSA.pair(), null);
    assertTrue(refusal(ALL_KEYS, sign("RS256", noKid, VALID_CLAIMS)).contains("has no kid"));
    JwtValidator oneRsaKey = validator(PLAIN, RSA, P256);
    assertEquals(Principal.user("alice"), oneRsaKey.validate(sign("RS256", noKid, VALID_CLAIMS)).principal());
    assertTrue(refusal(ALL_KEYS, sign("RS256", new TestKey("unknown", RSA.pair(), null), VALID_CLAIMS))
        .contains("no RS256 key with kid \"unknown\""));
  }

  @Test
  void malformedTokensAreCleanRefusals() {
    String header = encode("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}");
    String payload = encode(VALID_CLAIMS);
    for (String malformed : List.of("", ".", "..", "a.b", "a.b.c.d", "***." + payload + ".c2ln",
        encode("not json") + "." + payload + ".c2ln", encode("[1,2]") + "." + payload + ".c2ln",
        encode("{\"alg\":5}") + "." + payload + ".c2ln", encode("{\"alg\":\"RS256\"}{}") + "." + payload + ".c2ln",
        encode("{\"alg\":\"RS256\",\"alg\":\"none\"}") + "." + payload + ".c2ln",
        encode("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"crit\":[\"exp\"]}") + "." + payload + ".c2ln",
        header + "." + payload + ".!!!", header + "." + payload + ".c2ln==", header + "." + payload + ".",
        encode("{\"alg\":\"ES256\",\"kid\":\"ec-256\"}") + "." + payload + ".c2ln",
        header + "." + "x".repeat(JwtValidator.MAX_TOKEN_CHARS) + ".c2ln")) {
      refusal(ALL_KEYS, malformed);
    }
    // A correctly signed payload that is not a claims object.
    assertTrue(refusal(ALL_KEYS, sign("RS256", RSA, "[]")).contains("payload is not a JSON object"));
    assertTrue(refusal(ALL_KEYS, sign("RS256", RSA, "\"x\"")).contains("payload is not a JSON object"));
  }

  @Test
  void jwkSetsKeepOnlySignatureKeysOfSupportedTypes() {
    String mixed = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"},{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"},"
        + RSA.jwk().replace("\"use\":\"sig\"", "\"use\":\"enc\"") + "," + P256.jwk() + "]}";
    assertEquals(1, JsonWebKeys.parse(mixed).keys().size());
    assertThrows(IllegalArgumentException.class, () -> JsonWebKeys.parse("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AA\"}]}"));
    assertThrows(IllegalArgumentException.class, () -> JsonWebKeys.parse("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\"}]}"));
    assertThrows(IllegalArgumentException.class, () -> JsonWebKeys.parse("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
        + "\"x\":\"AQ\",\"y\":\"AQ\"}]}"), "a point not on the curve");
    String shortRsa = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" + "_".repeat(168) + "\",\"e\":\"AQAB\"}]}";
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonWebKeys.parse(shortRsa)).getMessage()
        .contains("at least 2048"));
    assertThrows(IllegalArgumentException.class, () -> JsonWebKeys.parse("[]"));
    assertThrows(IllegalArgumentException.class, () -> JsonWebKeys.parse("{\"keys\":"));
  }

  @Test
  void theJwksFileIsReloadedWhenItChangesAndABadFileKeepsTheOldKeys(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("jwks.json");
    Files.writeString(file, TestTokens.jwks(RSA));
    OAuthBearerSettings settings = new OAuthBearerSettings(file, Optional.empty(), List.of(), "sub",
        Duration.ofSeconds(30), Duration.ofHours(1));
    try (JwksFile jwks = JwksFile.start(settings)) {
      JwtValidator validator = new JwtValidator(jwks, settings, CLOCK);
      validator.validate(sign("RS256", RSA, VALID_CLAIMS));
      assertFalse(jwks.reloadIfChanged(), "an unchanged file is not read again");
      assertTrue(refusal(validator, sign("RS256", OTHER_RSA, VALID_CLAIMS)).contains("no RS256 key with kid \"rsa-2\""));

      rewrite(file, TestTokens.jwks(OTHER_RSA), 1);
      assertTrue(jwks.reloadIfChanged());
      validator.validate(sign("RS256", OTHER_RSA, VALID_CLAIMS));
      refusal(validator, sign("RS256", RSA, VALID_CLAIMS));

      rewrite(file, "{\"keys\": [ broken", 2);
      assertFalse(jwks.reloadIfChanged(), "a bad file is not used");
      validator.validate(sign("RS256", OTHER_RSA, VALID_CLAIMS));

      Files.delete(file);
      assertFalse(jwks.reloadIfChanged(), "a missing file is not used");
      validator.validate(sign("RS256", OTHER_RSA, VALID_CLAIMS));
    }
  }

  @Test
  void aBadJwksFileAtStartIsAnError(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("jwks.json");
    Files.writeString(file, "{}");
    OAuthBearerSettings settings = new OAuthBearerSettings(file, Optional.empty(), List.of(), "sub",
        Duration.ofSeconds(30), Duration.ofHours(1));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> JwksFile.start(settings)).getMessage()
        .contains("jwks.json"));
  }

  /** Writes and moves the modification time on, so coarse file-system clocks still show a change. */
  private static void rewrite(Path file, String content, int step) throws Exception {
    Files.writeString(file, content);
    Files.setLastModifiedTime(file, FileTime.from(NOW.plusSeconds(step)));
  }
}
