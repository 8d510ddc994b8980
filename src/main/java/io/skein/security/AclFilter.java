package io.skein.security;

import io.skein.security.Acl.Operation;
import io.skein.security.Acl.PatternType;
import io.skein.security.Acl.Permission;
import io.skein.security.Acl.ResourceType;

/**
 * Which ACLs a describe or delete names, Kafka's AclBindingFilter: a null name, principal or
 * host and the {@code ANY} values match everything; other values match exactly, except that
 * pattern type {@link PatternType#MATCH} with a name matches every ACL that applies to the
 * resource of that name (its literal ACLs, the wildcard ones and the prefixes of the name).
 */
public record AclFilter(
    ResourceType resourceType,
    String resourceName,
    PatternType patternType,
    String principal,
    String host,
    Operation operation,
    Permission permission) {

  public static final AclFilter ANY = new AclFilter(ResourceType.ANY, null, PatternType.ANY, null, null,
      Operation.ANY, Permission.ANY);

  public boolean matches(Acl acl) {
    return matchesPattern(acl) && matchesEntry(acl);
  }

  private boolean matchesPattern(Acl acl) {
    if (resourceType != ResourceType.ANY && resourceType != acl.resourceType()) {
      return false;
    }
    if (patternType != PatternType.ANY && patternType != PatternType.MATCH && patternType != acl.patternType()) {
      return false;
    }
    if (resourceName == null) {
      return true;
    }
    if (patternType != PatternType.MATCH) {
      return resourceName.equals(acl.resourceName());
    }
    return switch (acl.patternType()) {
      case LITERAL -> resourceName.equals(acl.resourceName()) || acl.resourceName().equals(Acl.WILDCARD);
      case PREFIXED -> resourceName.startsWith(acl.resourceName());
      case ANY, MATCH -> false;
    };
  }

  private boolean matchesEntry(Acl acl) {
    return (principal == null || principal.equals(acl.principal()))
        && (host == null || host.equals(acl.host()))
        && (operation == Operation.ANY || operation == acl.operation())
        && (permission == Permission.ANY || permission == acl.permission());
  }
}
