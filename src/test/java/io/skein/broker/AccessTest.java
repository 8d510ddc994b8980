package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.security.Acl;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.PatternType;
import io.skein.security.Acl.Permission;
import io.skein.security.Acl.ResourceType;
import io.skein.security.Acls;
import io.skein.security.Authorizer;
import io.skein.security.AuthorizerSettings;
import io.skein.security.Principal;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The request layer's check: Kafka's error per resource type, denials audited once, the broker itself never checked. */
class AccessTest {

  private static final Caller ALICE = new Caller(Principal.user("alice"), "10.0.0.1");
  private static final Caller BOB = new Caller(Principal.user("bob"), "10.0.0.2");

  private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
  private final Logger auditLogger = (Logger) LoggerFactory.getLogger(Access.AUDIT_LOGGER);
  private final Access access = new Access(new Authorizer(new AuthorizerSettings(true, Set.of(), false),
      Acls.of(Set.of(new Acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", "*", Operation.WRITE,
          Permission.ALLOW)))));

  @BeforeEach
  void listen() {
    audit.start();
    auditLogger.addAppender(audit);
  }

  @AfterEach
  void stopListening() {
    auditLogger.detachAppender(audit);
  }

  @Test
  void aDenialIsAuditedOncePerPrincipalOperationAndResource() {
    assertTrue(access.allows(ALICE, Operation.WRITE, ResourceType.TOPIC, "orders"));
    for (int i = 0; i < 5; i++) {
      assertFalse(access.allows(BOB, Operation.WRITE, ResourceType.TOPIC, "orders"));
    }
    assertEquals(1, audit.list.size());
    assertEquals("Denied User:bob from 10.0.0.2: WRITE on TOPIC orders", audit.list.get(0).getFormattedMessage());

    assertFalse(access.allows(BOB, Operation.READ, ResourceType.TOPIC, "orders"));
    assertFalse(access.allows(ALICE, Operation.WRITE, ResourceType.TOPIC, "payments"));
    assertEquals(3, audit.list.size());
    // Leaving a resource out of a listing is no denial.
    assertFalse(access.shows(BOB, Operation.DESCRIBE, ResourceType.TOPIC, "payments"));
    assertEquals(3, audit.list.size());
  }

  @Test
  void theAuditMemoryIsBounded() {
    for (int i = 0; i <= Access.AUDITED_DENIALS; i++) {
      access.allows(BOB, Operation.READ, ResourceType.TOPIC, "topic-" + i);
    }
    assertEquals(Access.AUDITED_DENIALS + 1, audit.list.size());
    // Forgotten when the memory started again: logged a second time.
    access.allows(BOB, Operation.READ, ResourceType.TOPIC, "topic-0");
    assertEquals(Access.AUDITED_DENIALS + 2, audit.list.size());
  }

  @Test
  void aRefusalCarriesKafkasErrorOfTheResourceType() {
    FailureException topic = assertThrows(FailureException.class,
        () -> access.check(BOB, Operation.WRITE, ResourceType.TOPIC, "orders"));
    assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, topic.failure().code());
    assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, assertInstanceOf(FailureException.class,
        assertThrows(FailureException.class, () -> access.check(BOB, Operation.READ, ResourceType.GROUP, "g")))
        .failure().code());
    assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, assertThrows(FailureException.class,
        () -> access.check(BOB, Operation.ALTER, ResourceType.CLUSTER, Acl.CLUSTER_NAME)).failure().code());
    assertEquals(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, assertThrows(FailureException.class,
        () -> access.check(BOB, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, "tx")).failure().code());
  }

  @Test
  void theBrokerItselfIsNotChecked() {
    access.check(Caller.BROKER, Operation.ALTER, ResourceType.CLUSTER, Acl.CLUSTER_NAME);
    assertTrue(access.allows(Caller.BROKER, Operation.DELETE, ResourceType.TOPIC, "orders"));
    assertTrue(audit.list.isEmpty());
  }

  @Test
  void anIdempotentProducerMayWriteWithWriteOnSomeTopicNotCoveredByADeny() {
    assertTrue(access.writesAnyTopic(ALICE));
    assertFalse(access.writesAnyTopic(BOB));
    Access denied = new Access(new Authorizer(new AuthorizerSettings(true, Set.of(), false), Acls.of(Set.of(
        new Acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", "*", Operation.WRITE, Permission.ALLOW),
        new Acl(ResourceType.TOPIC, "ord", PatternType.PREFIXED, "User:alice", "*", Operation.WRITE, Permission.DENY)))));
    assertFalse(denied.writesAnyTopic(ALICE));
  }
}
