package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.skein.broker.Caller;
import io.skein.client.ChannelFactory;
import io.skein.client.HostPort;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.security.TestCertificates;
import io.skein.security.TestTokens;
import io.skein.security.TestTokens.TestKey;
import io.skein.server.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SASL OAUTHBEARER with kafka-clients 4.4 and gRPC bearer tokens, on a broker with a JWKS file
 * and the ACL authorizer: a token signed by the issuer produces and consumes as its principal,
 * within that principal's ACLs; an expired or badly signed token gets SaslAuthenticationException
 * (gRPC: UNAUTHENTICATED saying why) while the broker goes on serving others. Over SASL_SSL too.
 */
class KafkaOAuthBearerEndToEndTest {

  private static final long WAIT_SECONDS = 20;
  private static final TestKey ISSUER = TestKey.rsa("issuer-2026");
  private static final TestKey IMPOSTOR = new TestKey("issuer-2026", TestKey.rsa("x").pair(), null);
  /** The issuer's next key, added to the JWKS file while the broker runs. */
  private static final TestKey NEXT = TestKey.ec("issuer-2027", "P-521");
  private static final String AUDIENCE = "skein-test";

  private static Path dir;
  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("skein-oauthbearer-");
    Files.writeString(dir.resolve("jwks.json"), TestTokens.jwks(ISSUER));
    Map<String, Object> config = oauthBearerBroker("SASL_PLAINTEXT");
    config.put("skein.security.authorizer", "acl");
    config.put("skein.security.super-users", List.of("User:admin"));
    config.put("skein.grpc.authentication", List.of("basic", "bearer"));
    broker = TestBroker.start(config);
    try (Admin admin = Admin.create(scramAdmin())) {
      admin.createTopics(List.of(new NewTopic("carol-orders", 1, (short) 1), new NewTopic("payroll", 1, (short) 1)))
          .all().get(WAIT_SECONDS, TimeUnit.SECONDS);
      ResourcePattern orders = new ResourcePattern(ResourceType.TOPIC, "carol-orders", PatternType.LITERAL);
      admin.createAcls(List.of(AclOperation.WRITE, AclOperation.READ, AclOperation.DESCRIBE).stream()
              .map(operation -> new AclBinding(orders,
                  new AccessControlEntry("User:carol", "*", operation, AclPermissionType.ALLOW)))
              .toList())
          .all().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Map<String, Object> oauthBearerBroker(String protocol) {
    Map<String, Object> config = new HashMap<>();
    config.put("skein.kafka.security-protocol", protocol);
    config.put("skein.security.sasl.mechanisms", List.of("SCRAM-SHA-512", "OAUTHBEARER"));
    config.put("skein.security.sasl.users.admin", "admin-secret");
    config.put("skein.security.oauthbearer.jwks-file", dir.resolve("jwks.json").toString());
    config.put("skein.security.oauthbearer.expected-issuer", "https://idp.test");
    config.put("skein.security.oauthbearer.expected-audience", List.of(AUDIENCE));
    config.put("skein.security.oauthbearer.reload-interval", "200ms");
    return config;
  }

  private static Map<String, Object> scramAdmin() {
    Map<String, Object> config = base(broker.kafkaBootstrap(), "SASL_PLAINTEXT");
    config.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
    config.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required"
        + " username=\"admin\" password=\"admin-secret\";");
    return config;
  }

  private static Map<String, Object> base(String bootstrap, String protocol) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 8000);
    return config;
  }

  static String token(TestKey signer, String subject, Instant expiry) {
    return TestTokens.sign("RS256", signer, TestTokens.claims(subject, expiry, "\"iss\":\"https://idp.test\"",
        "\"aud\":[\"" + AUDIENCE + "\"]"));
  }

  /** kafka-clients' settings for OAUTHBEARER with {@code token}, through the test login handler. */
  private static Map<String, Object> bearerClient(Map<String, Object> config, String token, String subject,
      Instant expiry) {
    config.put(SaslConfigs.SASL_MECHANISM, "OAUTHBEARER");
    config.put(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS, TestTokenLoginCallbackHandler.class.getName());
    config.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
        + " required token=\"" + token + "\" principal=\"" + subject + "\" expiresAtMs=\"" + expiry.toEpochMilli()
        + "\";");
    return config;
  }

  private static Map<String, Object> bearerClient(String subject, TestKey signer, Instant expiry) {
    return bearerClient(base(broker.kafkaBootstrap(), "SASL_PLAINTEXT"), token(signer, subject, expiry), subject,
        expiry);
  }

  private static Throwable refusal(Map<String, Object> config) {
    ExecutionException failed = assertThrows(ExecutionException.class, () -> {
      try (Admin admin = Admin.create(config)) {
        admin.describeCluster().clusterId().get(WAIT_SECONDS, TimeUnit.SECONDS);
      }
    });
    return failed.getCause();
  }

  @Test
  void aValidTokenProducesAndConsumesAsItsPrincipal() throws Exception {
    Instant expiry = Instant.now().plusSeconds(3600);
    KafkaSaslSslEndToEndTest.assertProducedAndConsumed(bearerClient("carol", ISSUER, expiry),
        bearerClient("carol", ISSUER, expiry), "carol-orders", List.of("o1", "o2", "o3"));
  }

  @Test
  void theTokensPrincipalGetsOnlyItsAcls() throws Exception {
    Map<String, Object> config = bearerClient("carol", ISSUER, Instant.now().plusSeconds(3600));
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
      ExecutionException denied = assertThrows(ExecutionException.class,
          () -> producer.send(new ProducerRecord<>("payroll", 0, null, "raise")).get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertInstanceOf(TopicAuthorizationException.class, denied.getCause(), denied.getCause().toString());
    }
    // Another subject signed by the same issuer has no ACL on carol's topic.
    Map<String, Object> mallory = bearerClient("mallory", ISSUER, Instant.now().plusSeconds(3600));
    try (Admin admin = Admin.create(mallory)) {
      assertFalse(admin.listTopics().names().get(WAIT_SECONDS, TimeUnit.SECONDS).contains("carol-orders"));
    }
    try (Admin admin = Admin.create(bearerClient("carol", ISSUER, Instant.now().plusSeconds(3600)))) {
      assertEquals(List.of("carol-orders"), List.copyOf(admin.listTopics().names().get(WAIT_SECONDS, TimeUnit.SECONDS)));
    }
  }

  @Test
  void expiredAndBadlySignedTokensAreRefusedWhileOthersAreServed() throws Exception {
    Throwable expired = refusal(bearerClient("carol", ISSUER, Instant.now().minusSeconds(120)));
    assertInstanceOf(SaslAuthenticationException.class, expired, expired.toString());
    assertTrue(expired.getMessage().contains("expired"), expired.getMessage());
    Throwable forged = refusal(bearerClient("carol", IMPOSTOR, Instant.now().plusSeconds(3600)));
    assertInstanceOf(SaslAuthenticationException.class, forged, forged.toString());
    assertTrue(forged.getMessage().contains("signature"), forged.getMessage());
    try (Admin admin = Admin.create(bearerClient("carol", ISSUER, Instant.now().plusSeconds(3600)))) {
      assertEquals(List.of("carol-orders"), List.copyOf(admin.listTopics().names().get(WAIT_SECONDS, TimeUnit.SECONDS)));
    }
    try (Admin admin = Admin.create(scramAdmin())) {
      assertFalse(admin.describeCluster().clusterId().get(WAIT_SECONDS, TimeUnit.SECONDS).isEmpty());
    }
  }

  // ---- gRPC ----

  private static AdminServiceGrpc.AdminServiceBlockingStub grpcWithTokenFile(Path tokenFile, List<ManagedChannel> open) {
    ManagedChannel channel = ChannelFactory.bearer(Optional.empty(), tokenFile)
        .open(new HostPort("127.0.0.1", broker.node().grpcPort()));
    open.add(channel);
    return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void grpcCallsWithABearerTokenAreServedAsItsPrincipal() throws Exception {
    Path tokenFile = dir.resolve("carol.jwt");
    List<ManagedChannel> open = new ArrayList<>();
    try {
      Files.writeString(tokenFile, token(ISSUER, "carol", Instant.now().plusSeconds(3600)) + "\n");
      List<String> topics = grpcWithTokenFile(tokenFile, open).listTopics(ListTopicsRequest.getDefaultInstance())
          .getNamesList();
      assertEquals(List.of("carol-orders"), topics, "the ACLs of User:carol apply");

      Files.writeString(tokenFile, token(ISSUER, "carol", Instant.now().minusSeconds(120)));
      StatusRuntimeException expired = assertThrows(StatusRuntimeException.class,
          () -> grpcWithTokenFile(tokenFile, open).listTopics(ListTopicsRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAUTHENTICATED, expired.getStatus().getCode());
      assertTrue(expired.getStatus().getDescription().contains("expired"), expired.getStatus().getDescription());

      Files.writeString(tokenFile, token(IMPOSTOR, "carol", Instant.now().plusSeconds(3600)));
      StatusRuntimeException forged = assertThrows(StatusRuntimeException.class,
          () -> grpcWithTokenFile(tokenFile, open).listTopics(ListTopicsRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAUTHENTICATED, forged.getStatus().getCode());
      assertTrue(forged.getStatus().getDescription().contains("signature"), forged.getStatus().getDescription());

      StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
          () -> AdminServiceGrpc.newBlockingStub(broker.channel()).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
              .listTopics(ListTopicsRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAUTHENTICATED, missing.getStatus().getCode());
      assertTrue(missing.getStatus().getDescription().contains("Bearer"), missing.getStatus().getDescription());
    } finally {
      open.forEach(ManagedChannel::shutdownNow);
    }
  }

  @Test
  void aKeyAddedToTheJwksFileIsUsedWithoutARestart() throws Exception {
    Instant expiry = Instant.now().plusSeconds(3600);
    String nextToken = TestTokens.sign("ES512", NEXT, TestTokens.claims("carol", expiry, "\"iss\":\"https://idp.test\"",
        "\"aud\":\"" + AUDIENCE + "\""));
    Path tokenFile = dir.resolve("next.jwt");
    Files.writeString(tokenFile, nextToken);
    List<ManagedChannel> open = new ArrayList<>();
    try {
      StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
          () -> grpcWithTokenFile(tokenFile, open).listTopics(ListTopicsRequest.getDefaultInstance()));
      assertTrue(unknown.getStatus().getDescription().contains("issuer-2027"), unknown.getStatus().getDescription());
      Path jwks = dir.resolve("jwks.json");
      Files.writeString(jwks, TestTokens.jwks(ISSUER, NEXT));
      Files.setLastModifiedTime(jwks, FileTime.from(Instant.now().plusSeconds(5)));
      assertEventually("the broker reads the new JWKS file", Duration.ofSeconds(20), () -> {
        try {
          return grpcWithTokenFile(tokenFile, open).listTopics(ListTopicsRequest.getDefaultInstance())
              .getNamesList().equals(List.of("carol-orders"));
        } catch (StatusRuntimeException stillUnknown) {
          return false;
        }
      });
      try (Admin admin = Admin.create(bearerClient(base(broker.kafkaBootstrap(), "SASL_PLAINTEXT"), nextToken, "carol",
          expiry))) {
        assertEquals(List.of("carol-orders"), List.copyOf(admin.listTopics().names().get(WAIT_SECONDS, TimeUnit.SECONDS)));
      }
    } finally {
      open.forEach(ManagedChannel::shutdownNow);
    }
  }

  // ---- SASL_SSL ----

  @Test
  void overSaslSslTooAValidTokenProducesAndConsumes() throws Exception {
    Path tlsDir = Files.createTempDirectory("skein-oauthbearer-ssl-");
    Map<String, Object> config = oauthBearerBroker("SASL_SSL");
    config.putAll(TestCertificates.authority("OAUTHBEARER Test CA").writeServerFiles(tlsDir));
    try (TestBroker secured = TestBroker.start(config)) {
      secured.node().broker().topics().createTopic(Caller.BROKER, "over-tls", 1, 1, Map.of(), false)
          .toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
      Instant expiry = Instant.now().plusSeconds(3600);
      String token = token(ISSUER, "carol", expiry);
      KafkaSaslSslEndToEndTest.assertProducedAndConsumed(
          bearerClient(KafkaSaslSslEndToEndTest.tlsClient(secured, tlsDir, "SASL_SSL"), token, "carol", expiry),
          bearerClient(KafkaSaslSslEndToEndTest.tlsClient(secured, tlsDir, "SASL_SSL"), token, "carol", expiry),
          "over-tls", List.of("t1", "t2"));
      Throwable forged = refusal(bearerClient(KafkaSaslSslEndToEndTest.tlsClient(secured, tlsDir, "SASL_SSL"),
          token(IMPOSTOR, "carol", expiry), "carol", expiry));
      assertInstanceOf(SaslAuthenticationException.class, forged, forged.toString());
    }
  }
}
