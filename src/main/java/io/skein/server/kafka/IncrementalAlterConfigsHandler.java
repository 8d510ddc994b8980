package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.broker.ConfigAdmin;
import io.skein.server.kafka.AdminErrors.KafkaError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on a topic's configs, in order.
 * Broker configs are read-only.
 */
final class IncrementalAlterConfigsHandler
    implements KafkaApiHandler<IncrementalAlterConfigsRequestData, IncrementalAlterConfigsResponseData> {

  /** Kafka's operation ids, by id: SET 0, DELETE 1, APPEND 2, SUBTRACT 3. */
  private static final ConfigAdmin.OpType[] OPS = {
      ConfigAdmin.OpType.SET, ConfigAdmin.OpType.DELETE, ConfigAdmin.OpType.APPEND, ConfigAdmin.OpType.SUBTRACT};

  private final Broker broker;

  IncrementalAlterConfigsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.INCREMENTAL_ALTER_CONFIGS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.INCREMENTAL_ALTER_CONFIGS.latestVersion();
  }

  @Override
  public CompletionStage<IncrementalAlterConfigsResponseData> handle(
      KafkaRequestContext context, IncrementalAlterConfigsRequestData request) {
    List<CompletableFuture<AlterConfigsResourceResponse>> results = new ArrayList<>();
    for (AlterConfigsResource resource : request.resources()) {
      results.add(alter(context.caller(), resource, request.validateOnly())
          .handle((done, failure) -> response(resource, failure == null ? KafkaError.NONE : AdminErrors.of(failure)))
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
      IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
      results.forEach(result -> response.responses().add(result.join()));
      return response;
    });
  }

  private CompletionStage<?> alter(Caller caller, AlterConfigsResource resource, boolean validateOnly) {
    return switch (ConfigResource.Type.forId(resource.resourceType())) {
      case TOPIC -> {
        List<ConfigAdmin.ConfigOp> ops = new ArrayList<>();
        for (AlterableConfig config : resource.configs()) {
          if (config.configOperation() < 0 || config.configOperation() >= OPS.length) {
            yield CompletableFuture.failedFuture(new InvalidRequestException(
                "unknown config operation " + config.configOperation() + " for '" + config.name() + "'"));
          }
          ops.add(new ConfigAdmin.ConfigOp(config.name(), OPS[config.configOperation()], config.value()));
        }
        yield broker.configs().incrementalAlterTopicConfigs(caller, resource.resourceName(), ops, validateOnly);
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
