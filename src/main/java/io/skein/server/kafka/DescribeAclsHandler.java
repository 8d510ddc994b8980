package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.security.Acl;
import io.skein.security.AclFilter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsResponseData.AclDescription;
import org.apache.kafka.common.message.DescribeAclsResponseData.DescribeAclsResource;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeAcls, from this broker's copy of the ACLs: those the filter matches, grouped by
 * resource pattern. Needs DESCRIBE on the cluster; a filter Skein cannot read is
 * INVALID_REQUEST.
 */
final class DescribeAclsHandler implements KafkaApiHandler<DescribeAclsRequestData, DescribeAclsResponseData> {

  private final Broker broker;

  DescribeAclsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DESCRIBE_ACLS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.DESCRIBE_ACLS.latestVersion();
  }

  @Override
  public CompletionStage<DescribeAclsResponseData> handle(KafkaRequestContext context,
      DescribeAclsRequestData request) {
    AclFilter filter = KafkaAcls.filter(request.resourceTypeFilter(), request.resourceNameFilter(),
        request.patternTypeFilter(), request.principalFilter(), request.hostFilter(), request.operation(),
        request.permissionType());
    List<Acl> acls = broker.acls().describe(context.caller(), filter);
    DescribeAclsResponseData response = new DescribeAclsResponseData().setErrorCode(Errors.NONE.code());
    DescribeAclsResource resource = null;
    // The ACLs come ordered by resource pattern: each pattern is one resource of the answer.
    for (Acl acl : acls) {
      if (resource == null || !samePattern(resource, acl)) {
        resource = new DescribeAclsResource().setResourceType(KafkaAcls.code(acl.resourceType()))
            .setResourceName(acl.resourceName()).setPatternType(KafkaAcls.code(acl.patternType()));
        response.resources().add(resource);
      }
      resource.acls().add(new AclDescription().setPrincipal(acl.principal()).setHost(acl.host())
          .setOperation(KafkaAcls.code(acl.operation())).setPermissionType(KafkaAcls.code(acl.permission())));
    }
    return CompletableFuture.completedFuture(response);
  }

  private static boolean samePattern(DescribeAclsResource resource, Acl acl) {
    return resource.resourceType() == KafkaAcls.code(acl.resourceType())
        && resource.patternType() == KafkaAcls.code(acl.patternType())
        && resource.resourceName().equals(acl.resourceName());
  }
}
