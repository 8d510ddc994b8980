package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.TopicAdmin;
import io.skein.metadata.PartitionKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/** ElectLeaders: PREFERRED (v0's only kind) and UNCLEAN, as {@link TopicAdmin#electLeaders} runs them. */
final class ElectLeadersHandler implements KafkaApiHandler<ElectLeadersRequestData, ElectLeadersResponseData> {

  private final Broker broker;

  ElectLeadersHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.ELECT_LEADERS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.ELECT_LEADERS.latestVersion();
  }

  @Override
  public CompletionStage<ElectLeadersResponseData> handle(KafkaRequestContext context, ElectLeadersRequestData request) {
    TopicAdmin.ElectionType type;
    byte asked = context.apiVersion() == 0 ? ElectionType.PREFERRED.value : request.electionType();
    if (asked == ElectionType.PREFERRED.value) {
      type = TopicAdmin.ElectionType.PREFERRED;
    } else if (asked == ElectionType.UNCLEAN.value) {
      type = TopicAdmin.ElectionType.UNCLEAN;
    } else {
      return CompletableFuture.failedFuture(new InvalidRequestException("unknown election type " + asked));
    }
    List<PartitionKey> partitions = null;
    if (request.topicPartitions() != null) {
      partitions = new ArrayList<>();
      for (TopicPartitions topic : request.topicPartitions()) {
        for (int partition : topic.partitions()) {
          partitions.add(new PartitionKey(topic.topic(), partition));
        }
      }
    }
    return broker.topics().electLeaders(context.caller(), type, partitions).thenApply(ElectLeadersHandler::response);
  }

  private static ElectLeadersResponseData response(List<TopicAdmin.ElectionResult> results) {
    Map<String, ReplicaElectionResult> byTopic = new LinkedHashMap<>();
    for (TopicAdmin.ElectionResult result : results) {
      PartitionResult partition = new PartitionResult().setPartitionId(result.partition().partition());
      if (result.failure() == null) {
        partition.setErrorCode(Errors.NONE.code());
      } else {
        partition.setErrorCode(result.failure().code().code()).setErrorMessage(result.failure().message());
      }
      byTopic.computeIfAbsent(result.partition().topic(), topic -> new ReplicaElectionResult().setTopic(topic))
          .partitionResult().add(partition);
    }
    return new ElectLeadersResponseData().setErrorCode(Errors.NONE.code())
        .setReplicaElectionResults(new ArrayList<>(byTopic.values()));
  }
}
