package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * DeleteRecords: each partition's log start offset moves up to the given offset (-1: the high
 * watermark) at its leader, answered with the new low watermark. The response has no error
 * messages, only codes.
 */
final class DeleteRecordsHandler implements KafkaApiHandler<DeleteRecordsRequestData, DeleteRecordsResponseData> {

  private final Broker broker;

  DeleteRecordsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DELETE_RECORDS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.DELETE_RECORDS.latestVersion();
  }

  @Override
  public CompletionStage<DeleteRecordsResponseData> handle(KafkaRequestContext context, DeleteRecordsRequestData request) {
    Caller caller = context.caller();
    List<List<CompletableFuture<DeleteRecordsPartitionResult>>> byTopic = new ArrayList<>();
    List<CompletableFuture<DeleteRecordsPartitionResult>> all = new ArrayList<>();
    for (DeleteRecordsTopic topic : request.topics()) {
      List<CompletableFuture<DeleteRecordsPartitionResult>> results = new ArrayList<>();
      topic.partitions().forEach(partition -> results.add(delete(caller, topic.name(), partition)));
      byTopic.add(results);
      all.addAll(results);
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> {
      DeleteRecordsResponseData response = new DeleteRecordsResponseData();
      for (int t = 0; t < request.topics().size(); t++) {
        DeleteRecordsTopicResult topicResult = new DeleteRecordsTopicResult().setName(request.topics().get(t).name());
        byTopic.get(t).forEach(result -> topicResult.partitions().add(result.join()));
        response.topics().add(topicResult);
      }
      return response;
    });
  }

  private CompletableFuture<DeleteRecordsPartitionResult> delete(Caller caller, String topic,
      DeleteRecordsPartition partition) {
    DeleteRecordsPartitionResult result = new DeleteRecordsPartitionResult()
        .setPartitionIndex(partition.partitionIndex()).setLowWatermark(-1);
    CompletionStage<Long> deleted;
    try {
      deleted = broker.partitions().deleteRecords(caller, topic, partition.partitionIndex(), partition.offset());
    } catch (RuntimeException e) {
      deleted = CompletableFuture.failedFuture(e);
    }
    return deleted.handle((lowWatermark, failure) -> failure != null
            ? result.setErrorCode(AdminErrors.of(failure).code())
            : result.setErrorCode(Errors.NONE.code()).setLowWatermark(lowWatermark))
        .toCompletableFuture();
  }
}
