package io.skein.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The SCRAM server against RFC 7677's SCRAM-SHA-256 example and kafka-clients' own SCRAM client. */
class ScramServerExchangeTest {

  /** RFC 7677 section 3: user "user", password "pencil". */
  private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
  private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  private static final String SALT = "W22ZaJ0SNY7soEsUEjb6gQ==";
  private static final String SERVER_FIRST =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  private static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
      + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

  private static ScramServerExchange rfcExchange(String password) {
    ScramCredential pencil = ScramCredential.derive(ScramMechanism.SCRAM_SHA_256, password,
        Base64.getDecoder().decode(SALT), 4096);
    ScramCredentials users = (user, mechanism) -> user.equals("user") && mechanism == ScramMechanism.SCRAM_SHA_256
        ? Optional.of(pencil) : Optional.empty();
    return new ScramServerExchange(ScramMechanism.SCRAM_SHA_256, users, () -> SERVER_NONCE);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void answersRfc7677sExampleWithItsServerMessages() throws Exception {
    ScramServerExchange exchange = rfcExchange("pencil");
    assertArrayEquals(bytes(SERVER_FIRST), exchange.evaluate(bytes(CLIENT_FIRST)));
    assertFalse(exchange.isComplete());
    assertArrayEquals(bytes(SERVER_FINAL), exchange.evaluate(bytes(CLIENT_FINAL)));
    assertTrue(exchange.isComplete());
    assertEquals(Principal.user("user"), exchange.principal());
  }

  @Test
  void refusesTheExamplesProofForAnotherPassword() throws Exception {
    ScramServerExchange exchange = rfcExchange("not-pencil");
    exchange.evaluate(bytes(CLIENT_FIRST));
    AuthenticationFailedException refused =
        assertThrows(AuthenticationFailedException.class, () -> exchange.evaluate(bytes(CLIENT_FINAL)));
    assertTrue(refused.getMessage().contains("invalid credentials"), refused.getMessage());
    assertFalse(exchange.isComplete());
    assertThrows(AuthenticationFailedException.class, () -> exchange.evaluate(bytes(CLIENT_FINAL)));
  }

  @Test
  void refusesAnUnknownUserAFalsifiedNonceAndChannelBinding() throws Exception {
    assertThrows(AuthenticationFailedException.class,
        () -> rfcExchange("pencil").evaluate(bytes("n,,n=someone,r=abc")));
    assertThrows(AuthenticationFailedException.class,
        () -> rfcExchange("pencil").evaluate(bytes("p=tls-unique,,n=user,r=abc")));
    assertThrows(AuthenticationFailedException.class,
        () -> rfcExchange("pencil").evaluate(bytes("garbage")));
    ScramServerExchange exchange = rfcExchange("pencil");
    exchange.evaluate(bytes(CLIENT_FIRST));
    assertThrows(AuthenticationFailedException.class,
        () -> exchange.evaluate(bytes(CLIENT_FINAL.replace("k0,p=", "k1,p="))));
  }

  @Test
  void authenticatesKafkaClientsScramClientForBothMechanisms() throws Exception {
    UserCredentials users = UserCredentials.of(Map.of("alice", "alice-secret"), 4096);
    for (ScramMechanism mechanism : ScramMechanism.values()) {
      javax.security.sasl.SaslClient client = new org.apache.kafka.common.security.scram.internals.ScramSaslClient(
          org.apache.kafka.common.security.scram.internals.ScramMechanism.forMechanismName(mechanism.mechanismName()),
          callbacks -> {
            for (var callback : callbacks) {
              if (callback instanceof javax.security.auth.callback.NameCallback name) {
                name.setName("alice");
              } else if (callback instanceof javax.security.auth.callback.PasswordCallback password) {
                password.setPassword("alice-secret".toCharArray());
              }
            }
          });
      ScramServerExchange server = new ScramServerExchange(mechanism, users);
      byte[] serverFirst = server.evaluate(client.evaluateChallenge(new byte[0]));
      byte[] serverFinal = server.evaluate(client.evaluateChallenge(serverFirst));
      client.evaluateChallenge(serverFinal);
      assertTrue(client.isComplete(), mechanism + ": the client accepted the server's signature");
      assertEquals(Principal.user("alice"), server.principal());
    }
  }

  @Test
  void checksPasswordsAgainstTheSaltedCredentialOnly() {
    UserCredentials users = UserCredentials.of(Map.of("alice", "alice-secret"), 4096);
    assertEquals(Optional.of(Principal.user("alice")), users.check("alice", "alice-secret"));
    assertEquals(Optional.of(Principal.user("alice")), users.check("alice", "alice-secret"));
    assertEquals(Optional.empty(), users.check("alice", "wrong"));
    assertEquals(Optional.empty(), users.check("alice", "alice-secret\0"), "a NUL appended salts the same in PBKDF2");
    assertEquals(Optional.empty(), users.check("alice", "alice-secret\0\0"));
    assertEquals(Optional.empty(), users.check("bob", "alice-secret"));
  }
}
