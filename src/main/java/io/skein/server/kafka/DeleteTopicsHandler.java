package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.metadata.Topic;
import io.skein.server.kafka.AdminErrors.KafkaError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/** DeleteTopics: by name (v1+), or from v6 by name or topic id, each answered with its own error. */
final class DeleteTopicsHandler implements KafkaApiHandler<DeleteTopicsRequestData, DeleteTopicsResponseData> {

  private final Broker broker;

  DeleteTopicsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DELETE_TOPICS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.DELETE_TOPICS.latestVersion();
  }

  @Override
  public CompletionStage<DeleteTopicsResponseData> handle(KafkaRequestContext context, DeleteTopicsRequestData request) {
    Caller caller = context.caller();
    List<CompletableFuture<DeletableTopicResult>> results = new ArrayList<>();
    if (context.apiVersion() < 6) {
      request.topicNames().forEach(name -> results.add(delete(caller, name, null)));
    } else {
      for (DeleteTopicState topic : request.topics()) {
        results.add(delete(caller, topic.name(), topic.topicId()));
      }
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
      DeleteTopicsResponseData response = new DeleteTopicsResponseData();
      results.forEach(result -> response.responses().add(result.join()));
      return response;
    });
  }

  /** Deletes by name if one is given, else by id (Kafka: a v6 entry names one or the other). */
  private CompletableFuture<DeletableTopicResult> delete(Caller caller, String name, Uuid topicId) {
    boolean byId = name == null;
    if (byId && (topicId == null || topicId.equals(Uuid.ZERO_UUID))) {
      return CompletableFuture.completedFuture(failed(null, Uuid.ZERO_UUID,
          KafkaError.of(Errors.INVALID_REQUEST, "a topic to delete needs a name or a topic id")));
    }
    if (!byId && topicId != null && !topicId.equals(Uuid.ZERO_UUID)) {
      return CompletableFuture.completedFuture(failed(name, topicId,
          KafkaError.of(Errors.INVALID_REQUEST, "give a topic's name or its id, not both")));
    }
    CompletionStage<Topic> deleted = byId
        ? broker.topics().deleteTopicById(caller, KafkaTopicIds.fromKafka(topicId))
        : broker.topics().deleteTopic(caller, name);
    return deleted.handle((topic, failure) -> failure != null
            ? failed(name, byId ? topicId : Uuid.ZERO_UUID, AdminErrors.of(failure))
            : new DeletableTopicResult().setName(topic.name()).setTopicId(KafkaTopicIds.toKafka(topic.topicId())))
        .toCompletableFuture();
  }

  private static DeletableTopicResult failed(String name, Uuid topicId, KafkaError error) {
    return new DeletableTopicResult().setName(name).setTopicId(topicId).setErrorCode(error.code())
        .setErrorMessage(error.message());
  }
}
