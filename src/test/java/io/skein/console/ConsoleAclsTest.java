package io.skein.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.skein.broker.Caller;
import io.skein.security.Acl;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.PatternType;
import io.skein.security.Acl.Permission;
import io.skein.security.Acl.ResourceType;
import io.skein.server.TestBroker;
import io.skein.testing.FreePorts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console with the ACL authorizer: its calls are the logged-in user's. Alice may do
 * everything on the topics named {@code shown-*}; no ACL names {@code hidden}; admin is a super
 * user. Alice's topic list leaves out what she may not describe, and reading, charting or
 * creating a topic she may not touch is refused with 403 and Kafka's error name.
 */
class ConsoleAclsTest {

  private static TestBroker broker;
  private static ConsoleHttp http;

  @BeforeAll
  static void start() throws Exception {
    int port = FreePorts.on("127.0.0.1");
    broker = TestBroker.start(Map.of("skein.management.enabled", true, "akka.management.http.hostname", "127.0.0.1",
        "akka.management.http.port", port, "skein.grpc.authentication", "basic",
        "skein.security.sasl.users.alice", "alice-secret", "skein.security.sasl.users.admin", "admin-secret",
        "skein.security.authorizer", "acl", "skein.security.super-users", List.of("User:admin")));
    broker.node().broker().acls().create(Caller.BROKER, List.of(new Acl(ResourceType.TOPIC, "shown-",
        PatternType.PREFIXED, "User:alice", "*", Operation.ALL, Permission.ALLOW)))
        .toCompletableFuture().get(20, TimeUnit.SECONDS);
    for (String topic : List.of("shown-a", "hidden")) {
      broker.node().broker().topics().createTopic(Caller.BROKER, topic, 1, 1, Map.of(), false).toCompletableFuture()
          .get(20, TimeUnit.SECONDS);
    }
    http = new ConsoleHttp(port);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static ConsoleHttp as(String user, String password) {
    ConsoleHttp.Answer answer = http.post("/console/api/login",
        "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}");
    assertEquals(200, answer.status(), answer.body());
    String setCookie = answer.headers().firstValue("Set-Cookie").orElseThrow();
    return http.withCookie(setCookie.substring(0, setCookie.indexOf(';')));
  }

  private static List<String> topicNames(ConsoleHttp session) {
    ConsoleHttp.Answer topics = session.get("/console/api/topics");
    assertEquals(200, topics.status(), topics.body());
    List<String> names = new ArrayList<>();
    for (JsonNode topic : topics.json()) {
      names.add(topic.get("name").asText());
    }
    return names;
  }

  private static void assertRefused(ConsoleHttp.Answer answer) {
    assertEquals(403, answer.status(), answer.body());
    assertEquals("TOPIC_AUTHORIZATION_FAILED", answer.json().get("error").asText(), answer.body());
  }

  @Test
  void aUserSeesAndChangesOnlyTheTopicsItsAclsAllow() {
    ConsoleHttp alice = as("alice", "alice-secret");
    assertEquals(List.of("shown-a"), topicNames(alice));
    assertEquals(200, alice.get("/console/api/topics/shown-a").status());
    assertRefused(alice.get("/console/api/topics/hidden"));
    assertRefused(alice.get("/console/api/topics/hidden/history"));
    assertRefused(alice.post("/console/api/topics", "{\"name\":\"other\",\"partitions\":1,\"replicationFactor\":1}"));
    ConsoleHttp.Answer created =
        alice.post("/console/api/topics", "{\"name\":\"shown-b\",\"partitions\":1,\"replicationFactor\":1}");
    assertEquals(201, created.status(), created.body());
    assertEquals(List.of("shown-a", "shown-b"), topicNames(alice), "and the broker still serves her");

    assertEquals(List.of("hidden", "shown-a", "shown-b"), topicNames(as("admin", "admin-secret")),
        "a super user sees everything");
  }
}
