package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.security.JsonWebKeys;
import io.skein.security.JwtValidator;
import io.skein.security.OAuthBearerSettings;
import io.skein.security.SaslAuthenticator;
import io.skein.security.TestTokens;
import io.skein.security.TestTokens.TestKey;
import io.skein.security.UserCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SASL OAUTHBEARER on the wire, as Kafka's broker answers it: a good token authenticates its
 * principal, a refused one gets the {@code invalid_token} challenge, then (after the client's
 * ^A) SASL_AUTHENTICATION_FAILED and a close; the session lasts until the token expires
 * (bounded by connections.max.reauth.ms), within it a new token re-authenticates, after it a
 * request closes the connection.
 */
class OAuthBearerListenerTest {

  private static final TestKey KEY = TestKey.rsa("issuer-1");
  private static final OAuthBearerSettings SETTINGS = new OAuthBearerSettings(Path.of("unused.json"),
      Optional.empty(), List.of(), "sub", Duration.ZERO, Duration.ofSeconds(10));
  private static final JsonWebKeys KEYS = JsonWebKeys.parse(TestTokens.jwks(KEY));
  private static final SaslAuthenticator SASL = new SaslAuthenticator(List.of("SCRAM-SHA-512", "OAUTHBEARER"),
      UserCredentials.of(Map.of("alice", "alice-secret"), 4096),
      Optional.of(new JwtValidator(() -> KEYS, SETTINGS, Clock.systemUTC())));

  private final PrincipalNotingListeners listeners = new PrincipalNotingListeners(SASL);

  @AfterEach
  void closeAll() throws Exception {
    listeners.close();
  }

  private KafkaTestClient connect(Duration maxReauth) throws IOException {
    return listeners.connect(maxReauth);
  }

  private static String token(String subject, Instant expiry) {
    return TestTokens.sign("RS256", KEY, TestTokens.claims(subject, expiry));
  }

  private static byte[] initialResponse(String token) {
    return ("n,,\u0001auth=Bearer " + token + "\u0001\u0001").getBytes(StandardCharsets.UTF_8);
  }

  private static SaslAuthenticateResponseData authenticate(KafkaTestClient client, byte[] message) throws IOException {
    SaslHandshakeResponseData handshake =
        client.call((short) 1, new SaslHandshakeRequestData().setMechanism("OAUTHBEARER"));
    assertEquals(Errors.NONE.code(), handshake.errorCode());
    assertTrue(handshake.mechanisms().contains("OAUTHBEARER"), handshake.mechanisms().toString());
    return client.call((short) 2, new SaslAuthenticateRequestData().setAuthBytes(message));
  }

  @Test
  void aGoodTokenAuthenticatesItsPrincipalForItsLifetime() throws IOException {
    KafkaTestClient client = connect(Duration.ZERO);
    Instant expiry = Instant.now().plusSeconds(600);
    SaslAuthenticateResponseData answer = authenticate(client, ("n,,\u0001host=localhost\u0001port=9092\u0001auth=Bearer "
        + token("carol", expiry) + "\u0001\u0001").getBytes(StandardCharsets.UTF_8));
    assertEquals(Errors.NONE.code(), answer.errorCode(), answer.errorMessage());
    assertEquals(0, answer.authBytes().length);
    long lifetime = answer.sessionLifetimeMs();
    assertTrue(lifetime > 590_000 && lifetime <= 600_000, "the session lasts until the token expires: " + lifetime);
    client.call((short) 12, new MetadataRequestData());
    assertEquals(List.of(new KafkaPrincipal("User", "carol")), List.copyOf(listeners.principals));
  }

  @Test
  void connectionsMaxReauthBoundsTheSession() throws IOException {
    SaslAuthenticateResponseData answer =
        authenticate(connect(Duration.ofSeconds(5)), initialResponse(token("carol", Instant.now().plusSeconds(600))));
    assertEquals(Errors.NONE.code(), answer.errorCode());
    assertEquals(5000, answer.sessionLifetimeMs());
  }

  @Test
  void aRefusedTokenGetsTheErrorChallengeThenFailsAndCloses() throws IOException {
    KafkaTestClient client = connect(Duration.ZERO);
    SaslAuthenticateResponseData challenge =
        authenticate(client, initialResponse(token("carol", Instant.now().minusSeconds(60))));
    assertEquals(Errors.NONE.code(), challenge.errorCode());
    assertArrayEquals("{\"status\":\"invalid_token\"}".getBytes(StandardCharsets.UTF_8), challenge.authBytes());
    SaslAuthenticateResponseData refused =
        client.call((short) 2, new SaslAuthenticateRequestData().setAuthBytes(new byte[] {1}));
    assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), refused.errorCode());
    assertTrue(refused.errorMessage().contains("expired"), refused.errorMessage());
    client.assertClosedByListener();
    assertTrue(listeners.principals.isEmpty());
  }

  @Test
  void aMalformedFirstMessageFailsAtOnce() throws IOException {
    for (String malformed : List.of("", "n,,", "n,,auth=Bearer x", "n,,\u0001auth=Bearer\u0001\u0001",
        "n,,\u0001auth=Basic YWxpY2U6eA==\u0001\u0001", "p=tls-unique,,\u0001auth=Bearer a.b.c\u0001\u0001",
        "n,,\u0001host=\u0001auth=Bearer a.b.c\u0001\u0001", "n,,\u0001\u0001\u0001")) {
      KafkaTestClient client = connect(Duration.ZERO);
      SaslAuthenticateResponseData refused = authenticate(client, malformed.getBytes(StandardCharsets.UTF_8));
      assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), refused.errorCode(), malformed);
      assertTrue(refused.errorMessage().contains("invalid OAUTHBEARER client first message"), refused.errorMessage());
      client.assertClosedByListener();
    }
  }

  @Test
  void anAuthorizationIdMustBeTheTokensPrincipal() throws IOException {
    String token = token("carol", Instant.now().plusSeconds(600));
    KafkaTestClient other = connect(Duration.ZERO);
    SaslAuthenticateResponseData refused = authenticate(other,
        ("n,a=admin,\u0001auth=Bearer " + token + "\u0001\u0001").getBytes(StandardCharsets.UTF_8));
    assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), refused.errorCode());
    other.assertClosedByListener();
    SaslAuthenticateResponseData same = authenticate(connect(Duration.ZERO),
        ("n,a=carol,\u0001auth=Bearer " + token + "\u0001\u0001").getBytes(StandardCharsets.UTF_8));
    assertEquals(Errors.NONE.code(), same.errorCode());
  }

  @Test
  void aNewTokenReauthenticatesAndWithoutOneTheSessionEndsAtExpiry() throws IOException {
    KafkaTestClient client = connect(Duration.ZERO);
    long start = System.nanoTime();
    SaslAuthenticateResponseData first = authenticate(client, initialResponse(token("carol", Instant.now().plusSeconds(3))));
    assertEquals(Errors.NONE.code(), first.errorCode());
    assertTrue(first.sessionLifetimeMs() > 0 && first.sessionLifetimeMs() <= 3000, "" + first.sessionLifetimeMs());
    // Re-authentication is at most once a second (Kafka's rule).
    assertEventually("a second has passed", Duration.ofSeconds(5),
        () -> System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(1100));
    SaslAuthenticateResponseData second = authenticate(client, initialResponse(token("carol", Instant.now().plusSeconds(4))));
    assertEquals(Errors.NONE.code(), second.errorCode(), second.errorMessage());
    long secondAt = System.nanoTime();
    assertTrue(second.sessionLifetimeMs() > 3000, "the new token's lifetime: " + second.sessionLifetimeMs());
    client.call((short) 12, new MetadataRequestData());
    assertEventually("the second token expired", Duration.ofSeconds(10),
        () -> System.nanoTime() - secondAt > TimeUnit.MILLISECONDS.toNanos(second.sessionLifetimeMs() + 100));
    client.write(KafkaTestClient.frame(new MetadataRequestData(), KafkaTestClient.header(ApiKeys.METADATA, (short) 12, 99)));
    client.assertClosedByListener();
    assertEquals(1, listeners.principals.size(), "only the request within the session was served");
  }

  @Test
  void reauthenticatingWithAnotherSubjectIsRefused() throws IOException {
    KafkaTestClient client = connect(Duration.ZERO);
    long start = System.nanoTime();
    authenticate(client, initialResponse(token("carol", Instant.now().plusSeconds(60))));
    assertEventually("a second has passed", Duration.ofSeconds(5),
        () -> System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(1100));
    SaslAuthenticateResponseData refused = authenticate(client, initialResponse(token("admin", Instant.now().plusSeconds(60))));
    assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), refused.errorCode());
    assertTrue(refused.errorMessage().contains("Cannot change principals"), refused.errorMessage());
    client.assertClosedByListener();
  }

  @Test
  void theHandshakeOffersTheConfiguredMechanisms() throws IOException {
    SaslHandshakeResponseData handshake =
        connect(Duration.ZERO).call((short) 1, new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-512"));
    assertEquals(List.of("SCRAM-SHA-512", "OAUTHBEARER"), handshake.mechanisms());
  }
}
