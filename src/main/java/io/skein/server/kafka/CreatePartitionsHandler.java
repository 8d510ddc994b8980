package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.server.kafka.AdminErrors.KafkaError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * CreatePartitions: grows each topic to its new count (or with validate_only checks that it
 * could). Skein places the new replicas itself, so manual assignments are refused.
 */
final class CreatePartitionsHandler
    implements KafkaApiHandler<CreatePartitionsRequestData, CreatePartitionsResponseData> {

  private final Broker broker;

  CreatePartitionsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.CREATE_PARTITIONS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.CREATE_PARTITIONS.latestVersion();
  }

  @Override
  public CompletionStage<CreatePartitionsResponseData> handle(
      KafkaRequestContext context, CreatePartitionsRequestData request) {
    Set<String> seen = new HashSet<>();
    Set<String> duplicates = new HashSet<>();
    request.topics().forEach(topic -> {
      if (!seen.add(topic.name())) {
        duplicates.add(topic.name());
      }
    });
    List<CompletableFuture<CreatePartitionsTopicResult>> results = new ArrayList<>();
    Set<String> answered = new HashSet<>();
    for (CreatePartitionsTopic topic : request.topics()) {
      if (answered.add(topic.name())) {
        results.add(duplicates.contains(topic.name())
            ? CompletableFuture.completedFuture(result(topic.name(), KafkaError.of(Errors.INVALID_REQUEST,
                "topic '" + topic.name() + "' is named more than once in the request")))
            : grow(context.caller(), topic, request.validateOnly()));
      }
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
      CreatePartitionsResponseData response = new CreatePartitionsResponseData();
      results.forEach(result -> response.results().add(result.join()));
      return response;
    });
  }

  private CompletableFuture<CreatePartitionsTopicResult> grow(Caller caller, CreatePartitionsTopic topic,
      boolean validateOnly) {
    if (topic.assignments() != null && !topic.assignments().isEmpty()) {
      return CompletableFuture.completedFuture(result(topic.name(), KafkaError.of(Errors.INVALID_REPLICA_ASSIGNMENT,
          "Skein places the new partitions' replicas itself: leave the assignments out")));
    }
    return broker.topics().createPartitions(caller, topic.name(), topic.count(), validateOnly)
        .handle((grown, failure) -> result(topic.name(), failure == null ? KafkaError.NONE : AdminErrors.of(failure)))
        .toCompletableFuture();
  }

  private static CreatePartitionsTopicResult result(String name, KafkaError error) {
    return new CreatePartitionsTopicResult().setName(name).setErrorCode(error.code()).setErrorMessage(error.message());
  }
}
