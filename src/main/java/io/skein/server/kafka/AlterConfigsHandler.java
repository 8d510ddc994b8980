package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.server.kafka.AdminErrors.KafkaError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * AlterConfigs (the legacy API): a topic's overrides become exactly those given, every other
 * override is removed. Broker configs are read-only.
 */
final class AlterConfigsHandler implements KafkaApiHandler<AlterConfigsRequestData, AlterConfigsResponseData> {

  private final Broker broker;

  AlterConfigsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.ALTER_CONFIGS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.ALTER_CONFIGS.latestVersion();
  }

  @Override
  public CompletionStage<AlterConfigsResponseData> handle(KafkaRequestContext context, AlterConfigsRequestData request) {
    List<CompletableFuture<AlterConfigsResourceResponse>> results = new ArrayList<>();
    for (AlterConfigsResource resource : request.resources()) {
      results.add(alter(context.caller(), resource, request.validateOnly())
          .handle((done, failure) -> response(resource, failure == null ? KafkaError.NONE : AdminErrors.of(failure)))
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
      AlterConfigsResponseData response = new AlterConfigsResponseData();
      results.forEach(result -> response.responses().add(result.join()));
      return response;
    });
  }

  private CompletionStage<?> alter(Caller caller, AlterConfigsResource resource, boolean validateOnly) {
    return switch (ConfigResource.Type.forId(resource.resourceType())) {
      case TOPIC -> {
        Map<String, String> configs = new HashMap<>();
        for (AlterableConfig config : resource.configs()) {
          configs.put(config.name(), config.value());
        }
        yield broker.configs().replaceTopicConfigs(caller, resource.resourceName(), configs, validateOnly);
      }
      case BROKER -> broker.configs().alterBrokerConfigs(caller);
      default -> CompletableFuture.failedFuture(AdminConfigResources.unsupported(resource.resourceType()));
    };
  }

  private static AlterConfigsResourceResponse response(AlterConfigsResource resource, KafkaError error) {
    return new AlterConfigsResourceResponse()
        .setResourceType(resource.resourceType())
        .setResourceName(resource.resourceName())
        .setErrorCode(error.code())
        .setErrorMessage(error.message());
  }
}
