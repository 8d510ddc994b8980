package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.broker.ConfigAdmin;
import io.skein.server.kafka.AdminErrors.KafkaError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * DescribeConfigs v1+: a topic's effective configs with their sources, or this broker's
 * settings under Kafka's names. Other resource types are INVALID_REQUEST. Skein sends no
 * documentation (it is nullable).
 */
final class DescribeConfigsHandler implements KafkaApiHandler<DescribeConfigsRequestData, DescribeConfigsResponseData> {

  private final Broker broker;

  DescribeConfigsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DESCRIBE_CONFIGS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.DESCRIBE_CONFIGS.latestVersion();
  }

  @Override
  public CompletionStage<DescribeConfigsResponseData> handle(
      KafkaRequestContext context, DescribeConfigsRequestData request) {
    List<CompletableFuture<DescribeConfigsResult>> results = new ArrayList<>();
    for (DescribeConfigsResource resource : request.resources()) {
      results.add(describe(context.caller(), resource).handle((configs, failure) -> failure != null
              ? result(resource, AdminErrors.of(failure))
              : result(resource, KafkaError.NONE).setConfigs(entries(configs, resource, request, context.apiVersion())))
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
      DescribeConfigsResponseData response = new DescribeConfigsResponseData();
      results.forEach(result -> response.results().add(result.join()));
      return response;
    });
  }

  private CompletionStage<List<ConfigAdmin.DescribedConfig>> describe(Caller caller, DescribeConfigsResource resource) {
    ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
    try {
      return switch (type) {
        case TOPIC -> broker.configs().describeTopicConfigs(caller, resource.resourceName());
        case BROKER ->
            CompletableFuture.completedFuture(broker.configs().describeBrokerConfigs(caller, resource.resourceName()));
        default -> CompletableFuture.failedFuture(AdminConfigResources.unsupported(resource.resourceType()));
      };
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static List<DescribeConfigsResourceResult> entries(List<ConfigAdmin.DescribedConfig> configs,
      DescribeConfigsResource resource, DescribeConfigsRequestData request, short version) {
    Set<String> keys = resource.configurationKeys() == null ? null : new HashSet<>(resource.configurationKeys());
    List<DescribeConfigsResourceResult> entries = new ArrayList<>();
    for (ConfigAdmin.DescribedConfig config : configs) {
      if (keys != null && !keys.contains(config.name())) {
        continue;
      }
      DescribeConfigsResourceResult entry = new DescribeConfigsResourceResult()
          .setName(config.name())
          .setValue(config.value())
          .setReadOnly(config.readOnly())
          .setConfigSource(KafkaConfigs.source(config.source()).id())
          .setIsSensitive(false);
      if (request.includeSynonyms()) {
        config.synonyms().forEach(synonym -> entry.synonyms().add(new DescribeConfigsSynonym()
            .setName(synonym.name()).setValue(synonym.value()).setSource(KafkaConfigs.source(synonym.source()).id())));
      }
      if (version >= 3) {
        entry.setConfigType(KafkaConfigs.type(config.type()).id()).setDocumentation(null);
      }
      entries.add(entry);
    }
    return entries;
  }

  private static DescribeConfigsResult result(DescribeConfigsResource resource, KafkaError error) {
    return new DescribeConfigsResult()
        .setResourceType(resource.resourceType())
        .setResourceName(resource.resourceName())
        .setErrorCode(error.code())
        .setErrorMessage(error.message());
  }
}
