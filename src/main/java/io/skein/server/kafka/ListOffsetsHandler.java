package io.skein.server.kafka;

import io.skein.broker.Caller;
import io.skein.broker.PartitionRequests;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * ListOffsets: the log start (-2), the end (-1: the high watermark, which is also the last
 * stable offset while there are no transactions), or the first offset at or after a timestamp,
 * asked of each partition's leader at once. Without tiered storage the local log start (-4) is
 * the log start and nothing is tiered (-5 finds no offset); -3 finds the record with the largest
 * timestamp (KIP-734).
 */
final class ListOffsetsHandler implements KafkaApiHandler<ListOffsetsRequestData, ListOffsetsResponseData> {

  private static final long EARLIEST_LOCAL_TIMESTAMP = -4;
  private static final long LATEST_TIERED_TIMESTAMP = -5;

  private final PartitionRequests partitions;

  ListOffsetsHandler(PartitionRequests partitions) {
    this.partitions = partitions;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.LIST_OFFSETS;
  }

  /** v11 adds the earliest offset pending upload to tiered storage. */
  @Override
  public short maxVersion() {
    return 10;
  }

  @Override
  public CompletionStage<ListOffsetsResponseData> handle(KafkaRequestContext context, ListOffsetsRequestData request) {
    List<ListOffsetsTopicResponse> topics = new ArrayList<>();
    List<CompletableFuture<ListOffsetsPartitionResponse>> all = new ArrayList<>();
    // The topic answer each partition's answer goes into, by position in all.
    List<ListOffsetsTopicResponse> owners = new ArrayList<>();
    for (ListOffsetsTopic topic : request.topics()) {
      ListOffsetsTopicResponse answer = new ListOffsetsTopicResponse().setName(topic.name());
      topics.add(answer);
      for (ListOffsetsPartition partition : topic.partitions()) {
        all.add(lookUp(context.caller(), topic.name(), partition, context.apiVersion() >= 4).toCompletableFuture());
        owners.add(answer);
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> {
      for (int i = 0; i < all.size(); i++) {
        owners.get(i).partitions().add(all.get(i).join());
      }
      return new ListOffsetsResponseData().setTopics(topics);
    });
  }

  /** {@code withEpoch}: the version has a leader epoch in its answer (v4+). */
  private CompletionStage<ListOffsetsPartitionResponse> lookUp(Caller caller, String topic,
      ListOffsetsPartition partition, boolean withEpoch) {
    PartitionRequests.Leader leader;
    try {
      leader = partitions.describer(caller, topic, partition.partitionIndex());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(failed(partition, KafkaErrors.of(e).error()));
    }
    long spec = partition.timestamp();
    if (spec == LATEST_TIERED_TIMESTAMP) {
      return CompletableFuture.completedFuture(found(partition, -1, -1, -1));
    }
    long asked = spec == EARLIEST_LOCAL_TIMESTAMP ? PartitionRequests.EARLIEST : spec;
    if (asked < 0 && asked != PartitionRequests.EARLIEST && asked != PartitionRequests.LATEST
        && asked != PartitionRequests.MAX_TIMESTAMP) {
      return CompletableFuture.completedFuture(failed(partition, Errors.INVALID_REQUEST));
    }
    Errors fenced = LeaderEpochs.check(partitions, topic, partition.partitionIndex(), partition.currentLeaderEpoch());
    if (fenced != Errors.NONE) {
      return CompletableFuture.completedFuture(failed(partition, fenced));
    }
    return leader.offsetFor(asked).handle((offset, error) -> error == null
        ? found(partition, offset.offset(), offset.timestamp(),
            withEpoch ? partitions.leaderEpoch(topic, partition.partitionIndex()).orElse(-1) : -1)
        : failed(partition, KafkaErrors.of(error).error()));
  }

  /**
   * With the partition's current leader epoch (-1 if this node has not heard it), not that of
   * the batch found: no older than it, so a client validating its position with it (KIP-320)
   * finds its offset within the epoch, as Kafka's answer for the log end.
   */
  private static ListOffsetsPartitionResponse found(ListOffsetsPartition partition, long offset, long timestamp,
      int leaderEpoch) {
    return new ListOffsetsPartitionResponse()
        .setPartitionIndex(partition.partitionIndex())
        .setErrorCode(Errors.NONE.code())
        .setOffset(offset)
        .setTimestamp(timestamp)
        .setLeaderEpoch(leaderEpoch);
  }

  private static ListOffsetsPartitionResponse failed(ListOffsetsPartition partition, Errors error) {
    return new ListOffsetsPartitionResponse()
        .setPartitionIndex(partition.partitionIndex())
        .setErrorCode(error.code())
        .setOffset(-1)
        .setTimestamp(-1)
        .setLeaderEpoch(-1);
  }
}
