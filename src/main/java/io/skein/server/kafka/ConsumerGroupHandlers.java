package io.skein.server.kafka;

import io.skein.broker.Caller;
import io.skein.broker.GroupRequests;
import io.skein.group.ConsumerGroup;
import io.skein.group.GroupCoordinator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData.Assignment;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/** Kafka's consumer group protocol (KIP-848): ConsumerGroupHeartbeat and ConsumerGroupDescribe. */
final class ConsumerGroupHandlers {

  /** Kafka's value for "authorized operations not asked for". */
  private static final int OPERATIONS_NOT_ASKED = Integer.MIN_VALUE;
  /** ConsumerGroupDescribe v1's member type of a member that heartbeats with ConsumerGroupHeartbeat. */
  private static final byte CONSUMER_MEMBER = 1;

  private ConsumerGroupHandlers() {}

  static final class Heartbeat
      implements KafkaApiHandler<ConsumerGroupHeartbeatRequestData, ConsumerGroupHeartbeatResponseData> {

    private final GroupRequests groups;

    Heartbeat(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.CONSUMER_GROUP_HEARTBEAT;
    }

    @Override
    public short maxVersion() {
      return 1;
    }

    @Override
    public CompletionStage<ConsumerGroupHeartbeatResponseData> handle(
        KafkaRequestContext context, ConsumerGroupHeartbeatRequestData request) {
      List<ConsumerGroup.OwnedTopic> owned = request.topicPartitions() == null ? null : request.topicPartitions()
          .stream().map(t -> new ConsumerGroup.OwnedTopic(TopicIds.toSkein(t.topicId()), List.copyOf(t.partitions())))
          .toList();
      ConsumerGroup.Heartbeat heartbeat = new ConsumerGroup.Heartbeat(request.memberId(), request.memberEpoch(),
          request.instanceId(), request.rackId(), request.rebalanceTimeoutMs(), request.subscribedTopicNames(),
          context.apiVersion() >= 1 ? request.subscribedTopicRegex() : null, request.serverAssignor(), owned,
          context.clientId(), "/" + context.clientAddress().getAddress().getHostAddress());
      return groups.consumerHeartbeat(context.caller(), request.groupId(), heartbeat).handle((answer, error) -> {
        if (error != null) {
          return new ConsumerGroupHeartbeatResponseData().setErrorCode(KafkaGroupErrors.of(error).code())
              .setErrorMessage(KafkaGroupErrors.message(error));
        }
        if (answer.failure() != null) {
          return new ConsumerGroupHeartbeatResponseData().setErrorCode(KafkaGroupErrors.of(answer.failure()).code())
              .setErrorMessage(answer.failure().message());
        }
        return new ConsumerGroupHeartbeatResponseData()
            .setErrorCode(Errors.NONE.code())
            .setMemberId(answer.memberId())
            .setMemberEpoch(answer.memberEpoch())
            .setHeartbeatIntervalMs(answer.heartbeatIntervalMs())
            .setAssignment(answer.assignment() == null ? null : new Assignment().setTopicPartitions(
                answer.assignment().stream().map(t -> new ConsumerGroupHeartbeatResponseData.TopicPartitions()
                    .setTopicId(TopicIds.toKafka(t.topicId())).setPartitions(t.partitions())).toList()));
      });
    }
  }

  static final class Describe
      implements KafkaApiHandler<ConsumerGroupDescribeRequestData, ConsumerGroupDescribeResponseData> {

    private final GroupRequests groups;

    Describe(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.CONSUMER_GROUP_DESCRIBE;
    }

    @Override
    public short maxVersion() {
      return 1;
    }

    @Override
    public CompletionStage<ConsumerGroupDescribeResponseData> handle(
        KafkaRequestContext context, ConsumerGroupDescribeRequestData request) {
      Caller caller = context.caller();
      List<CompletableFuture<DescribedGroup>> described = request.groupIds().stream()
          .map(id -> groups.describeMembers(caller, id).handle((group, error) -> error != null
                  ? failed(id, KafkaGroupErrors.of(error), KafkaGroupErrors.message(error))
                  : group.failure() != null
                      ? failed(id, Errors.GROUP_ID_NOT_FOUND, group.failure().message())
                      : group.consumer() == null
                          // Admin clients then describe it with DescribeGroups.
                          ? failed(id, Errors.GROUP_ID_NOT_FOUND, "group " + id + " is not a consumer-protocol group")
                          : described(group))
              .toCompletableFuture())
          .toList();
      return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new)).thenApply(done ->
          new ConsumerGroupDescribeResponseData().setGroups(described.stream().map(CompletableFuture::join).toList()));
    }

    private static DescribedGroup failed(String groupId, Errors error, String message) {
      return new DescribedGroup().setGroupId(groupId).setErrorCode(error.code()).setErrorMessage(message)
          .setGroupState("Dead");
    }

    private static DescribedGroup described(GroupCoordinator.Description group) {
      ConsumerGroup.Description c = group.consumer();
      return new DescribedGroup()
          .setGroupId(group.groupId())
          .setErrorCode(Errors.NONE.code())
          .setGroupState(GroupAdminHandlers.state(group))
          .setGroupEpoch(c.groupEpoch())
          .setAssignmentEpoch(c.assignmentEpoch())
          .setAssignorName(c.assignor())
          .setAuthorizedOperations(OPERATIONS_NOT_ASKED)
          .setMembers(c.members().stream().map(m -> new ConsumerGroupDescribeResponseData.Member()
              .setMemberId(m.memberId())
              .setInstanceId(m.instanceId().isEmpty() ? null : m.instanceId())
              .setRackId(m.rackId().isEmpty() ? null : m.rackId())
              .setMemberEpoch(m.memberEpoch())
              .setClientId(m.clientId())
              .setClientHost(m.host())
              .setSubscribedTopicNames(m.topicNames())
              .setSubscribedTopicRegex(m.topicRegex().isEmpty() ? null : m.topicRegex())
              .setAssignment(assignment(m.assignment()))
              .setTargetAssignment(assignment(m.target()))
              .setMemberType(CONSUMER_MEMBER)).toList());
    }

    private static ConsumerGroupDescribeResponseData.Assignment assignment(List<ConsumerGroup.AssignedTopic> topics) {
      return new ConsumerGroupDescribeResponseData.Assignment().setTopicPartitions(topics.stream()
          .map(t -> new ConsumerGroupDescribeResponseData.TopicPartitions().setTopicId(TopicIds.toKafka(t.topicId()))
              .setTopicName(t.topic()).setPartitions(t.partitions()))
          .toList());
    }
  }
}
