package io.skein.server.kafka;

import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.security.Acl;
import io.skein.security.AclFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Kafka's wire codes of ACL fields, to and from {@link Acl}: the codes of kafka-clients'
 * ResourceType, PatternType, AclOperation and AclPermissionType. A code Skein has no value for
 * (UNKNOWN, or a resource type such as USER that Skein has no ACLs for) is INVALID_REQUEST.
 */
final class KafkaAcls {

  private KafkaAcls() {}

  static Acl.ResourceType resourceType(byte code) {
    return Acl.ResourceType.valueOf(known(ResourceType.fromCode(code).name(), "resource type", code,
        Acl.ResourceType.class));
  }

  static Acl.PatternType patternType(byte code) {
    return Acl.PatternType.valueOf(known(PatternType.fromCode(code).name(), "pattern type", code,
        Acl.PatternType.class));
  }

  static Acl.Operation operation(byte code) {
    return Acl.Operation.valueOf(known(AclOperation.fromCode(code).name(), "operation", code, Acl.Operation.class));
  }

  static Acl.Permission permission(byte code) {
    return Acl.Permission.valueOf(known(AclPermissionType.fromCode(code).name(), "permission type", code,
        Acl.Permission.class));
  }

  static AclFilter filter(byte resourceType, String resourceName, byte patternType, String principal, String host,
      byte operation, byte permission) {
    return new AclFilter(resourceType(resourceType), resourceName, patternType(patternType), principal, host,
        operation(operation), permission(permission));
  }

  static byte code(Acl.ResourceType type) {
    return ResourceType.valueOf(type.name()).code();
  }

  static byte code(Acl.PatternType type) {
    return PatternType.valueOf(type.name()).code();
  }

  static byte code(Acl.Operation operation) {
    return AclOperation.valueOf(operation.name()).code();
  }

  static byte code(Acl.Permission permission) {
    return AclPermissionType.valueOf(permission.name()).code();
  }

  private static <E extends Enum<E>> String known(String kafkaName, String field, byte code, Class<E> ours) {
    for (E value : ours.getEnumConstants()) {
      if (value.name().equals(kafkaName)) {
        return kafkaName;
      }
    }
    throw new FailureException(ErrorCode.INVALID_REQUEST, "Unsupported " + field + " " + kafkaName + " (" + code + ")");
  }
}
