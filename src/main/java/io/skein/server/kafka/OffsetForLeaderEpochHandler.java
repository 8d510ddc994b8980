package io.skein.server.kafka;

import io.skein.broker.Caller;
import io.skein.broker.PartitionRequests;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetForLeaderEpoch (KIP-320): consumers ask where the epoch of their position ends after a
 * leader change, to find out whether the log they read was truncated under them. Each
 * partition's leader answers from its leader-epoch cache; a request fenced by an older or newer
 * current leader epoch is refused as in Fetch.
 */
final class OffsetForLeaderEpochHandler
    implements KafkaApiHandler<OffsetForLeaderEpochRequestData, OffsetForLeaderEpochResponseData> {

  private final PartitionRequests partitions;

  OffsetForLeaderEpochHandler(PartitionRequests partitions) {
    this.partitions = partitions;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.OFFSET_FOR_LEADER_EPOCH;
  }

  @Override
  public short maxVersion() {
    return 4;
  }

  @Override
  public CompletionStage<OffsetForLeaderEpochResponseData> handle(KafkaRequestContext context,
      OffsetForLeaderEpochRequestData request) {
    List<OffsetForLeaderTopicResult> topics = new ArrayList<>();
    List<CompletableFuture<EpochEndOffset>> all = new ArrayList<>();
    // The topic answer each partition's answer goes into, by position in all.
    List<OffsetForLeaderTopicResult> owners = new ArrayList<>();
    for (OffsetForLeaderTopic topic : request.topics()) {
      OffsetForLeaderTopicResult answer = new OffsetForLeaderTopicResult().setTopic(topic.topic());
      topics.add(answer);
      for (OffsetForLeaderPartition partition : topic.partitions()) {
        all.add(endOf(context.caller(), topic.topic(), partition).toCompletableFuture());
        owners.add(answer);
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> {
      for (int i = 0; i < all.size(); i++) {
        owners.get(i).partitions().add(all.get(i).join());
      }
      OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
      topics.forEach(response.topics()::add);
      return response;
    });
  }

  private CompletionStage<EpochEndOffset> endOf(Caller caller, String topic, OffsetForLeaderPartition partition) {
    PartitionRequests.Leader leader;
    try {
      leader = partitions.describer(caller, topic, partition.partition());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(noEnd(partition, KafkaErrors.of(e).code()));
    }
    Errors fenced = LeaderEpochs.check(partitions, topic, partition.partition(), partition.currentLeaderEpoch());
    if (fenced != Errors.NONE) {
      return CompletableFuture.completedFuture(noEnd(partition, fenced.code()));
    }
    return leader.endOffsetForEpoch(partition.leaderEpoch()).handle((found, error) -> {
      if (error != null) {
        return noEnd(partition, KafkaErrors.of(error).code());
      }
      return new EpochEndOffset().setPartition(partition.partition()).setErrorCode(Errors.NONE.code())
          .setLeaderEpoch(found.epoch()).setEndOffset(found.endOffset());
    });
  }

  private static EpochEndOffset noEnd(OffsetForLeaderPartition partition, short error) {
    return new EpochEndOffset().setPartition(partition.partition()).setErrorCode(error).setLeaderEpoch(-1)
        .setEndOffset(-1);
  }
}
