package io.skein.security;

import io.skein.security.Acl.Operation;
import io.skein.security.Acl.PatternType;
import io.skein.security.Acl.Permission;
import io.skein.security.Acl.ResourceType;

/**
 * Decides whether a principal may perform an operation on a resource, with Apache Kafka's
 * rules (its StandardAuthorizer): super users may do everything; otherwise a matching DENY
 * wins over any ALLOW; an ALLOW of READ, WRITE, DELETE or ALTER also allows DESCRIBE, and one
 * of ALTER_CONFIGS also DESCRIBE_CONFIGS (a DENY denies only its own operation, or all with
 * ALL); a resource no ACL applies to at all is allowed only with
 * {@code allow-everyone-if-no-acl-found}. With {@code authorizer = none} everything is allowed.
 */
public final class Authorizer {

  private final AuthorizerSettings settings;
  private final Acls acls;

  public Authorizer(AuthorizerSettings settings, Acls acls) {
    this.settings = settings;
    this.acls = acls;
  }

  public AuthorizerSettings settings() {
    return settings;
  }

  /** Whether {@code principal}, connected from {@code host} (an IP address), may {@code operation} the resource. */
  public boolean authorize(Principal principal, String host, Operation operation, ResourceType type, String name) {
    if (!settings.aclsEnabled()) {
      return true;
    }
    String who = principal.toString();
    if (settings.superUsers().contains(who)) {
      return true;
    }
    boolean anyOnResource = false;
    boolean allowed = false;
    for (Acl acl : acls.all()) {
      if (acl.resourceType() != type || !appliesTo(acl, name)) {
        continue;
      }
      anyOnResource = true;
      if (!appliesTo(acl, who, host)) {
        continue;
      }
      if (acl.permission() == Permission.DENY && denies(acl.operation(), operation)) {
        return false;
      }
      if (acl.permission() == Permission.ALLOW && allows(acl.operation(), operation)) {
        allowed = true;
      }
    }
    return allowed || (!anyOnResource && settings.allowEveryoneIfNoAclFound());
  }

  /**
   * Whether {@code principal} may {@code operation} at least one resource of {@code type}, as
   * Kafka's authorizeByResourceType (an idempotent producer's WRITE on any topic): an ALLOW of it
   * on a pattern that no DENY of the principal's covers (a DENY on the literal wildcard covers all,
   * a prefixed one every name and prefix it starts).
   */
  public boolean authorizeAny(Principal principal, String host, Operation operation, ResourceType type) {
    if (!settings.aclsEnabled()) {
      return true;
    }
    String who = principal.toString();
    if (settings.superUsers().contains(who)) {
      return true;
    }
    boolean anyOfType = false;
    for (Acl allow : acls.all()) {
      if (allow.resourceType() != type) {
        continue;
      }
      anyOfType = true;
      if (allow.permission() == Permission.ALLOW && appliesTo(allow, who, host)
          && allows(allow.operation(), operation) && !deniedAll(who, host, operation, allow)) {
        return true;
      }
    }
    return !anyOfType && settings.allowEveryoneIfNoAclFound();
  }

  private boolean deniedAll(String who, String host, Operation operation, Acl allowed) {
    for (Acl deny : acls.all()) {
      if (deny.resourceType() == allowed.resourceType() && deny.permission() == Permission.DENY
          && appliesTo(deny, who, host) && denies(deny.operation(), operation) && covers(deny, allowed)) {
        return true;
      }
    }
    return false;
  }

  /** Whether every resource {@code allowed} names is one {@code deny} names too. */
  private static boolean covers(Acl deny, Acl allowed) {
    if (deny.patternType() == PatternType.LITERAL) {
      return deny.resourceName().equals(Acl.WILDCARD)
          || (allowed.patternType() == PatternType.LITERAL && deny.resourceName().equals(allowed.resourceName()));
    }
    return allowed.resourceName().startsWith(deny.resourceName()) && !allowed.resourceName().equals(Acl.WILDCARD);
  }

  private static boolean appliesTo(Acl acl, String name) {
    return acl.patternType() == PatternType.PREFIXED
        ? name.startsWith(acl.resourceName())
        : acl.resourceName().equals(name) || acl.resourceName().equals(Acl.WILDCARD);
  }

  private static boolean appliesTo(Acl acl, String principal, String host) {
    return (acl.principal().equals(principal) || acl.principal().equals(Acl.WILDCARD_PRINCIPAL))
        && (acl.host().equals(host) || acl.host().equals(Acl.WILDCARD));
  }

  private static boolean denies(Operation granted, Operation requested) {
    return granted == Operation.ALL || granted == requested;
  }

  private static boolean allows(Operation granted, Operation requested) {
    if (granted == Operation.ALL || granted == requested) {
      return true;
    }
    return switch (requested) {
      case DESCRIBE -> granted == Operation.READ || granted == Operation.WRITE || granted == Operation.DELETE
          || granted == Operation.ALTER;
      case DESCRIBE_CONFIGS -> granted == Operation.ALTER_CONFIGS;
      default -> false;
    };
  }
}
