package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.common.Failure;
import io.skein.common.FailureException;
import io.skein.security.Acl;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsRequestData.AclCreation;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * CreateAcls: each creation stored in the cluster's ACLs or refused with INVALID_REQUEST, one
 * result per creation in order. Without ALTER on the cluster every result is
 * CLUSTER_AUTHORIZATION_FAILED, without an authorizer SECURITY_DISABLED, as in Kafka.
 */
final class CreateAclsHandler implements KafkaApiHandler<CreateAclsRequestData, CreateAclsResponseData> {

  private final Broker broker;

  CreateAclsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.CREATE_ACLS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.CREATE_ACLS.latestVersion();
  }

  @Override
  public CompletionStage<CreateAclsResponseData> handle(KafkaRequestContext context, CreateAclsRequestData request) {
    // A creation Kafka's codes cannot express here keeps its place, with its failure.
    List<Acl> acls = new ArrayList<>();
    List<Optional<Failure>> unreadable = new ArrayList<>();
    for (AclCreation creation : request.creations()) {
      try {
        acls.add(acl(creation));
        unreadable.add(Optional.empty());
      } catch (FailureException e) {
        unreadable.add(Optional.of(e.failure()));
      }
    }
    return broker.acls().create(context.caller(), acls).thenApply(outcome -> {
      CreateAclsResponseData response = new CreateAclsResponseData();
      int stored = 0;
      for (Optional<Failure> failure : unreadable) {
        response.results().add(result(failure.isPresent() ? failure : outcome.get(stored++)));
      }
      return response;
    });
  }

  private static Acl acl(AclCreation creation) {
    return new Acl(KafkaAcls.resourceType(creation.resourceType()), creation.resourceName(),
        KafkaAcls.patternType(creation.resourcePatternType()), creation.principal(), creation.host(),
        KafkaAcls.operation(creation.operation()), KafkaAcls.permission(creation.permissionType()));
  }

  private static AclCreationResult result(Optional<Failure> failure) {
    return failure.map(f -> new AclCreationResult().setErrorCode(f.code().code()).setErrorMessage(f.message()))
        .orElseGet(() -> new AclCreationResult().setErrorCode(Errors.NONE.code()));
  }
}
