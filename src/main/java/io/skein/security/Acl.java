package io.skein.security;

import io.skein.common.CborSerializable;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import java.util.Optional;

/**
 * One access control entry on a resource pattern, Kafka's AclBinding: {@code principal} from
 * {@code host} is allowed or denied {@code operation} on the resources the pattern names. The
 * {@code ANY} and {@code MATCH} values are for {@link AclFilter}s only; a stored ACL has none
 * ({@link #problem}).
 *
 * @param resourceName a name, a prefix ({@link PatternType#PREFIXED}) or {@value #WILDCARD} (every
 *     resource of the type); the cluster's is {@value #CLUSTER_NAME}
 * @param principal {@code User:alice}, or {@value #WILDCARD_PRINCIPAL} for every user
 * @param host the client's IP address, or {@value #WILDCARD} for every host
 */
public record Acl(
    ResourceType resourceType,
    String resourceName,
    PatternType patternType,
    String principal,
    String host,
    Operation operation,
    Permission permission) implements CborSerializable {

  public static final String WILDCARD = "*";
  public static final String WILDCARD_PRINCIPAL = "User:*";
  /** The name of the one CLUSTER resource, as in Kafka. */
  public static final String CLUSTER_NAME = "kafka-cluster";

  public enum ResourceType { ANY, TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID }

  public enum PatternType {
    /** Filters only: any pattern type, the name exactly. */
    ANY,
    /** Filters only: the patterns that would apply to a resource of the filter's name. */
    MATCH,
    LITERAL,
    PREFIXED
  }

  public enum Operation {
    ANY, ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS,
    IDEMPOTENT_WRITE
  }

  public enum Permission { ANY, DENY, ALLOW }

  /** Why this ACL cannot be stored (Kafka's checks, and its INVALID_REQUEST), if it cannot. */
  public Optional<Failure> problem() {
    if (resourceType == ResourceType.ANY) {
      return invalid("Invalid resourceType " + resourceType);
    }
    if (patternType != PatternType.LITERAL && patternType != PatternType.PREFIXED) {
      return invalid("Invalid patternType " + patternType);
    }
    if (operation == Operation.ANY) {
      return invalid("Invalid operation " + operation);
    }
    if (permission == Permission.ANY) {
      return invalid("Invalid permissionType " + permission);
    }
    if (resourceName == null || resourceName.isEmpty()) {
      return invalid("Resource name should not be empty");
    }
    if (resourceType == ResourceType.CLUSTER && !resourceName.equals(CLUSTER_NAME)) {
      return invalid("The only valid name for the CLUSTER resource is " + CLUSTER_NAME);
    }
    if (principal == null || principal.indexOf(':') <= 0) {
      return invalid("Could not parse principal from `" + principal + "` (no colon is present separating the "
          + "principal type from the principal name)");
    }
    if (host == null || host.isEmpty()) {
      return invalid("Invalid empty host");
    }
    return Optional.empty();
  }

  private static Optional<Failure> invalid(String message) {
    return Optional.of(Failure.of(ErrorCode.INVALID_REQUEST, message));
  }
}
