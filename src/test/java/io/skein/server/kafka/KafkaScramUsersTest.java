package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import io.skein.broker.Caller;
import io.skein.server.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.DuplicateResourceException;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.apache.kafka.tools.ConfigCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCRAM users managed with kafka-clients' Admin (DescribeUserScramCredentials,
 * AlterUserScramCredentials) on a SASL_PLAINTEXT listener: a user created or changed at run time
 * logs in at once, an old password or a deleted user no longer does, Kafka's per-user errors, and
 * the users survive a restart while a configured user deleted at run time stays deleted.
 */
class KafkaScramUsersTest {

  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("skein.kafka.security-protocol", "SASL_PLAINTEXT");
    config.put("skein.security.sasl.mechanisms", List.of("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"));
    config.put("skein.security.sasl.users.admin", "admin-secret");
    config.put("skein.security.sasl.users.seeded", "seeded-secret");
    broker = TestBroker.start(config);
    broker.node().broker().topics().createTopic(Caller.BROKER, "users-topic", 1, 1, Map.of(),
        false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Map<String, Object> client(String mechanism, String user, String password) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 8000);
    config.put(SaslConfigs.SASL_MECHANISM, mechanism);
    String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    config.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + user + "\" password=\"" + password
        + "\";");
    return config;
  }

  private static Admin admin() {
    return Admin.create(client("SCRAM-SHA-512", "admin", "admin-secret"));
  }

  private static String clusterIdAs(Map<String, Object> config) throws Exception {
    try (Admin admin = Admin.create(config)) {
      return admin.describeCluster().clusterId().get(15, TimeUnit.SECONDS);
    }
  }

  private static void assertLogsIn(String mechanism, String user, String password) throws Exception {
    assertFalse(clusterIdAs(client(mechanism, user, password)).isEmpty());
  }

  private static void assertRefused(String mechanism, String user, String password) {
    ExecutionException failed = assertThrows(ExecutionException.class,
        () -> clusterIdAs(client(mechanism, user, password)));
    assertInstanceOf(SaslAuthenticationException.class, failed.getCause(), failed.getCause().toString());
  }

  private static UserScramCredentialUpsertion upsert(String user, ScramMechanism mechanism, int iterations,
      String password) {
    return new UserScramCredentialUpsertion(user, new ScramCredentialInfo(mechanism, iterations), password);
  }

  private static void alter(UserScramCredentialAlteration... alterations) throws Exception {
    try (Admin admin = admin()) {
      admin.alterUserScramCredentials(List.of(alterations)).all().get(15, TimeUnit.SECONDS);
    }
  }

  /** The exception the alteration of {@code user} failed with. */
  private static Throwable alterationFailure(String user, UserScramCredentialAlteration... alterations) {
    try (Admin admin = admin()) {
      KafkaFuture<Void> outcome = admin.alterUserScramCredentials(List.of(alterations)).values().get(user);
      return assertThrows(ExecutionException.class, () -> outcome.get(15, TimeUnit.SECONDS)).getCause();
    }
  }

  @Test
  void aUserCreatedWithAlterUserScramCredentialsProducesAndConsumesOverScramSha512() throws Exception {
    alter(upsert("carol", ScramMechanism.SCRAM_SHA_512, 8192, "carol-secret"));

    KafkaSaslSslEndToEndTest.assertProducedAndConsumed(client("SCRAM-SHA-512", "carol", "carol-secret"),
        client("SCRAM-SHA-512", "carol", "carol-secret"), "users-topic", List.of("c0", "c1"));
    assertLogsIn("PLAIN", "carol", "carol-secret");
    // Only SCRAM-SHA-512 was set.
    assertRefused("SCRAM-SHA-256", "carol", "carol-secret");
  }

  @Test
  void aNewPasswordReplacesTheOldOneForEveryMechanism() throws Exception {
    alter(upsert("dave", ScramMechanism.SCRAM_SHA_512, 4096, "dave-old"));
    assertLogsIn("SCRAM-SHA-512", "dave", "dave-old");
    assertLogsIn("PLAIN", "dave", "dave-old");

    alter(upsert("dave", ScramMechanism.SCRAM_SHA_512, 4096, "dave-new"));

    assertRefused("SCRAM-SHA-512", "dave", "dave-old");
    assertRefused("PLAIN", "dave", "dave-old");
    assertLogsIn("SCRAM-SHA-512", "dave", "dave-new");
    assertLogsIn("PLAIN", "dave", "dave-new");
  }

  @Test
  void aDeletedUserCanNoLongerLogIn() throws Exception {
    alter(upsert("erin", ScramMechanism.SCRAM_SHA_512, 4096, "erin-secret"));
    assertLogsIn("SCRAM-SHA-512", "erin", "erin-secret");

    alter(new UserScramCredentialDeletion("erin", ScramMechanism.SCRAM_SHA_512));

    assertRefused("SCRAM-SHA-512", "erin", "erin-secret");
    assertRefused("PLAIN", "erin", "erin-secret");
    try (Admin admin = admin()) {
      KafkaFuture<UserScramCredentialsDescription> described =
          admin.describeUserScramCredentials(List.of("erin")).description("erin");
      assertInstanceOf(ResourceNotFoundException.class,
          assertThrows(ExecutionException.class, () -> described.get(15, TimeUnit.SECONDS)).getCause());
    }
  }

  @Test
  void describeListsEveryUserWithItsMechanismsAndIterations() throws Exception {
    alter(upsert("fred", ScramMechanism.SCRAM_SHA_256, 10_000, "fred-secret"));
    alter(upsert("fred", ScramMechanism.SCRAM_SHA_512, 16_384, "fred-secret"));
    try (Admin admin = admin()) {
      Map<String, UserScramCredentialsDescription> all =
          admin.describeUserScramCredentials().all().get(15, TimeUnit.SECONDS);
      assertTrue(all.containsKey("admin"), all.toString());
      assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 10_000),
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 16_384)), all.get("fred").credentialInfos());
      // Configured users get both mechanisms, with skein.security.sasl.scram-iterations.
      assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096),
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)), all.get("admin").credentialInfos());

      Map<String, UserScramCredentialsDescription> named =
          admin.describeUserScramCredentials(List.of("fred")).all().get(15, TimeUnit.SECONDS);
      assertEquals(all.get("fred"), named.get("fred"));
      KafkaFuture<UserScramCredentialsDescription> unknown =
          admin.describeUserScramCredentials(List.of("nobody")).description("nobody");
      assertInstanceOf(ResourceNotFoundException.class,
          assertThrows(ExecutionException.class, () -> unknown.get(15, TimeUnit.SECONDS)).getCause());
    }
    assertLogsIn("SCRAM-SHA-256", "fred", "fred-secret");
  }

  @Test
  void badAlterationsGetKafkasErrorsPerUserAndChangeNothing() throws Exception {
    assertInstanceOf(UnacceptableCredentialException.class,
        alterationFailure("gina", upsert("gina", ScramMechanism.SCRAM_SHA_512, 4095, "gina-secret")));
    assertInstanceOf(UnacceptableCredentialException.class,
        alterationFailure("gina", upsert("gina", ScramMechanism.SCRAM_SHA_512, 16_385, "gina-secret")));
    assertInstanceOf(DuplicateResourceException.class, alterationFailure("gina",
        upsert("gina", ScramMechanism.SCRAM_SHA_512, 4096, "gina-secret"),
        upsert("gina", ScramMechanism.SCRAM_SHA_256, 4096, "gina-secret")));
    assertInstanceOf(ResourceNotFoundException.class,
        alterationFailure("gina", new UserScramCredentialDeletion("gina", ScramMechanism.SCRAM_SHA_256)));
    assertRefused("SCRAM-SHA-512", "gina", "gina-secret");

    // One user's refusal leaves another's change in the same request to be made.
    try (Admin admin = admin()) {
      Map<String, KafkaFuture<Void>> outcome = admin.alterUserScramCredentials(List.of(
          upsert("hank", ScramMechanism.SCRAM_SHA_512, 4096, "hank-secret"),
          new UserScramCredentialDeletion("ivan", ScramMechanism.SCRAM_SHA_512))).values();
      outcome.get("hank").get(15, TimeUnit.SECONDS);
      assertInstanceOf(ResourceNotFoundException.class,
          assertThrows(ExecutionException.class, () -> outcome.get("ivan").get(15, TimeUnit.SECONDS)).getCause());
    }
    assertLogsIn("SCRAM-SHA-512", "hank", "hank-secret");
  }

  @Test
  void usersSurviveARestartAndADeletedConfiguredUserIsNotCreatedAgain() throws Exception {
    alter(upsert("judy", ScramMechanism.SCRAM_SHA_512, 4096, "judy-secret"));
    assertLogsIn("SCRAM-SHA-512", "seeded", "seeded-secret");
    alter(new UserScramCredentialDeletion("seeded", ScramMechanism.SCRAM_SHA_512));
    alter(new UserScramCredentialDeletion("seeded", ScramMechanism.SCRAM_SHA_256));

    broker.restart();

    assertLogsIn("SCRAM-SHA-512", "judy", "judy-secret");
    assertRefused("SCRAM-SHA-512", "seeded", "seeded-secret");
    assertLogsIn("SCRAM-SHA-512", "admin", "admin-secret");
  }

  @Test
  void aBrokerThatAuthenticatesButHasNoUserAtAllRefusesToStart() {
    ConfigException refused = assertThrows(ConfigException.class, () -> TestBroker.start(
        Map.of("skein.kafka.security-protocol", "SASL_PLAINTEXT")).close());
    assertTrue(refused.getMessage().contains("the cluster has no user"), refused.getMessage());
  }

  /**
   * Kafka's own kafka-configs (ConfigCommand) manages SCRAM users, client quotas and topic
   * configs here as on Kafka: the user it adds logs in, describing shows the mechanism and
   * iterations (never the password), and deleting the credential ends the logins.
   */
  @Test
  void kafkaConfigsAddsDescribesAndDeletesScramUsersQuotasAndTopicConfigs(@TempDir Path configDir) throws Exception {
    Path commandConfig = configDir.resolve("admin.properties");
    Files.writeString(commandConfig, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
        + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
        + " username=\"admin\" password=\"admin-secret\";\n", StandardCharsets.UTF_8);
    List<String> connection = List.of("--bootstrap-server", broker.kafkaBootstrap(), "--command-config",
        commandConfig.toString());

    kafkaConfigs(connection, "--alter", "--entity-type", "users", "--entity-name", "configs-user",
        "--add-config", "SCRAM-SHA-512=[iterations=8192,password=configs-secret]");
    assertLogsIn("SCRAM-SHA-512", "configs-user", "configs-secret");
    String users = kafkaConfigs(connection, "--describe", "--entity-type", "users", "--entity-name", "configs-user");
    assertTrue(users.contains("SCRAM-SHA-512=iterations=8192"), users);
    assertFalse(users.contains("configs-secret"), users);

    kafkaConfigs(connection, "--alter", "--entity-type", "users", "--entity-name", "configs-user",
        "--add-config", "producer_byte_rate=1048576,consumer_byte_rate=2097152");
    String quotas = kafkaConfigs(connection, "--describe", "--entity-type", "users", "--entity-name", "configs-user");
    assertTrue(quotas.contains("producer_byte_rate=1048576.0") && quotas.contains("consumer_byte_rate=2097152.0"),
        quotas);

    kafkaConfigs(connection, "--alter", "--entity-type", "topics", "--entity-name", "users-topic",
        "--add-config", "retention.ms=3600000");
    String topic = kafkaConfigs(connection, "--describe", "--entity-type", "topics", "--entity-name", "users-topic");
    assertTrue(topic.contains("retention.ms=3600000"), topic);

    kafkaConfigs(connection, "--alter", "--entity-type", "users", "--entity-name", "configs-user",
        "--delete-config", "SCRAM-SHA-512");
    assertRefused("SCRAM-SHA-512", "configs-user", "configs-secret");
  }

  private static String kafkaConfigs(List<String> connection, String... args) {
    List<String> all = new ArrayList<>(connection);
    all.addAll(List.of(args));
    return KafkaCommandLineToolsTest.run("kafka-configs", ConfigCommand::main, "", all.toArray(String[]::new));
  }
}
