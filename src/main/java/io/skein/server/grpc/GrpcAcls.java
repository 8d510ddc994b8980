package io.skein.server.grpc;

import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.proto.v1.AclBinding;
import io.skein.security.Acl;
import io.skein.security.AclFilter;
import java.util.Locale;

/**
 * ACLs between protobuf's {@link AclBinding} (Kafka's names as strings) and {@link Acl} /
 * {@link AclFilter}. A name Skein does not know is INVALID_REQUEST; in a filter an empty
 * string matches every value.
 */
final class GrpcAcls {

  private GrpcAcls() {}

  static Acl acl(AclBinding binding) {
    return new Acl(value(Acl.ResourceType.class, binding.getResourceType(), "resource_type"),
        binding.getResourceName(), value(Acl.PatternType.class, binding.getPatternType(), "pattern_type"),
        binding.getPrincipal(), binding.getHost(), value(Acl.Operation.class, binding.getOperation(), "operation"),
        value(Acl.Permission.class, binding.getPermission(), "permission"));
  }

  static AclFilter filter(AclBinding binding) {
    return new AclFilter(
        filterValue(Acl.ResourceType.class, binding.getResourceType(), Acl.ResourceType.ANY, "resource_type"),
        emptyIsAny(binding.getResourceName()),
        filterValue(Acl.PatternType.class, binding.getPatternType(), Acl.PatternType.ANY, "pattern_type"),
        emptyIsAny(binding.getPrincipal()), emptyIsAny(binding.getHost()),
        filterValue(Acl.Operation.class, binding.getOperation(), Acl.Operation.ANY, "operation"),
        filterValue(Acl.Permission.class, binding.getPermission(), Acl.Permission.ANY, "permission"));
  }

  static AclBinding binding(Acl acl) {
    return AclBinding.newBuilder().setResourceType(acl.resourceType().name()).setResourceName(acl.resourceName())
        .setPatternType(acl.patternType().name()).setPrincipal(acl.principal()).setHost(acl.host())
        .setOperation(acl.operation().name()).setPermission(acl.permission().name()).build();
  }

  private static String emptyIsAny(String value) {
    return value.isEmpty() ? null : value;
  }

  private static <E extends Enum<E>> E filterValue(Class<E> type, String name, E any, String field) {
    return name.isEmpty() ? any : value(type, name, field);
  }

  private static <E extends Enum<E>> E value(Class<E> type, String name, String field) {
    try {
      return Enum.valueOf(type, name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException unknown) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "unknown " + field + " \"" + name + "\"");
    }
  }
}
