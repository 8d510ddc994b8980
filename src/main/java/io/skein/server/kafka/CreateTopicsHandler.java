package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.broker.ConfigAdmin;
import io.skein.broker.TopicAdmin;
import io.skein.server.kafka.AdminErrors.KafkaError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * CreateTopics v2+: each topic created (or with validate_only checked) on its own, answered with
 * its own error. Skein places replicas itself, so manual replica assignments are refused.
 */
final class CreateTopicsHandler implements KafkaApiHandler<CreateTopicsRequestData, CreateTopicsResponseData> {

  private final Broker broker;

  CreateTopicsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.CREATE_TOPICS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.CREATE_TOPICS.latestVersion();
  }

  @Override
  public CompletionStage<CreateTopicsResponseData> handle(KafkaRequestContext context, CreateTopicsRequestData request) {
    Set<String> duplicates = duplicateNames(request);
    List<CompletableFuture<CreatableTopicResult>> results = new ArrayList<>();
    Set<String> answered = new HashSet<>();
    for (CreatableTopic topic : request.topics()) {
      if (!answered.add(topic.name())) {
        continue;
      }
      results.add(duplicates.contains(topic.name())
          ? CompletableFuture.completedFuture(failed(topic.name(), KafkaError.of(Errors.INVALID_REQUEST,
              "topic '" + topic.name() + "' is named more than once in the request")))
          : create(context.caller(), topic, request.validateOnly(), request.timeoutMs(),
              context.apiVersion()).toCompletableFuture());
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
      CreateTopicsResponseData response = new CreateTopicsResponseData();
      results.forEach(result -> response.topics().add(result.join()));
      return response;
    });
  }

  /**
   * With timeout_ms above 0 a created topic is answered once this broker knows a leader for each
   * of its partitions, as Kafka's; REQUEST_TIMED_OUT if that takes longer (the topic stays).
   */
  private CompletionStage<CreatableTopicResult> create(Caller caller, CreatableTopic topic, boolean validateOnly,
      int timeoutMs,
      short version) {
    if (!topic.assignments().isEmpty()) {
      return CompletableFuture.completedFuture(failed(topic.name(), KafkaError.of(Errors.INVALID_REPLICA_ASSIGNMENT,
          "Skein places replicas itself: give num_partitions and replication_factor instead of replica assignments")));
    }
    Map<String, String> configs = new HashMap<>();
    for (CreatableTopicConfig config : topic.configs()) {
      configs.put(config.name(), config.value());
    }
    return broker.topics()
        .createTopic(caller, topic.name(), topic.numPartitions(), topic.replicationFactor(), configs, validateOnly)
        .thenCompose(created -> validateOnly || timeoutMs <= 0
            ? CompletableFuture.completedFuture(result(caller, created, version))
            : broker.topics().awaitLeaders(topic.name(), Duration.ofMillis(timeoutMs)).thenApply(led -> led
                ? result(caller, created, version)
                : failed(topic.name(), KafkaError.of(Errors.REQUEST_TIMED_OUT, "topic '" + topic.name()
                    + "' was created, but not every partition had a leader within " + timeoutMs + " ms"))))
        .exceptionally(failure -> failed(topic.name(), AdminErrors.of(failure)));
  }

  /**
   * From v5 the answer has the topic's configs, partition count and replication factor; as
   * Kafka's, only for a caller with DESCRIBE_CONFIGS on the topic (else TOPIC_AUTHORIZATION_FAILED
   * in topic_config_error_code, and -1).
   */
  private CreatableTopicResult result(Caller caller, TopicAdmin.TopicDescription created, short version) {
    CreatableTopicResult result = new CreatableTopicResult()
        .setName(created.topic().name())
        .setTopicId(KafkaTopicIds.toKafka(created.topic().topicId()));
    if (version >= 5 && !broker.configs().showsTopicConfigs(caller, created.topic().name())) {
      return result.setTopicConfigErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code())
          .setNumPartitions(-1).setReplicationFactor((short) -1);
    }
    result.setNumPartitions(created.partitions().size())
        .setReplicationFactor((short) created.partitions().get(0).assignment().replicas().size());
    if (version >= 5) {
      List<CreatableTopicConfigs> configs = new ArrayList<>();
      for (ConfigAdmin.DescribedConfig config : broker.configs().describeTopicConfigs(created.topic().configs())) {
        configs.add(new CreatableTopicConfigs()
            .setName(config.name())
            .setValue(config.value())
            .setReadOnly(config.readOnly())
            .setConfigSource(KafkaConfigs.source(config.source()).id())
            .setIsSensitive(false));
      }
      result.setConfigs(configs);
    }
    return result;
  }

  private static CreatableTopicResult failed(String name, KafkaError error) {
    return new CreatableTopicResult()
        .setName(name)
        .setErrorCode(error.code())
        .setErrorMessage(error.message())
        .setNumPartitions(-1)
        .setReplicationFactor((short) -1)
        .setConfigs(null);
  }

  private static Set<String> duplicateNames(CreateTopicsRequestData request) {
    Set<String> seen = new HashSet<>();
    Set<String> duplicates = new HashSet<>();
    for (CreatableTopic topic : request.topics()) {
      if (!seen.add(topic.name())) {
        duplicates.add(topic.name());
      }
    }
    return duplicates;
  }
}
