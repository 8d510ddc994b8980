package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.security.ScramChanges;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialDeletion;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData.ScramCredentialUpsertion;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterUserScramCredentials v0: deletions and upsertions (a password the client salted) of SCRAM
 * credentials, checked by Kafka's rules and stored in the cluster's users; one result per user.
 */
final class AlterUserScramCredentialsHandler
    implements KafkaApiHandler<AlterUserScramCredentialsRequestData, AlterUserScramCredentialsResponseData> {

  private final Broker broker;

  AlterUserScramCredentialsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.ALTER_USER_SCRAM_CREDENTIALS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.ALTER_USER_SCRAM_CREDENTIALS.latestVersion();
  }

  @Override
  public CompletionStage<AlterUserScramCredentialsResponseData> handle(
      KafkaRequestContext context, AlterUserScramCredentialsRequestData request) {
    List<ScramChanges.Deletion> deletions = new ArrayList<>();
    for (ScramCredentialDeletion deletion : request.deletions()) {
      deletions.add(new ScramChanges.Deletion(deletion.name(), mechanismName(deletion.mechanism())));
    }
    List<ScramChanges.Upsertion> upsertions = new ArrayList<>();
    for (ScramCredentialUpsertion upsertion : request.upsertions()) {
      upsertions.add(new ScramChanges.Upsertion(upsertion.name(), mechanismName(upsertion.mechanism()),
          upsertion.iterations(), upsertion.salt(), upsertion.saltedPassword()));
    }
    return broker.users().alter(context.caller(), deletions, upsertions).thenApply(outcome -> {
      AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
      outcome.forEach((user, failure) -> response.results().add(new AlterUserScramCredentialsResult()
          .setUser(user)
          .setErrorCode(failure.map(f -> f.code().code()).orElse(Errors.NONE.code()))
          .setErrorMessage(failure.map(f -> f.message()).orElse(null))));
      return response;
    });
  }

  /** The SASL name of Kafka's mechanism type; "UNKNOWN" for a type Kafka does not know. */
  private static String mechanismName(byte type) {
    return ScramMechanism.fromType(type).mechanismName();
  }
}
