package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.QuotaAdmin;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData.ComponentData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntityData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntryData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.ValueData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;

/**
 * DescribeClientQuotas v0-1, from this broker's copy of the quotas as Kafka's brokers answer from
 * their metadata image: the entities the filter matches with their quotas; a bad filter (unknown
 * entity type or match type, a type twice) fails the whole request with INVALID_REQUEST.
 */
final class DescribeClientQuotasHandler
    implements KafkaApiHandler<DescribeClientQuotasRequestData, DescribeClientQuotasResponseData> {

  private final Broker broker;

  DescribeClientQuotasHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DESCRIBE_CLIENT_QUOTAS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.DESCRIBE_CLIENT_QUOTAS.latestVersion();
  }

  @Override
  public CompletionStage<DescribeClientQuotasResponseData> handle(
      KafkaRequestContext context, DescribeClientQuotasRequestData request) {
    DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
    List<QuotaAdmin.FilterComponent> filter = new ArrayList<>();
    for (ComponentData component : request.components()) {
      QuotaAdmin.Match match = switch (component.matchType()) {
        case DescribeClientQuotasRequest.MATCH_TYPE_EXACT -> QuotaAdmin.Match.EXACT;
        case DescribeClientQuotasRequest.MATCH_TYPE_DEFAULT -> QuotaAdmin.Match.DEFAULT;
        case DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED -> QuotaAdmin.Match.ANY;
        default -> null;
      };
      if (match == null) {
        return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REQUEST.code())
            .setErrorMessage("Unexpected match type: " + component.matchType()));
      }
      filter.add(new QuotaAdmin.FilterComponent(component.entityType(), match, component.match()));
    }
    List<QuotaAdmin.Described> described;
    try {
      described = broker.quotas().describe(filter, request.strict());
    } catch (RuntimeException refused) {
      AdminErrors.KafkaError error = AdminErrors.of(refused);
      return CompletableFuture.completedFuture(response.setErrorCode(error.code()).setErrorMessage(error.message()));
    }
    List<EntryData> entries = new ArrayList<>();
    for (QuotaAdmin.Described entity : described) {
      EntryData entry = new EntryData();
      entity.entity().forEach(part -> entry.entity().add(
          new EntityData().setEntityType(part.type()).setEntityName(part.name())));
      entity.quotas().forEach((key, value) -> entry.values().add(
          new ValueData().setKey(key.configName()).setValue(value)));
      entries.add(entry);
    }
    return CompletableFuture.completedFuture(response.setErrorCode(Errors.NONE.code()).setEntries(entries));
  }
}
