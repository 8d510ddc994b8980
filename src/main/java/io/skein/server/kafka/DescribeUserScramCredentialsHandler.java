package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.broker.UserAdmin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData.UserName;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeUserScramCredentials v0, from this broker's copy of the users as Kafka's brokers answer
 * from their metadata image: the named users (none: all) with each mechanism's iterations; an
 * unknown user gets RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE.
 */
final class DescribeUserScramCredentialsHandler
    implements KafkaApiHandler<DescribeUserScramCredentialsRequestData, DescribeUserScramCredentialsResponseData> {

  private final Broker broker;

  DescribeUserScramCredentialsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS.latestVersion();
  }

  @Override
  public CompletionStage<DescribeUserScramCredentialsResponseData> handle(
      KafkaRequestContext context, DescribeUserScramCredentialsRequestData request) {
    Caller caller = context.caller();
    DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
    if (request.users() == null || request.users().isEmpty()) {
      broker.users().users(caller).forEach(user -> response.results().add(described(user)));
      return CompletableFuture.completedFuture(response);
    }
    Map<String, Boolean> namedTwice = new LinkedHashMap<>();
    for (UserName user : request.users()) {
      namedTwice.put(user.name(), namedTwice.containsKey(user.name()));
    }
    namedTwice.forEach((name, twice) -> {
      Optional<UserAdmin.UserInfo> user = twice ? Optional.empty() : broker.users().user(caller, name);
      if (twice) {
        response.results().add(refused(name, Errors.DUPLICATE_RESOURCE,
            "Cannot describe SCRAM credentials for the same user twice in a single request: " + name));
      } else if (user.isEmpty()) {
        response.results().add(refused(name, Errors.RESOURCE_NOT_FOUND,
            "Attempt to describe a user credential that does not exist: " + name));
      } else {
        response.results().add(described(user.get()));
      }
    });
    return CompletableFuture.completedFuture(response);
  }

  private static DescribeUserScramCredentialsResult described(UserAdmin.UserInfo user) {
    List<CredentialInfo> infos = new ArrayList<>();
    for (UserAdmin.CredentialInfo credential : user.credentials()) {
      infos.add(new CredentialInfo()
          .setMechanism(ScramMechanism.fromMechanismName(credential.mechanism().mechanismName()).type())
          .setIterations(credential.iterations()));
    }
    return new DescribeUserScramCredentialsResult().setUser(user.name()).setErrorCode(Errors.NONE.code())
        .setCredentialInfos(infos);
  }

  private static DescribeUserScramCredentialsResult refused(String user, Errors error, String message) {
    return new DescribeUserScramCredentialsResult().setUser(user).setErrorCode(error.code()).setErrorMessage(message);
  }
}
