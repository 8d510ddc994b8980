package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.server.TestBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.tools.AclCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACLs on the Kafka listener with the ACL authorizer on, over SASL_PLAINTEXT with SCRAM users:
 * kafka-clients' Admin and Kafka's own kafka-acls create, describe and delete them; only a
 * principal with ALTER (DESCRIBE) on the cluster may change (see) them, and bad bindings get
 * INVALID_REQUEST while the good ones of the same request are stored.
 */
class KafkaAclsTest {

  private static final long WAIT_SECONDS = 15;

  private static TestBroker broker;

  @TempDir
  static Path configDir;

  @BeforeAll
  static void start() throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("skein.kafka.security-protocol", "SASL_PLAINTEXT");
    config.put("skein.security.sasl.users.admin", "admin-secret");
    config.put("skein.security.sasl.users.alice", "alice-secret");
    config.put("skein.security.sasl.users.bob", "bob-secret");
    config.put("skein.security.authorizer", "acl");
    config.put("skein.security.super-users", List.of("User:admin"));
    broker = TestBroker.start(config);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  static Map<String, Object> client(String user) {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 8000);
    config.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
    config.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required"
        + " username=\"" + user + "\" password=\"" + user + "-secret\";");
    return config;
  }

  private static AclBinding binding(ResourceType type, String name, PatternType pattern, String principal,
      AclOperation operation, AclPermissionType permission) {
    return new AclBinding(new ResourcePattern(type, name, pattern),
        new AccessControlEntry(principal, "*", operation, permission));
  }

  private static AclBindingFilter topicFilter(String name) {
    return new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, name, PatternType.ANY),
        AccessControlEntryFilter.ANY);
  }

  private static Collection<AclBinding> describe(Admin admin, AclBindingFilter filter) throws Exception {
    return admin.describeAcls(filter).values().get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private static Throwable failure(KafkaFuture<?> future) {
    return assertThrows(ExecutionException.class, () -> future.get(WAIT_SECONDS, TimeUnit.SECONDS)).getCause();
  }

  @Test
  void aclsCreatedWithAdminAreDescribedAndDeletedByFilter() throws Exception {
    AclBinding aliceReads = binding(ResourceType.TOPIC, "admin-orders", PatternType.LITERAL, "User:alice",
        AclOperation.READ, AclPermissionType.ALLOW);
    AclBinding bobDenied = binding(ResourceType.TOPIC, "admin-orders", PatternType.LITERAL, "User:bob",
        AclOperation.WRITE, AclPermissionType.DENY);
    AclBinding prefixed = binding(ResourceType.TOPIC, "admin-", PatternType.PREFIXED, "User:alice",
        AclOperation.DESCRIBE, AclPermissionType.ALLOW);
    AclBinding group = binding(ResourceType.GROUP, "admin-group", PatternType.LITERAL, "User:alice",
        AclOperation.READ, AclPermissionType.ALLOW);
    try (Admin admin = Admin.create(client("admin"))) {
      admin.createAcls(List.of(aliceReads, bobDenied, prefixed, group)).all().get(WAIT_SECONDS, TimeUnit.SECONDS);

      assertEquals(Set.of(aliceReads, bobDenied), Set.copyOf(describe(admin, topicFilter("admin-orders"))));
      AclBindingFilter matching = new AclBindingFilter(
          new ResourcePatternFilter(ResourceType.TOPIC, "admin-orders", PatternType.MATCH), AccessControlEntryFilter.ANY);
      assertEquals(Set.of(aliceReads, bobDenied, prefixed), Set.copyOf(describe(admin, matching)));
      assertTrue(describe(admin, AclBindingFilter.ANY).contains(group));

      AclBindingFilter bobsDenials = new AclBindingFilter(
          new ResourcePatternFilter(ResourceType.ANY, "admin-orders", PatternType.LITERAL),
          new AccessControlEntryFilter("User:bob", null, AclOperation.ANY, AclPermissionType.DENY));
      Collection<AclBinding> deleted = admin.deleteAcls(List.of(bobsDenials)).all()
          .get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(List.of(bobDenied), List.copyOf(deleted));
      assertEquals(Set.of(aliceReads), Set.copyOf(describe(admin, topicFilter("admin-orders"))));
    }
  }

  @Test
  void badBindingsAreRefusedWithInvalidRequestAndTheGoodOnesStored() throws Exception {
    AclBinding good = binding(ResourceType.TOPIC, "bad-bindings", PatternType.LITERAL, "User:alice",
        AclOperation.WRITE, AclPermissionType.ALLOW);
    AclBinding wrongClusterName = binding(ResourceType.CLUSTER, "not-the-cluster", PatternType.LITERAL,
        "User:alice", AclOperation.ALTER, AclPermissionType.ALLOW);
    AclBinding noPrincipalType = binding(ResourceType.TOPIC, "bad-bindings", PatternType.LITERAL, "alice",
        AclOperation.READ, AclPermissionType.ALLOW);
    try (Admin admin = Admin.create(client("admin"))) {
      Map<AclBinding, KafkaFuture<Void>> outcome =
          admin.createAcls(List.of(wrongClusterName, good, noPrincipalType)).values();
      outcome.get(good).get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertInstanceOf(InvalidRequestException.class, failure(outcome.get(wrongClusterName)));
      assertInstanceOf(InvalidRequestException.class, failure(outcome.get(noPrincipalType)));
      assertEquals(List.of(good), List.copyOf(describe(admin, topicFilter("bad-bindings"))));
    }
  }

  @Test
  void onlyAPrincipalAllowedOnTheClusterManagesAcls() throws Exception {
    AclBinding attempt = binding(ResourceType.TOPIC, "managed", PatternType.LITERAL, "User:bob",
        AclOperation.ALL, AclPermissionType.ALLOW);
    try (Admin alice = Admin.create(client("alice"))) {
      assertInstanceOf(ClusterAuthorizationException.class, failure(alice.createAcls(List.of(attempt)).all()));
      assertInstanceOf(ClusterAuthorizationException.class, failure(alice.describeAcls(AclBindingFilter.ANY).values()));
      assertInstanceOf(ClusterAuthorizationException.class,
          failure(alice.deleteAcls(List.of(AclBindingFilter.ANY)).all()));
    }
    try (Admin admin = Admin.create(client("admin"))) {
      assertEquals(List.of(), List.copyOf(describe(admin, topicFilter("managed"))));
      admin.createAcls(List.of(binding(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, "User:alice",
          AclOperation.DESCRIBE, AclPermissionType.ALLOW))).all().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
    try (Admin alice = Admin.create(client("alice"))) {
      assertTrue(describe(alice, AclBindingFilter.ANY).size() > 0);
      assertInstanceOf(ClusterAuthorizationException.class, failure(alice.createAcls(List.of(attempt)).all()));
    }
  }

  @Test
  void kafkaAclsAddsListsAndRemoves() throws Exception {
    Path commandConfig = configDir.resolve("admin.properties");
    Files.writeString(commandConfig, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
        + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
        + " username=\"admin\" password=\"admin-secret\";\n", StandardCharsets.UTF_8);
    String[] connection = {"--bootstrap-server", broker.kafkaBootstrap(), "--command-config", commandConfig.toString()};

    KafkaCommandLineToolsTest.run("kafka-acls", AclCommand::main, "", concat(connection, "--add",
        "--allow-principal", "User:alice", "--operation", "Read", "--operation", "Write", "--topic", "cli-orders"));
    KafkaCommandLineToolsTest.run("kafka-acls", AclCommand::main, "", concat(connection, "--add",
        "--deny-principal", "User:bob", "--operation", "All", "--topic", "cli-", "--resource-pattern-type",
        "prefixed"));

    String listed = KafkaCommandLineToolsTest.run("kafka-acls", AclCommand::main, "",
        concat(connection, "--list", "--topic", "cli-orders"));
    assertTrue(listed.contains("ResourcePattern(resourceType=TOPIC, name=cli-orders, patternType=LITERAL)"), listed);
    assertTrue(listed.contains("(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)"), listed);
    assertTrue(listed.contains("(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)"), listed);
    try (Admin admin = Admin.create(client("admin"))) {
      AclBindingFilter prefixed = new AclBindingFilter(
          new ResourcePatternFilter(ResourceType.TOPIC, "cli-", PatternType.PREFIXED), AccessControlEntryFilter.ANY);
      assertEquals(List.of(binding(ResourceType.TOPIC, "cli-", PatternType.PREFIXED, "User:bob", AclOperation.ALL,
          AclPermissionType.DENY)), List.copyOf(describe(admin, prefixed)));
    }

    KafkaCommandLineToolsTest.run("kafka-acls", AclCommand::main, "", concat(connection, "--remove", "--force",
        "--allow-principal", "User:alice", "--operation", "Write", "--topic", "cli-orders"));
    try (Admin admin = Admin.create(client("admin"))) {
      assertEquals(List.of(binding(ResourceType.TOPIC, "cli-orders", PatternType.LITERAL, "User:alice",
          AclOperation.READ, AclPermissionType.ALLOW)), List.copyOf(describe(admin, topicFilter("cli-orders"))));
    }
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = new String[first.length + rest.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }
}
