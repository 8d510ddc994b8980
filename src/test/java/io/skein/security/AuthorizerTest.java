package io.skein.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.security.Acl.Operation;
import io.skein.security.Acl.PatternType;
import io.skein.security.Acl.Permission;
import io.skein.security.Acl.ResourceType;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Kafka's authorization rules, case by case, and for implied operations over every operation. */
class AuthorizerTest {

  private static final Principal ALICE = Principal.user("alice");
  private static final Principal BOB = Principal.user("bob");
  private static final String HOST = "127.0.0.1";
  private static final AuthorizerSettings ACLS = new AuthorizerSettings(true, Set.of("User:admin"), false);

  private static Acl topic(String name, PatternType pattern, String principal, String host, Operation operation,
      Permission permission) {
    return new Acl(ResourceType.TOPIC, name, pattern, principal, host, operation, permission);
  }

  private static Acl allow(String topic, String principal, Operation operation) {
    return topic(topic, PatternType.LITERAL, principal, Acl.WILDCARD, operation, Permission.ALLOW);
  }

  private static Acl deny(String topic, String principal, Operation operation) {
    return topic(topic, PatternType.LITERAL, principal, Acl.WILDCARD, operation, Permission.DENY);
  }

  private static Authorizer authorizer(AuthorizerSettings settings, Acl... acls) {
    return new Authorizer(settings, Acls.of(Set.of(acls)));
  }

  private static boolean mayOnTopic(Authorizer authorizer, Principal principal, Operation operation, String topic) {
    return authorizer.authorize(principal, HOST, operation, ResourceType.TOPIC, topic);
  }

  @Test
  void withoutAnAuthorizerEverythingIsAllowed() {
    Authorizer none = authorizer(AuthorizerSettings.NONE, deny("orders", "User:*", Operation.ALL));

    assertTrue(mayOnTopic(none, ALICE, Operation.WRITE, "orders"));
  }

  @Test
  void aResourceWithoutAclsIsDeniedUnlessEveryoneIsAllowedThen() {
    assertFalse(mayOnTopic(authorizer(ACLS), ALICE, Operation.READ, "orders"));
    Authorizer open = authorizer(new AuthorizerSettings(true, Set.of(), true), allow("other", "User:bob", Operation.READ));
    assertTrue(mayOnTopic(open, ALICE, Operation.READ, "orders"));
  }

  @Test
  void anAclForSomeoneElseOnTheResourceClosesItEvenWhenEveryoneIsAllowedWithoutAcls() {
    Authorizer open = authorizer(new AuthorizerSettings(true, Set.of(), true), allow("orders", "User:bob", Operation.READ));

    assertFalse(mayOnTopic(open, ALICE, Operation.READ, "orders"));
    assertTrue(mayOnTopic(open, BOB, Operation.READ, "orders"));
  }

  @Test
  void superUsersMayDoEverythingEvenWhenDenied() {
    Authorizer authorizer = authorizer(ACLS, deny("orders", "User:admin", Operation.ALL));

    assertTrue(mayOnTopic(authorizer, Principal.user("admin"), Operation.DELETE, "orders"));
  }

  @Test
  void denyWinsOverAllow() {
    Authorizer authorizer = authorizer(ACLS, allow("orders", "User:alice", Operation.ALL),
        topic("ord", PatternType.PREFIXED, "User:*", HOST, Operation.WRITE, Permission.DENY));

    assertFalse(mayOnTopic(authorizer, ALICE, Operation.WRITE, "orders"));
    assertTrue(mayOnTopic(authorizer, ALICE, Operation.READ, "orders"));
  }

  @Test
  void wildcardsMatchEveryResourcePrincipalAndHost() {
    Authorizer authorizer = authorizer(ACLS, allow(Acl.WILDCARD, Acl.WILDCARD_PRINCIPAL, Operation.READ));

    assertTrue(mayOnTopic(authorizer, ALICE, Operation.READ, "anything"));
    assertTrue(mayOnTopic(authorizer, BOB, Operation.READ, "orders"));
    assertFalse(mayOnTopic(authorizer, BOB, Operation.WRITE, "orders"));
  }

  @Test
  void aPrefixMatchesNamesStartingWithItAndAStarPrefixIsNoWildcard() {
    Authorizer authorizer = authorizer(ACLS,
        topic("orders-", PatternType.PREFIXED, "User:alice", Acl.WILDCARD, Operation.READ, Permission.ALLOW),
        topic("*", PatternType.PREFIXED, "User:bob", Acl.WILDCARD, Operation.READ, Permission.ALLOW));

    assertTrue(mayOnTopic(authorizer, ALICE, Operation.READ, "orders-eu"));
    assertFalse(mayOnTopic(authorizer, ALICE, Operation.READ, "orders"));
    assertFalse(mayOnTopic(authorizer, BOB, Operation.READ, "orders-eu"));
  }

  @Test
  void aLiteralStarNameIsTheWildcardButALiteralNameIsNoPrefix() {
    Authorizer authorizer = authorizer(ACLS, allow("orders", "User:alice", Operation.READ));

    assertFalse(mayOnTopic(authorizer, ALICE, Operation.READ, "orders-eu"));
  }

  @Test
  void aHostOtherThanTheClientsDoesNotApply() {
    Authorizer authorizer = authorizer(ACLS,
        topic("orders", PatternType.LITERAL, "User:alice", "10.0.0.1", Operation.READ, Permission.ALLOW),
        topic("orders", PatternType.LITERAL, "User:bob", "10.0.0.1", Operation.READ, Permission.DENY),
        allow("orders", "User:bob", Operation.READ));

    assertFalse(mayOnTopic(authorizer, ALICE, Operation.READ, "orders"));
    assertTrue(mayOnTopic(authorizer, BOB, Operation.READ, "orders"));
    assertTrue(authorizer.authorize(ALICE, "10.0.0.1", Operation.READ, ResourceType.TOPIC, "orders"));
  }

  @Test
  void aclsOfAnotherResourceTypeDoNotApply() {
    Authorizer authorizer = authorizer(ACLS, allow("orders", "User:alice", Operation.READ));

    assertFalse(authorizer.authorize(ALICE, HOST, Operation.READ, ResourceType.GROUP, "orders"));
  }

  /** Kafka's implied operations: which operations an ALLOW of each operation grants. */
  @Test
  void anAllowGrantsItsOperationAndTheDescribeItImplies() {
    for (Operation granted : EnumSet.range(Operation.ALL, Operation.IDEMPOTENT_WRITE)) {
      Authorizer authorizer = authorizer(ACLS, allow("orders", "User:alice", granted));
      for (Operation requested : EnumSet.range(Operation.READ, Operation.IDEMPOTENT_WRITE)) {
        boolean expected = granted == Operation.ALL || granted == requested
            || requested == Operation.DESCRIBE && EnumSet.of(Operation.READ, Operation.WRITE, Operation.DELETE,
                Operation.ALTER).contains(granted)
            || requested == Operation.DESCRIBE_CONFIGS && granted == Operation.ALTER_CONFIGS;
        assertEquals(expected, mayOnTopic(authorizer, ALICE, requested, "orders"), granted + " -> " + requested);
      }
    }
  }

  /** A DENY denies its own operation only (or every one, with ALL): denying READ leaves DESCRIBE allowed. */
  @Test
  void aDenyDeniesOnlyItsOwnOperation() {
    for (Operation denied : EnumSet.range(Operation.ALL, Operation.IDEMPOTENT_WRITE)) {
      Authorizer authorizer = authorizer(ACLS, allow("orders", "User:alice", Operation.ALL),
          deny("orders", "User:alice", denied));
      for (Operation requested : EnumSet.range(Operation.READ, Operation.IDEMPOTENT_WRITE)) {
        boolean expected = denied != Operation.ALL && denied != requested;
        assertEquals(expected, mayOnTopic(authorizer, ALICE, requested, "orders"), denied + " -> " + requested);
      }
    }
  }
}
