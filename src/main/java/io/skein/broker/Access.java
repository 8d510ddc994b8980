package io.skein.broker;

import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.ResourceType;
import io.skein.security.Authorizer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request layer's authorization: every request of either protocol is checked here, once,
 * against this node's {@link Authorizer}. A denial is written to the audit log ({@value
 * #AUDIT_LOGGER}) the first time a principal is denied an operation on a resource, not on every
 * request, and the memory of what was logged is bounded.
 */
public final class Access {

  public static final String AUDIT_LOGGER = "skein.audit";
  /** Denials remembered as logged; past this the memory starts again (a denial may then be logged twice). */
  static final int AUDITED_DENIALS = 10_000;

  private static final Logger AUDIT = LoggerFactory.getLogger(AUDIT_LOGGER);

  private record Denial(String principal, Operation operation, ResourceType type, String name) {}

  private final Authorizer authorizer;
  private final Set<Denial> audited = ConcurrentHashMap.newKeySet();

  public Access(Authorizer authorizer) {
    this.authorizer = authorizer;
  }

  /** Whether ACLs are checked at all ({@code skein.security.authorizer = acl}). */
  public boolean aclsEnabled() {
    return authorizer.settings().aclsEnabled();
  }

  /** Whether {@code caller} may {@code operation} the resource; a denial is audited. */
  public boolean allows(Caller caller, Operation operation, ResourceType type, String name) {
    if (caller == Caller.BROKER || authorizer.authorize(caller.principal(), caller.host(), operation, type, name)) {
      return true;
    }
    audit(caller, operation, type, name);
    return false;
  }

  /** Whether {@code caller} may {@code operation} the resource, asked only to choose what to show: not audited. */
  public boolean shows(Caller caller, Operation operation, ResourceType type, String name) {
    return caller == Caller.BROKER || authorizer.authorize(caller.principal(), caller.host(), operation, type, name);
  }

  /** Whether {@code caller} may WRITE some topic ({@link Authorizer#authorizeAny}); not audited, a fallback check. */
  public boolean writesAnyTopic(Caller caller) {
    return authorizer.authorizeAny(caller.principal(), caller.host(), Operation.WRITE, ResourceType.TOPIC);
  }

  /** Throws {@code error} (Kafka's *_AUTHORIZATION_FAILED of the resource type) unless {@link #allows}. */
  public void check(Caller caller, Operation operation, ResourceType type, String name) {
    if (!allows(caller, operation, type, name)) {
      throw denied(caller, operation, type, name);
    }
  }

  /** The failure of a denied request, with Kafka's error of the resource type. */
  public static FailureException denied(Caller caller, Operation operation, ResourceType type, String name) {
    return new FailureException(errorOf(type), caller.principal() + " is not authorized to " + operation + " "
        + type + " " + name);
  }

  public static ErrorCode errorOf(ResourceType type) {
    return switch (type) {
      case TOPIC -> ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      case GROUP -> ErrorCode.GROUP_AUTHORIZATION_FAILED;
      case TRANSACTIONAL_ID -> ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      case CLUSTER, ANY -> ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    };
  }

  private void audit(Caller caller, Operation operation, ResourceType type, String name) {
    Denial denial = new Denial(caller.principal().toString(), operation, type, name);
    if (audited.contains(denial)) {
      return;
    }
    if (audited.size() >= AUDITED_DENIALS) {
      audited.clear();
    }
    if (audited.add(denial)) {
      AUDIT.warn("Denied {} from {}: {} on {} {}", denial.principal(), caller.host(), operation, type, name);
    }
  }
}
