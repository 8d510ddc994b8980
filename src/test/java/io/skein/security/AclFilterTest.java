package io.skein.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.common.ErrorCode;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.PatternType;
import io.skein.security.Acl.Permission;
import io.skein.security.Acl.ResourceType;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Kafka's AclBindingFilter matching, and the ACLs Kafka refuses to store. */
class AclFilterTest {

  private static final Acl LITERAL = acl("orders", PatternType.LITERAL);
  private static final Acl WILDCARD = acl("*", PatternType.LITERAL);
  private static final Acl PREFIX = acl("ord", PatternType.PREFIXED);
  private static final Acl OTHER = acl("payments", PatternType.LITERAL);
  private static final List<Acl> ALL = List.of(LITERAL, WILDCARD, PREFIX, OTHER);

  private static Acl acl(String name, PatternType pattern) {
    return new Acl(ResourceType.TOPIC, name, pattern, "User:alice", "*", Operation.READ, Permission.ALLOW);
  }

  private static AclFilter byName(String name, PatternType pattern) {
    return new AclFilter(ResourceType.TOPIC, name, pattern, null, null, Operation.ANY, Permission.ANY);
  }

  private static Set<Acl> matching(AclFilter filter) {
    return ALL.stream().filter(filter::matches).collect(Collectors.toSet());
  }

  @Test
  void theAnyFilterMatchesEverything() {
    assertEquals(Set.copyOf(ALL), matching(AclFilter.ANY));
  }

  @Test
  void matchGivesEveryPatternThatAppliesToTheName() {
    assertEquals(Set.of(LITERAL, WILDCARD, PREFIX), matching(byName("orders", PatternType.MATCH)));
    assertEquals(Set.copyOf(ALL), matching(byName(null, PatternType.MATCH)));
  }

  @Test
  void anyPatternTypeOrAGivenOneMatchesTheNameExactly() {
    assertEquals(Set.of(LITERAL), matching(byName("orders", PatternType.ANY)));
    assertEquals(Set.of(LITERAL), matching(byName("orders", PatternType.LITERAL)));
    assertEquals(Set.of(WILDCARD), matching(byName("*", PatternType.LITERAL)));
    assertEquals(Set.of(), matching(byName("orders", PatternType.PREFIXED)));
    assertEquals(Set.of(PREFIX), matching(byName(null, PatternType.PREFIXED)));
  }

  @Test
  void entryFieldsMatchExactlyWithoutWildcards() {
    Acl everyone = new Acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:*", "*", Operation.READ,
        Permission.ALLOW);
    AclFilter alice = new AclFilter(ResourceType.ANY, null, PatternType.ANY, "User:alice", null, Operation.ANY,
        Permission.ANY);
    AclFilter writes = new AclFilter(ResourceType.ANY, null, PatternType.ANY, null, "*", Operation.WRITE,
        Permission.ANY);
    AclFilter denials = new AclFilter(ResourceType.GROUP, null, PatternType.ANY, null, null, Operation.ANY,
        Permission.DENY);

    assertFalse(alice.matches(everyone));
    assertTrue(alice.matches(LITERAL));
    assertFalse(writes.matches(LITERAL));
    assertFalse(denials.matches(LITERAL));
  }

  @Test
  void kafkaRefusesFilterValuesAndMalformedAclsAsInvalidRequests() {
    List<Acl> invalid = List.of(
        new Acl(ResourceType.ANY, "x", PatternType.LITERAL, "User:a", "*", Operation.READ, Permission.ALLOW),
        new Acl(ResourceType.TOPIC, "x", PatternType.MATCH, "User:a", "*", Operation.READ, Permission.ALLOW),
        new Acl(ResourceType.TOPIC, "x", PatternType.LITERAL, "User:a", "*", Operation.ANY, Permission.ALLOW),
        new Acl(ResourceType.TOPIC, "x", PatternType.LITERAL, "User:a", "*", Operation.READ, Permission.ANY),
        new Acl(ResourceType.TOPIC, "", PatternType.LITERAL, "User:a", "*", Operation.READ, Permission.ALLOW),
        new Acl(ResourceType.CLUSTER, "x", PatternType.LITERAL, "User:a", "*", Operation.ALTER, Permission.ALLOW),
        new Acl(ResourceType.TOPIC, "x", PatternType.LITERAL, "alice", "*", Operation.READ, Permission.ALLOW));
    for (Acl acl : invalid) {
      assertEquals(ErrorCode.INVALID_REQUEST, acl.problem().orElseThrow().code(), acl.toString());
    }
    assertTrue(LITERAL.problem().isEmpty());
    assertTrue(new Acl(ResourceType.CLUSTER, Acl.CLUSTER_NAME, PatternType.LITERAL, "User:a", "*", Operation.ALTER,
        Permission.ALLOW).problem().isEmpty());
  }
}
