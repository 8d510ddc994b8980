package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.QuotaAdmin;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.EntityData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.EntryData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.OpData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterClientQuotas v0-1: each entry's quota changes checked by Kafka's rules and stored in the
 * cluster's quotas (or only checked, with validate_only); one result per entry, in order.
 */
final class AlterClientQuotasHandler
    implements KafkaApiHandler<AlterClientQuotasRequestData, AlterClientQuotasResponseData> {

  private final Broker broker;

  AlterClientQuotasHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.ALTER_CLIENT_QUOTAS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.ALTER_CLIENT_QUOTAS.latestVersion();
  }

  @Override
  public CompletionStage<AlterClientQuotasResponseData> handle(
      KafkaRequestContext context, AlterClientQuotasRequestData request) {
    List<QuotaAdmin.Change> changes = new ArrayList<>();
    for (EntryData entry : request.entries()) {
      List<QuotaAdmin.EntityPart> entity = new ArrayList<>();
      for (EntityData part : entry.entity()) {
        entity.add(new QuotaAdmin.EntityPart(part.entityType(), part.entityName()));
      }
      List<QuotaAdmin.Op> ops = new ArrayList<>();
      for (OpData op : entry.ops()) {
        ops.add(new QuotaAdmin.Op(op.key(), op.value(), op.remove()));
      }
      changes.add(new QuotaAdmin.Change(entity, ops));
    }
    return broker.quotas().alter(changes, request.validateOnly()).thenApply(outcome -> {
      AlterClientQuotasResponseData response = new AlterClientQuotasResponseData();
      for (int i = 0; i < outcome.size(); i++) {
        AlterClientQuotasResponseData.EntryData answered = new AlterClientQuotasResponseData.EntryData()
            .setErrorCode(outcome.get(i).map(f -> f.code().code()).orElse(Errors.NONE.code()))
            .setErrorMessage(outcome.get(i).map(f -> f.message()).orElse(null));
        request.entries().get(i).entity().forEach(part -> answered.entity().add(
            new AlterClientQuotasResponseData.EntityData().setEntityType(part.entityType())
                .setEntityName(part.entityName())));
        response.entries().add(answered);
      }
      return response;
    });
  }
}
