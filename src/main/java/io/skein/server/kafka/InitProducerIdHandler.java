package io.skein.server.kafka;

import io.skein.broker.ProducerIds;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * InitProducerId for idempotent producers: a new producer id, unique in the cluster, at epoch
 * 0 (as Kafka answers one without a transactional id, whatever id it had before).
 * Transactions are not served yet: a transactional producer is refused, with the error Kafka
 * gives a producer that may not use its transactional id, which stops it with a clear message.
 */
final class InitProducerIdHandler implements KafkaApiHandler<InitProducerIdRequestData, InitProducerIdResponseData> {

  private final ProducerIds producerIds;

  InitProducerIdHandler(ProducerIds producerIds) {
    this.producerIds = producerIds;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.INIT_PRODUCER_ID;
  }

  /** v6 is not yet a stable version (KIP-939, two-phase commit). */
  @Override
  public short maxVersion() {
    return 5;
  }

  @Override
  public CompletionStage<InitProducerIdResponseData> handle(KafkaRequestContext context,
      InitProducerIdRequestData request) {
    if (request.transactionalId() != null) {
      return CompletableFuture.completedFuture(failed(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
    }
    return producerIds.allocate(context.caller(), null).handle((id, error) -> error == null
        ? new InitProducerIdResponseData().setErrorCode(Errors.NONE.code()).setProducerId(id).setProducerEpoch((short) 0)
        : failed(KafkaErrors.of(error).error()));
  }

  private static InitProducerIdResponseData failed(Errors error) {
    return new InitProducerIdResponseData().setErrorCode(error.code()).setProducerId(-1).setProducerEpoch((short) -1);
  }
}
