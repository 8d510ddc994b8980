package io.skein.server.kafka;

import io.skein.metadata.BrokerAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * FindCoordinator: every group's coordinator is the broker asked. Its requests reach the
 * group's coordinator entity through Cluster Sharding wherever that runs, so any broker
 * serves any group, and pointing a client elsewhere would only add a look-up that a
 * rebalance of shards makes stale. Kafka clients talk to a coordinator on a connection of
 * its own (kafka-clients: node id {@code Integer.MAX_VALUE - id}), so group traffic does not
 * queue behind fetches even though it goes to the broker the client already knows.
 * Transactions are not served: COORDINATOR_NOT_AVAILABLE.
 */
final class FindCoordinatorHandler implements KafkaApiHandler<FindCoordinatorRequestData, FindCoordinatorResponseData> {

  private final Optional<BrokerAddress> self;

  /** @param self this broker at its Kafka listener's advertised endpoint */
  FindCoordinatorHandler(Optional<BrokerAddress> self) {
    this.self = self;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.FIND_COORDINATOR;
  }

  @Override
  public short maxVersion() {
    return 6;
  }

  @Override
  public CompletionStage<FindCoordinatorResponseData> handle(
      KafkaRequestContext context, FindCoordinatorRequestData request) {
    boolean batched = context.apiVersion() >= 4;
    List<String> keys = batched ? request.coordinatorKeys() : List.of(request.key());
    List<Coordinator> coordinators = new ArrayList<>();
    for (String key : keys) {
      coordinators.add(coordinator(key, request.keyType()));
    }
    FindCoordinatorResponseData response = new FindCoordinatorResponseData();
    if (batched) {
      return CompletableFuture.completedFuture(response.setCoordinators(coordinators));
    }
    Coordinator only = coordinators.get(0);
    return CompletableFuture.completedFuture(response.setErrorCode(only.errorCode())
        .setErrorMessage(only.errorMessage()).setNodeId(only.nodeId()).setHost(only.host()).setPort(only.port()));
  }

  private Coordinator coordinator(String key, byte keyType) {
    Coordinator answer = new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1);
    if (keyType == CoordinatorType.TRANSACTION.id()) {
      return answer.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
          .setErrorMessage("this broker does not serve transactions");
    }
    if (keyType != CoordinatorType.GROUP.id()) {
      return answer.setErrorCode(Errors.INVALID_REQUEST.code())
          .setErrorMessage("coordinator key type " + keyType + " is not served; only groups (0) are");
    }
    if (self.isEmpty()) {
      return answer.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
          .setErrorMessage("this broker does not announce a Kafka endpoint");
    }
    BrokerAddress broker = self.get();
    return answer.setErrorCode(Errors.NONE.code()).setNodeId(broker.id()).setHost(broker.host()).setPort(broker.port());
  }
}
