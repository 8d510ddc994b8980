package io.skein.server.kafka;

import io.skein.broker.Caller;
import io.skein.broker.GroupRequests;
import io.skein.broker.TopicAdmin;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.group.GroupCoordinator;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.Topic;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopicCollection;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Committed offsets over Kafka: OffsetCommit, OffsetFetch and OffsetDelete, on the group
 * coordinator's one offset store that gRPC's commits and fetches use too. Versions stop
 * before those that name topics by id only (OffsetCommit/OffsetFetch v10).
 */
final class OffsetHandlers {

  private OffsetHandlers() {}

  /** A partition of a topic that does not exist (or beyond its count) is UNKNOWN_TOPIC_OR_PARTITION, as in Kafka. */
  static final class OffsetCommit implements KafkaApiHandler<OffsetCommitRequestData, OffsetCommitResponseData> {

    private static final short UNKNOWN_PARTITION = Errors.UNKNOWN_TOPIC_OR_PARTITION.code();

    private final GroupRequests groups;
    private final TopicAdmin topics;

    OffsetCommit(GroupRequests groups, TopicAdmin topics) {
      this.groups = groups;
      this.topics = topics;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.OFFSET_COMMIT;
    }

    @Override
    public short maxVersion() {
      return 9;
    }

    @Override
    public CompletionStage<OffsetCommitResponseData> handle(KafkaRequestContext context, OffsetCommitRequestData request) {
      return topics.knownTopics().thenCompose(known -> commit(context.caller(), request, known));
    }

    private CompletionStage<OffsetCommitResponseData> commit(Caller caller, OffsetCommitRequestData request,
        Map<String, Topic> known) {
      Map<PartitionKey, Short> errors = new HashMap<>();
      List<GroupCoordinator.OffsetToCommit> offsets = new ArrayList<>();
      request.topics().forEach(t -> t.partitions().forEach(p -> {
        Topic topic = known.get(t.name());
        if (topic == null || p.partitionIndex() < 0 || p.partitionIndex() >= topic.partitions().size()) {
          errors.put(new PartitionKey(t.name(), p.partitionIndex()), UNKNOWN_PARTITION);
        } else {
          offsets.add(new GroupCoordinator.OffsetToCommit(t.name(), p.partitionIndex(), p.committedOffset(),
              p.committedMetadata() == null ? "" : p.committedMetadata()));
        }
      }));
      CompletionStage<List<GroupCoordinator.PartitionResult>> committed = offsets.isEmpty()
          ? CompletableFuture.completedFuture(List.of())
          : groups.commitOffsets(caller, request.groupId(), request.memberId(), request.generationIdOrMemberEpoch(),
              offsets);
      return committed.handle((results, error) -> {
        if (results != null) {
          results.forEach(r -> errors.put(new PartitionKey(r.topic(), r.partition()),
              KafkaGroupErrors.of(r.failure()).code()));
        }
        short everywhere = error == null ? Errors.NONE.code() : KafkaGroupErrors.of(error).code();
        List<OffsetCommitResponseTopic> answers = new ArrayList<>();
        request.topics().forEach(t -> {
          List<OffsetCommitResponsePartition> partitions = new ArrayList<>();
          t.partitions().forEach(p -> partitions.add(new OffsetCommitResponsePartition()
              .setPartitionIndex(p.partitionIndex())
              .setErrorCode(errors.getOrDefault(new PartitionKey(t.name(), p.partitionIndex()), everywhere))));
          answers.add(new OffsetCommitResponseTopic().setName(t.name()).setPartitions(partitions));
        });
        return new OffsetCommitResponseData().setTopics(answers);
      });
    }
  }

  /**
   * A group that does not exist has no offsets (-1 for each partition asked), as in Kafka.
   * require_stable needs nothing: no transactional offsets are ever pending.
   */
  static final class OffsetFetch implements KafkaApiHandler<OffsetFetchRequestData, OffsetFetchResponseData> {

    private final GroupRequests groups;

    OffsetFetch(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.OFFSET_FETCH;
    }

    @Override
    public short maxVersion() {
      return 9;
    }

    @Override
    public CompletionStage<OffsetFetchResponseData> handle(KafkaRequestContext context, OffsetFetchRequestData request) {
      if (context.apiVersion() < 8) {
        List<PartitionKey> asked = request.topics() == null ? null : request.topics().stream()
            .flatMap(t -> t.partitionIndexes().stream().map(p -> new PartitionKey(t.name(), p))).toList();
        return group(context.caller(), request.groupId(), asked).thenApply(g -> new OffsetFetchResponseData()
            .setErrorCode(g.errorCode())
            .setTopics(g.topics().stream().map(t -> new OffsetFetchResponseTopic().setName(t.name())
                .setPartitions(t.partitions().stream().map(p -> new OffsetFetchResponsePartition()
                    .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                    .setCommittedLeaderEpoch(-1).setMetadata(p.metadata()).setErrorCode(p.errorCode())).toList()))
                .toList()));
      }
      List<CompletableFuture<OffsetFetchResponseGroup>> answers = request.groups().stream()
          .map(g -> group(context.caller(), g.groupId(), g.topics() == null ? null : g.topics().stream()
              .flatMap(t -> t.partitionIndexes().stream().map(p -> new PartitionKey(t.name(), p))).toList())
              .toCompletableFuture())
          .toList();
      return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(done ->
          new OffsetFetchResponseData().setGroups(answers.stream().map(CompletableFuture::join).toList()));
    }

    /** One group's answer; {@code asked} null means every committed offset. */
    private CompletionStage<OffsetFetchResponseGroup> group(Caller caller, String groupId, List<PartitionKey> asked) {
      OffsetFetchResponseGroup answer = new OffsetFetchResponseGroup().setGroupId(groupId);
      if (asked != null && asked.isEmpty()) {
        return CompletableFuture.completedFuture(answer);
      }
      return groups.fetchOffsets(caller, groupId, "", -1, asked == null ? List.of() : asked)
          .exceptionally(error -> {
            if (unwrap(error) instanceof FailureException f && f.failure().code() == ErrorCode.GROUP_ID_NOT_FOUND) {
              return asked == null ? List.of() : asked.stream().map(p ->
                  new GroupCoordinator.CommittedOffset(p.topic(), p.partition(), -1, "", -1, "")).toList();
            }
            throw error instanceof CompletionException c ? c : new CompletionException(error);
          })
          .handle((offsets, error) -> {
            if (error != null) {
              return answer.setErrorCode(KafkaGroupErrors.of(error).code());
            }
            Map<String, List<OffsetFetchResponsePartitions>> byTopic = new LinkedHashMap<>();
            for (GroupCoordinator.CommittedOffset c : offsets) {
              byTopic.computeIfAbsent(c.topic(), t -> new ArrayList<>()).add(new OffsetFetchResponsePartitions()
                  .setPartitionIndex(c.partition()).setCommittedOffset(c.offset()).setCommittedLeaderEpoch(-1)
                  .setMetadata(c.metadata()).setErrorCode(Errors.NONE.code()));
            }
            List<OffsetFetchResponseTopics> topics = new ArrayList<>();
            byTopic.forEach((name, partitions) -> topics.add(new OffsetFetchResponseTopics().setName(name)
                .setPartitions(partitions)));
            return answer.setErrorCode(Errors.NONE.code()).setTopics(topics);
          });
    }

    private static Throwable unwrap(Throwable error) {
      return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
  }

  static final class OffsetDelete implements KafkaApiHandler<OffsetDeleteRequestData, OffsetDeleteResponseData> {

    private final GroupRequests groups;

    OffsetDelete(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.OFFSET_DELETE;
    }

    @Override
    public short maxVersion() {
      return 0;
    }

    @Override
    public CompletionStage<OffsetDeleteResponseData> handle(KafkaRequestContext context, OffsetDeleteRequestData request) {
      List<PartitionKey> partitions = new ArrayList<>();
      request.topics().forEach(t -> t.partitions().forEach(p -> partitions.add(new PartitionKey(t.name(),
          p.partitionIndex()))));
      return groups.deleteOffsets(context.caller(), request.groupId(), partitions).handle((results, error) -> {
        if (error != null) {
          return new OffsetDeleteResponseData().setErrorCode(KafkaGroupErrors.of(error).code());
        }
        OffsetDeleteResponseTopicCollection topics = new OffsetDeleteResponseTopicCollection();
        for (GroupCoordinator.PartitionResult r : results) {
          OffsetDeleteResponseTopic topic = topics.find(r.topic());
          if (topic == null) {
            topic = new OffsetDeleteResponseTopic().setName(r.topic())
                .setPartitions(new OffsetDeleteResponsePartitionCollection());
            topics.add(topic);
          }
          topic.partitions().add(new OffsetDeleteResponsePartition().setPartitionIndex(r.partition())
              .setErrorCode(KafkaGroupErrors.of(r.failure()).code()));
        }
        return new OffsetDeleteResponseData().setErrorCode(Errors.NONE.code()).setTopics(topics);
      });
    }
  }
}
