package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.common.Failure;
import io.skein.common.FailureException;
import io.skein.security.Acl;
import io.skein.security.AclFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData.DeleteAclsFilter;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsMatchingAcl;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * DeleteAcls: every ACL a filter matches is deleted, one result per filter in order listing
 * what it deleted; a filter Skein cannot read gets INVALID_REQUEST and deletes nothing. Needs
 * ALTER on the cluster.
 */
final class DeleteAclsHandler implements KafkaApiHandler<DeleteAclsRequestData, DeleteAclsResponseData> {

  private final Broker broker;

  DeleteAclsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DELETE_ACLS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.DELETE_ACLS.latestVersion();
  }

  @Override
  public CompletionStage<DeleteAclsResponseData> handle(KafkaRequestContext context, DeleteAclsRequestData request) {
    List<AclFilter> filters = new ArrayList<>();
    List<Failure> unreadable = new ArrayList<>();
    for (DeleteAclsFilter filter : request.filters()) {
      try {
        filters.add(KafkaAcls.filter(filter.resourceTypeFilter(), filter.resourceNameFilter(),
            filter.patternTypeFilter(), filter.principalFilter(), filter.hostFilter(), filter.operation(),
            filter.permissionType()));
        unreadable.add(null);
      } catch (FailureException e) {
        unreadable.add(e.failure());
      }
    }
    return broker.acls().delete(context.caller(), filters).thenApply(deleted -> {
      DeleteAclsResponseData response = new DeleteAclsResponseData();
      int read = 0;
      for (Failure failure : unreadable) {
        response.filterResults().add(failure != null
            ? new DeleteAclsFilterResult().setErrorCode(failure.code().code()).setErrorMessage(failure.message())
            : result(deleted.get(read++)));
      }
      return response;
    });
  }

  private static DeleteAclsFilterResult result(List<Acl> deleted) {
    DeleteAclsFilterResult result = new DeleteAclsFilterResult().setErrorCode(Errors.NONE.code());
    for (Acl acl : deleted) {
      result.matchingAcls().add(new DeleteAclsMatchingAcl().setErrorCode(Errors.NONE.code())
          .setResourceType(KafkaAcls.code(acl.resourceType())).setResourceName(acl.resourceName())
          .setPatternType(KafkaAcls.code(acl.patternType())).setPrincipal(acl.principal()).setHost(acl.host())
          .setOperation(KafkaAcls.code(acl.operation())).setPermissionType(KafkaAcls.code(acl.permission())));
    }
    return result;
  }
}
