package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.ChannelFactory;
import io.skein.server.TestBroker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code skein acls} end to end over gRPC with Basic credentials, against a broker with the ACL
 * authorizer, the super user admin and the SCRAM users alice and bob: ACLs it adds are listed by
 * it and by Kafka's Admin API over the SASL_PLAINTEXT Kafka listener, and take effect (alice's
 * topic listing); removed ones are gone; --producer and --consumer add Kafka's role ACLs; a
 * caller without the cluster's DESCRIBE or ALTER exits 1 with CLUSTER_AUTHORIZATION_FAILED, a binding
 * the broker refuses with its INVALID_REQUEST, and misuse exits 2; neither changes anything.
 */
class AclsCommandTest {

  private static final String TOPIC = "acl-orders";

  private static TestBroker broker;
  private String out;
  private String err;

  @BeforeAll
  static void start() throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put("skein.kafka.security-protocol", "SASL_PLAINTEXT");
    config.put("skein.grpc.authentication", "basic");
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

  /** {@code skein COMMAND ARGS} as {@code user} (password {@code user-secret}). */
  private int run(String user, String command, String... args) {
    List<String> line = new ArrayList<>(List.of(command, "--bootstrap-server", broker.bootstrap(), "--timeout", "10",
        "--user", user, "--password", user + "-secret"));
    line.addAll(List.of(args));
    CliRun run = CliRun.of(ChannelFactory.plaintext(), "", line.toArray(String[]::new));
    out = run.out();
    err = run.err();
    return run.exitCode();
  }

  private int acls(String... args) {
    return run("admin", "acls", args);
  }

  /** The ACL as the command prints it. */
  private static String line(String type, String name, String pattern, String principal, String host,
      String operation, String permission) {
    return "ResourcePattern(resourceType=" + type + ", name=" + name + ", patternType=" + pattern + ")\t(principal="
        + principal + ", host=" + host + ", operation=" + operation + ", permissionType=" + permission + ")";
  }

  private static String topicAcl(String principal, String operation) {
    return line("TOPIC", TOPIC, "LITERAL", principal, "*", operation, "ALLOW");
  }

  private static Set<String> prefixed(String prefix, Set<String> lines) {
    return lines.stream().map(line -> prefix + line).collect(Collectors.toSet());
  }

  /** The printed lines, asserting that they are sorted. */
  private Set<String> outLines() {
    List<String> lines = out.lines().toList();
    assertEquals(lines.stream().sorted().toList(), lines, "sorted");
    return Set.copyOf(lines);
  }

  private static AclBinding kafkaAcl(ResourceType type, String name, PatternType pattern, String principal,
      String host, AclOperation operation, AclPermissionType permission) {
    return new AclBinding(new ResourcePattern(type, name, pattern),
        new AccessControlEntry(principal, host, operation, permission));
  }

  /** The ACLs on the topic and the prefix acl- as kafka-clients' Admin describes them on the Kafka listener. */
  private static Set<AclBinding> kafkaDescribe() throws Exception {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.kafkaBootstrap());
    config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    config.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512");
    config.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required"
        + " username=\"admin\" password=\"admin-secret\";");
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 8000);
    try (Admin admin = Admin.create(config)) {
      return admin.describeAcls(AclBindingFilter.ANY).values().get(15, TimeUnit.SECONDS).stream()
          .filter(acl -> Set.of(TOPIC, "acl-").contains(acl.pattern().name())).collect(Collectors.toSet());
    }
  }

  /** Whether alice's topic listing over gRPC shows the topic: whether she may describe it. */
  private boolean aliceSeesTopic() {
    assertEquals(0, run("alice", "topics", "--list"), err);
    return out.lines().anyMatch(TOPIC::equals);
  }

  @Test
  void aclsAreAddedListedOnBothApisTakeEffectAndAreRemoved() throws Exception {
    assertEquals(0, run("admin", "topics", "--create", "--topic", TOPIC, "--partitions", "1",
        "--replication-factor", "1"), err);
    assertFalse(aliceSeesTopic());

    assertEquals(0, acls("--add", "--allow-principal", "User:alice", "--operation", "Read", "--operation", "Describe",
        "--topic", TOPIC), err);
    assertEquals("Added " + topicAcl("User:alice", "READ") + "\nAdded " + topicAcl("User:alice", "DESCRIBE") + "\n",
        out);
    assertEquals(0, acls("--add", "--deny-principal", "User:bob", "--deny-host", "10.0.0.7", "--operation", "WRITE",
        "--topic", TOPIC), err);
    assertEquals(0, acls("--add", "--allow-principal", "User:alice", "--resource-pattern-type", "prefixed",
        "--topic", "acl-"), err);
    assertEquals(Set.of("Added " + line("TOPIC", "acl-", "PREFIXED", "User:alice", "*", "ALL", "ALLOW")), outLines());
    assertTrue(aliceSeesTopic());

    String bobDenied = line("TOPIC", TOPIC, "LITERAL", "User:bob", "10.0.0.7", "WRITE", "DENY");
    String alicePrefixed = line("TOPIC", "acl-", "PREFIXED", "User:alice", "*", "ALL", "ALLOW");
    assertEquals(0, acls("--list", "--topic", TOPIC), err);
    assertEquals(Set.of(topicAcl("User:alice", "READ"), topicAcl("User:alice", "DESCRIBE"), bobDenied), outLines());
    assertEquals(0, acls("--list", "--topic", TOPIC, "--resource-pattern-type", "match"), err);
    assertEquals(Set.of(topicAcl("User:alice", "READ"), topicAcl("User:alice", "DESCRIBE"), bobDenied,
        alicePrefixed), outLines());
    assertEquals(0, acls("--list", "--principal", "User:bob"), err);
    assertEquals(Set.of(bobDenied), outLines());
    assertEquals(0, acls("--list"), err);
    assertTrue(outLines().containsAll(Set.of(topicAcl("User:alice", "READ"), bobDenied, alicePrefixed)), out);
    assertEquals(Set.of(
            kafkaAcl(ResourceType.TOPIC, TOPIC, PatternType.LITERAL, "User:alice", "*", AclOperation.READ,
                AclPermissionType.ALLOW),
            kafkaAcl(ResourceType.TOPIC, TOPIC, PatternType.LITERAL, "User:alice", "*", AclOperation.DESCRIBE,
                AclPermissionType.ALLOW),
            kafkaAcl(ResourceType.TOPIC, TOPIC, PatternType.LITERAL, "User:bob", "10.0.0.7", AclOperation.WRITE,
                AclPermissionType.DENY),
            kafkaAcl(ResourceType.TOPIC, "acl-", PatternType.PREFIXED, "User:alice", "*", AclOperation.ALL,
                AclPermissionType.ALLOW)),
        kafkaDescribe());

    assertEquals(0, acls("--remove", "--allow-principal", "User:alice", "--operation", "Describe", "--topic", TOPIC),
        err);
    assertEquals("Removed " + topicAcl("User:alice", "DESCRIBE") + "\n", out);
    assertEquals(0, acls("--remove", "--topic", TOPIC), err);
    assertEquals(prefixed("Removed ", Set.of(topicAcl("User:alice", "READ"), bobDenied)), outLines());
    assertTrue(aliceSeesTopic(), "the prefixed ACL still holds");
    assertEquals(0, acls("--remove", "--topic", "acl-", "--resource-pattern-type", "PREFIXED"), err);
    assertEquals("Removed " + alicePrefixed + "\n", out);
    assertFalse(aliceSeesTopic());

    assertEquals(0, acls("--list", "--topic", TOPIC, "--resource-pattern-type", "match"), err);
    assertEquals("", out);
    assertEquals(Set.of(), kafkaDescribe());
    assertEquals(0, acls("--remove", "--topic", TOPIC), err);
    assertEquals("No ACL matched; nothing removed.\n", out);
  }

  @Test
  void producerAndConsumerAreTheOperationsOfTheirRoles() throws Exception {
    assertEquals(0, acls("--add", "--producer", "--idempotent", "--consumer", "--allow-principal", "User:carol",
        "--allow-host", "10.0.0.8", "--topic", "acl-events", "--transactional-id", "acl-tx", "--group", "acl-app"),
        err);
    Set<String> carols = Set.of(
        line("TOPIC", "acl-events", "LITERAL", "User:carol", "10.0.0.8", "WRITE", "ALLOW"),
        line("TOPIC", "acl-events", "LITERAL", "User:carol", "10.0.0.8", "CREATE", "ALLOW"),
        line("TOPIC", "acl-events", "LITERAL", "User:carol", "10.0.0.8", "DESCRIBE", "ALLOW"),
        line("TOPIC", "acl-events", "LITERAL", "User:carol", "10.0.0.8", "READ", "ALLOW"),
        line("TRANSACTIONAL_ID", "acl-tx", "LITERAL", "User:carol", "10.0.0.8", "WRITE", "ALLOW"),
        line("TRANSACTIONAL_ID", "acl-tx", "LITERAL", "User:carol", "10.0.0.8", "DESCRIBE", "ALLOW"),
        line("CLUSTER", "kafka-cluster", "LITERAL", "User:carol", "10.0.0.8", "IDEMPOTENT_WRITE", "ALLOW"),
        line("GROUP", "acl-app", "LITERAL", "User:carol", "10.0.0.8", "READ", "ALLOW"));
    assertEquals(prefixed("Added ", carols), Set.copyOf(out.lines().toList()));
    assertEquals(0, acls("--list", "--principal", "User:carol"), err);
    assertEquals(carols, outLines());

    assertEquals(0, acls("--remove", "--producer", "--idempotent", "--allow-principal", "User:carol",
        "--allow-host", "10.0.0.8", "--topic", "acl-events", "--transactional-id", "acl-tx"), err);
    assertEquals(6, out.lines().count(), out);
    // As with kafka-acls, the producer's DESCRIBE on the topic was the consumer's too.
    assertEquals(0, acls("--list", "--principal", "User:carol"), err);
    assertEquals(Set.of(line("TOPIC", "acl-events", "LITERAL", "User:carol", "10.0.0.8", "READ", "ALLOW"),
        line("GROUP", "acl-app", "LITERAL", "User:carol", "10.0.0.8", "READ", "ALLOW")), outLines());
    assertEquals(0, acls("--remove", "--consumer", "--allow-principal", "User:carol", "--allow-host", "10.0.0.8",
        "--topic", "acl-events", "--group", "acl-app"), err);
    assertEquals(2, out.lines().count(), out);

    assertEquals(0, acls("--add", "--allow-principal", "User:carol", "--operation", "DescribeConfigs",
        "--operation", "alter_configs", "--cluster"), err);
    assertEquals(0, acls("--list", "--cluster"), err);
    assertEquals(Set.of(line("CLUSTER", "kafka-cluster", "LITERAL", "User:carol", "*", "DESCRIBE_CONFIGS", "ALLOW"),
        line("CLUSTER", "kafka-cluster", "LITERAL", "User:carol", "*", "ALTER_CONFIGS", "ALLOW")), outLines());
    assertEquals(0, acls("--remove", "--cluster"), err);
    assertEquals(2, out.lines().count(), out);
  }

  @Test
  void aCallerWithoutTheClustersDescribeOrAlterIsRefused() {
    assertEquals(1, run("alice", "acls", "--list"));
    assertTrue(err.contains("CLUSTER_AUTHORIZATION_FAILED"), err);
    assertEquals(1, err.lines().count(), err);
    assertEquals(1, run("alice", "acls", "--add", "--allow-principal", "User:alice", "--operation", "Alter",
        "--cluster"));
    assertTrue(err.contains("CLUSTER_AUTHORIZATION_FAILED"), err);

    assertEquals(0, acls("--add", "--allow-principal", "User:alice", "--operation", "Describe", "--cluster"), err);
    assertEquals(0, run("alice", "acls", "--list", "--cluster"), err);
    assertEquals(Set.of(line("CLUSTER", "kafka-cluster", "LITERAL", "User:alice", "*", "DESCRIBE", "ALLOW")),
        outLines());
    assertEquals(1, run("alice", "acls", "--remove", "--cluster"));
    assertTrue(err.contains("CLUSTER_AUTHORIZATION_FAILED"), err);

    assertEquals(0, acls("--remove", "--allow-principal", "User:alice", "--operation", "Describe", "--cluster"), err);
    assertEquals(1, run("alice", "acls", "--list"));
    assertTrue(err.contains("CLUSTER_AUTHORIZATION_FAILED"), err);
  }

  private void assertUsageError(String expectedMessage, String... args) {
    assertEquals(2, acls(args), "exit code of " + String.join(" ", args) + "; stderr: " + err);
    assertTrue(err.startsWith("Error: ") && err.contains(expectedMessage),
        "stderr should mention '" + expectedMessage + "': " + err);
  }

  @Test
  void misuseIsAUsageErrorABadBindingTheBrokersErrorAndNeitherChangesAnything() {
    assertUsageError("Missing required argument", "--topic", "acl-misuse");
    assertUsageError("mutually exclusive", "--list", "--add");
    assertUsageError("--list takes resources and --principal only", "--list", "--allow-principal", "User:alice");
    assertUsageError("--principal goes with --list", "--add", "--principal", "User:alice", "--topic", "acl-misuse");
    assertUsageError("--add needs --allow-principal or --deny-principal", "--add", "--topic", "acl-misuse");
    assertUsageError("--add needs a resource", "--add", "--allow-principal", "User:alice");
    assertUsageError("--remove needs a resource", "--remove", "--allow-principal", "User:alice");
    assertUsageError("MATCH is a filter: --add takes LITERAL or PREFIXED", "--add", "--allow-principal", "User:alice",
        "--topic", "acl-misuse", "--resource-pattern-type", "match");
    assertUsageError("--resource-pattern-type must be", "--list", "--resource-pattern-type", "glob");
    assertUsageError("unknown --operation Fly", "--add", "--allow-principal", "User:alice", "--operation", "Fly",
        "--topic", "acl-misuse");
    assertUsageError("ResourceType GROUP only supports operations", "--add", "--allow-principal", "User:alice",
        "--operation", "Write", "--group", "acl-misuse");
    assertUsageError("a principal is TYPE:NAME", "--add", "--allow-principal", "alice", "--topic", "acl-misuse");
    assertUsageError("--allow-host goes with --allow-principal", "--add", "--allow-host", "10.0.0.1",
        "--deny-principal", "User:alice", "--topic", "acl-misuse");
    assertUsageError("--operation needs --allow-principal", "--remove", "--operation", "Read", "--topic",
        "acl-misuse");
    assertUsageError("--producer needs --topic", "--add", "--producer", "--allow-principal", "User:alice",
        "--transactional-id", "acl-misuse");
    assertUsageError("--consumer needs --topic and --group", "--add", "--consumer", "--allow-principal",
        "User:alice", "--topic", "acl-misuse");
    assertUsageError("no --operation or --deny-principal", "--add", "--producer", "--allow-principal", "User:alice",
        "--operation", "Read", "--topic", "acl-misuse");
    assertUsageError("--idempotent goes with --producer", "--add", "--allow-principal", "User:alice", "--idempotent",
        "--topic", "acl-misuse");

    assertEquals(1, acls("--add", "--allow-principal", "User:alice", "--allow-host", "", "--topic", "acl-misuse"));
    assertTrue(err.contains("INVALID_REQUEST") && err.contains("empty host"), err);

    assertEquals(0, acls("--list", "--topic", "acl-misuse", "--group", "acl-misuse", "--transactional-id",
        "acl-misuse", "--resource-pattern-type", "any"), err);
    assertEquals("", out);
  }
}
