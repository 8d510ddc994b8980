package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.skein.security.TestCertificates;
import io.skein.security.TestTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listeners' security from configuration: plaintext by default, clear errors for what cannot work. */
class ListenerSecurityTest {

  @TempDir
  Path dir;

  private static Config config(Map<String, Object> settings) {
    return ConfigFactory.parseMap(settings).withFallback(ConfigFactory.parseResources("skein-defaults.conf"))
        .resolve();
  }

  private static String refusal(Map<String, Object> settings) {
    return assertThrows(ConfigException.class, () -> ListenerSecurity.from(config(settings))).getMessage();
  }

  @Test
  void theDefaultsArePlaintextWithoutAuthentication() {
    try (ListenerSecurity security = ListenerSecurity.from(config(Map.of()))) {
      assertEquals(SecurityProtocol.PLAINTEXT, security.kafka().protocol());
      assertTrue(security.kafka().describe().contains("plaintext, without authentication"));
      assertFalse(security.grpc().tls().isPresent());
      assertEquals("plaintext, without authentication", security.grpc().describe());
    }
  }

  @Test
  void settingsThatCannotWorkAreRefusedWithWhatToSet() throws Exception {
    assertTrue(refusal(Map.of("skein.kafka.security-protocol", "TLS")).contains("SASL_SSL"));
    assertTrue(refusal(Map.of("skein.kafka.security-protocol", "SSL")).contains("skein.security.tls"));
    assertTrue(refusal(Map.of("skein.grpc.tls", true)).contains("skein.security.tls"));
    assertTrue(refusal(Map.of("skein.management.enabled", true, "skein.management.tls", true))
        .contains("skein.management.tls = on needs TLS key material"));
    try (ListenerSecurity security = ListenerSecurity.from(config(Map.of("skein.management.tls", true)))) {
      assertFalse(security.management().isPresent(), "no endpoint, nothing to load: the endpoint is off");
    }
    assertTrue(refusal(Map.of("skein.grpc.authentication", "token")).contains("none or basic"));
    // A SASL listener without configured users is checked at start-up, once the cluster's users are known
    // (KafkaScramUsersTest#aBrokerThatAuthenticatesButHasNoUserAtAllRefusesToStart).
    assertTrue(refusal(Map.of("skein.kafka.security-protocol", "SASL_PLAINTEXT",
        "skein.security.sasl.users.alice", "secret", "skein.security.sasl.mechanisms", java.util.List.of("GSSAPI")))
        .contains("unknown SASL mechanism"));

    Map<String, Object> sslWithClientCertificates = new HashMap<>(
        TestCertificates.authority("Config Test CA").writeServerFiles(dir));
    sslWithClientCertificates.put("skein.kafka.security-protocol", "SSL");
    sslWithClientCertificates.put("skein.security.tls.client-auth", "sometimes");
    assertTrue(refusal(sslWithClientCertificates).contains("none, requested or required"));
    sslWithClientCertificates.put("skein.security.tls.client-auth", "required");
    sslWithClientCertificates.put("skein.security.tls.trust", dir.resolve("ca.pem").toString());
    try (ListenerSecurity security = ListenerSecurity.from(config(sslWithClientCertificates))) {
      assertEquals("SSL, client certificates required", security.kafka().describe());
    }
  }

  @Test
  void bearerTokensNeedAJwksFile() throws Exception {
    assertTrue(refusal(Map.of("skein.kafka.security-protocol", "SASL_PLAINTEXT",
        "skein.security.sasl.mechanisms", List.of("OAUTHBEARER"))).contains("skein.security.oauthbearer.jwks-file"));
    assertTrue(refusal(Map.of("skein.grpc.authentication", "bearer")).contains("skein.security.oauthbearer.jwks-file"));
    assertTrue(refusal(Map.of("skein.grpc.authentication", List.of("basic", "none"))).contains("none cannot be listed"));
    assertTrue(refusal(Map.of("skein.grpc.authentication", List.of("basic", "digest"))).contains("\"digest\""));
    assertThrows(IllegalArgumentException.class, () -> ListenerSecurity.from(config(Map.of(
        "skein.grpc.authentication", "bearer",
        "skein.security.oauthbearer.jwks-file", dir.resolve("missing.json").toString()))));

    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, TestTokens.jwks(TestTokens.TestKey.ec("k", "P-256")));
    try (ListenerSecurity security = ListenerSecurity.from(config(Map.of(
        "skein.kafka.security-protocol", "SASL_PLAINTEXT",
        "skein.security.sasl.mechanisms", List.of("OAUTHBEARER"),
        "skein.grpc.authentication", List.of("basic", "bearer"),
        "skein.security.oauthbearer.jwks-file", jwks.toString())))) {
      assertEquals(List.of("OAUTHBEARER"), security.kafka().sasl().orElseThrow().mechanisms());
      assertEquals("plaintext, calls authenticated (Basic or Bearer)", security.grpc().describe());
      assertTrue(security.grpc().bearerTokens().isPresent());
      security.checkUsers();
    }
  }
}
