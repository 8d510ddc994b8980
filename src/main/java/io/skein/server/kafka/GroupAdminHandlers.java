package io.skein.server.kafka;

import io.skein.broker.Caller;
import io.skein.broker.GroupRequests;
import io.skein.group.ClassicGroup;
import io.skein.group.GroupCoordinator;
import io.skein.group.GroupMembership;
import io.skein.metadata.PartitionKey;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Group administration over Kafka: ListGroups, DescribeGroups, DeleteGroups. Classic and
 * KIP-848 consumer groups are shown as Kafka shows them. Skein's own groups (gRPC sessions, server-side assignment)
 * are shown as Kafka shows KIP-848 groups, which they resemble: type "consumer", protocol
 * type "consumer", states Empty/Assigning/Reconciling/Stable, and in DescribeGroups each
 * member's subscription and owned partitions encoded as a consumer's, so Kafka tools read them.
 */
final class GroupAdminHandlers {

  private GroupAdminHandlers() {}

  /** Kafka's name of a group's state. */
  static String state(GroupCoordinator.Description group) {
    boolean classic = group.classic() != null;
    return switch (group.state()) {
      case "EMPTY" -> "Empty";
      case "PREPARING_REBALANCE" -> classic ? "PreparingRebalance" : "Assigning";
      case "COMPLETING_REBALANCE" -> classic ? "CompletingRebalance" : "Reconciling";
      case "ASSIGNING" -> "Assigning";
      case "RECONCILING" -> "Reconciling";
      case "STABLE" -> "Stable";
      default -> "Dead";
    };
  }

  static String type(GroupCoordinator.Description group) {
    return group.classic() != null ? "classic" : "consumer";
  }

  static String protocolType(GroupCoordinator.Description group) {
    return group.classic() != null ? group.classic().protocolType() : ClassicGroup.CONSUMER_PROTOCOL_TYPE;
  }

  static final class ListGroups implements KafkaApiHandler<ListGroupsRequestData, ListGroupsResponseData> {

    private final GroupRequests groups;

    ListGroups(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.LIST_GROUPS;
    }

    @Override
    public short maxVersion() {
      return 5;
    }

    @Override
    public CompletionStage<ListGroupsResponseData> handle(KafkaRequestContext context, ListGroupsRequestData request) {
      Set<String> states = lowerCase(request.statesFilter());
      Set<String> types = lowerCase(request.typesFilter());
      return groups.listGroups(context.caller()).handle((all, error) -> {
        if (error != null) {
          return new ListGroupsResponseData().setErrorCode(KafkaGroupErrors.of(error).code());
        }
        List<ListedGroup> listed = new ArrayList<>();
        for (GroupCoordinator.Description group : all) {
          if ((states.isEmpty() || states.contains(state(group).toLowerCase(Locale.ROOT)))
              && (types.isEmpty() || types.contains(type(group)))) {
            listed.add(new ListedGroup().setGroupId(group.groupId()).setProtocolType(protocolType(group))
                .setGroupState(state(group)).setGroupType(type(group)));
          }
        }
        return new ListGroupsResponseData().setErrorCode(Errors.NONE.code()).setGroups(listed);
      });
    }

    private static Set<String> lowerCase(List<String> names) {
      return Set.copyOf(names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList());
    }
  }

  static final class DescribeGroups implements KafkaApiHandler<DescribeGroupsRequestData, DescribeGroupsResponseData> {

    private final GroupRequests groups;

    DescribeGroups(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.DESCRIBE_GROUPS;
    }

    @Override
    public short maxVersion() {
      return 6;
    }

    @Override
    public CompletionStage<DescribeGroupsResponseData> handle(
        KafkaRequestContext context, DescribeGroupsRequestData request) {
      Caller caller = context.caller();
      boolean notFoundIsError = context.apiVersion() >= 6;
      List<CompletableFuture<DescribedGroup>> described = request.groups().stream()
          .map(id -> groups.describeMembers(caller, id)
              .handle((group, error) -> error != null
                  ? dead(id).setErrorCode(KafkaGroupErrors.of(error).code())
                      .setErrorMessage(KafkaGroupErrors.message(error))
                  : group.failure() != null
                      ? notFoundIsError
                          ? dead(id).setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                              .setErrorMessage(group.failure().message())
                          : dead(id)
                      : described(group))
              .toCompletableFuture())
          .toList();
      return CompletableFuture.allOf(described.toArray(CompletableFuture[]::new)).thenApply(done ->
          new DescribeGroupsResponseData().setGroups(described.stream().map(CompletableFuture::join).toList()));
    }

    private static DescribedGroup dead(String groupId) {
      return new DescribedGroup().setGroupId(groupId).setGroupState("Dead").setProtocolType("").setProtocolData("")
          .setErrorCode(Errors.NONE.code());
    }

    private static DescribedGroup described(GroupCoordinator.Description group) {
      List<DescribedGroupMember> members = new ArrayList<>();
      if (group.classic() != null) {
        group.classic().members().forEach(m -> members.add(new DescribedGroupMember().setMemberId(m.memberId())
            .setGroupInstanceId(m.groupInstanceId().isEmpty() ? null : m.groupInstanceId())
            .setClientId(m.clientId()).setClientHost(m.host()).setMemberMetadata(m.metadata())
            .setMemberAssignment(m.assignment())));
      } else {
        group.members().forEach(m -> members.add(nativeMember(group, m)));
      }
      return new DescribedGroup().setGroupId(group.groupId()).setErrorCode(Errors.NONE.code())
          .setGroupState(state(group)).setProtocolType(protocolType(group))
          .setProtocolData(group.classic() != null ? group.classic().protocolName() : group.assignor())
          .setMembers(members);
    }

    private static DescribedGroupMember nativeMember(GroupCoordinator.Description group, GroupMembership.Member m) {
      List<TopicPartition> owned = new ArrayList<>();
      for (PartitionKey p : group.owned().getOrDefault(m.memberId(), Set.of())) {
        owned.add(new TopicPartition(p.topic(), p.partition()));
      }
      owned.sort(java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
      return new DescribedGroupMember().setMemberId(m.memberId()).setClientId(m.clientId()).setClientHost(m.host())
          .setMemberMetadata(bytes(ConsumerProtocol.serializeSubscription(
              new ConsumerPartitionAssignor.Subscription(m.topics()))))
          .setMemberAssignment(bytes(ConsumerProtocol.serializeAssignment(
              new ConsumerPartitionAssignor.Assignment(owned))));
    }

    private static byte[] bytes(ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    }
  }

  static final class DeleteGroups implements KafkaApiHandler<DeleteGroupsRequestData, DeleteGroupsResponseData> {

    private final GroupRequests groups;

    DeleteGroups(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.DELETE_GROUPS;
    }

    @Override
    public short maxVersion() {
      return 3;
    }

    @Override
    public CompletionStage<DeleteGroupsResponseData> handle(KafkaRequestContext context, DeleteGroupsRequestData request) {
      Caller caller = context.caller();
      List<CompletableFuture<DeletableGroupResult>> results = request.groupsNames().stream()
          .map(id -> deleted(caller, id).toCompletableFuture())
          .toList();
      return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
        DeletableGroupResultCollection collection = new DeletableGroupResultCollection();
        results.forEach(r -> collection.add(r.join()));
        return new DeleteGroupsResponseData().setResults(collection);
      });
    }

    private CompletionStage<DeletableGroupResult> deleted(Caller caller, String groupId) {
      CompletionStage<Void> deletion;
      try {
        deletion = groups.deleteGroup(caller, groupId);
      } catch (RuntimeException invalid) {
        deletion = CompletableFuture.failedFuture(invalid);
      }
      return deletion.handle((done, error) -> new DeletableGroupResult().setGroupId(groupId)
          .setErrorCode(error == null ? Errors.NONE.code() : KafkaGroupErrors.of(error).code()));
    }
  }
}
