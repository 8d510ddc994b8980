package io.skein.server.kafka;

import io.skein.broker.GroupRequests;
import io.skein.group.ClassicGroup;
import io.skein.group.GroupCoordinator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/** Kafka's classic group membership: JoinGroup, SyncGroup, Heartbeat and LeaveGroup. */
final class ClassicGroupHandlers {

  private ClassicGroupHandlers() {}

  /** A static member's group.instance.id; "" for a dynamic member (Kafka's null). */
  static String instanceId(String groupInstanceId) {
    return groupInstanceId == null ? "" : groupInstanceId;
  }

  static final class JoinGroup implements KafkaApiHandler<JoinGroupRequestData, JoinGroupResponseData> {

    private final GroupRequests groups;

    JoinGroup(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.JOIN_GROUP;
    }

    @Override
    public short maxVersion() {
      return 9;
    }

    @Override
    public CompletionStage<JoinGroupResponseData> handle(KafkaRequestContext context, JoinGroupRequestData request) {
      short version = context.apiVersion();
      List<ClassicGroup.Protocol> protocols = new ArrayList<>();
      request.protocols().forEach(p -> protocols.add(new ClassicGroup.Protocol(p.name(), p.metadata())));
      int rebalanceTimeout = version >= 1 ? request.rebalanceTimeoutMs() : request.sessionTimeoutMs();
      return groups.joinClassic(context.caller(), request.groupId(), request.memberId(),
          instanceId(request.groupInstanceId()),
              context.clientId(),
              "/" + context.clientAddress().getAddress().getHostAddress(), request.sessionTimeoutMs(), rebalanceTimeout,
              request.protocolType(), protocols, version >= 4)
          .handle((joined, error) -> error != null
              ? failed(version, request.memberId(), KafkaGroupErrors.of(error))
              : joined(version, joined));
    }

    private static JoinGroupResponseData joined(short version, GroupCoordinator.ClassicJoined joined) {
      if (joined.memberIdRequired()) {
        return failed(version, joined.memberId(), Errors.MEMBER_ID_REQUIRED);
      }
      List<JoinGroupResponseMember> members = new ArrayList<>();
      joined.members().forEach(m -> members.add(new JoinGroupResponseMember().setMemberId(m.memberId())
          .setGroupInstanceId(m.groupInstanceId().isEmpty() ? null : m.groupInstanceId()).setMetadata(m.metadata())));
      return new JoinGroupResponseData()
          .setErrorCode(Errors.NONE.code())
          .setGenerationId(joined.generation())
          .setProtocolType(joined.protocolType())
          .setProtocolName(joined.protocolName())
          .setLeader(joined.leaderId())
          .setMemberId(joined.memberId())
          .setMembers(members);
    }

    private static JoinGroupResponseData failed(short version, String memberId, Errors error) {
      return new JoinGroupResponseData()
          .setErrorCode(error.code())
          .setGenerationId(-1)
          .setProtocolName(version >= 7 ? null : "")
          .setLeader("")
          .setMemberId(memberId);
    }
  }

  static final class SyncGroup implements KafkaApiHandler<SyncGroupRequestData, SyncGroupResponseData> {

    private final GroupRequests groups;

    SyncGroup(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.SYNC_GROUP;
    }

    @Override
    public short maxVersion() {
      return 5;
    }

    @Override
    public CompletionStage<SyncGroupResponseData> handle(KafkaRequestContext context, SyncGroupRequestData request) {
      Map<String, byte[]> assignments = new HashMap<>();
      request.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
      boolean named = context.apiVersion() >= 5;
      return groups.syncClassic(context.caller(), request.groupId(), request.memberId(),
          instanceId(request.groupInstanceId()),
              request.generationId(),
              named ? request.protocolType() : null, named ? request.protocolName() : null, assignments)
          .handle((synced, error) -> error != null
              ? new SyncGroupResponseData().setErrorCode(KafkaGroupErrors.of(error).code()).setProtocolType(null)
                  .setProtocolName(null).setAssignment(new byte[0])
              : new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setProtocolType(synced.protocolType())
                  .setProtocolName(synced.protocolName()).setAssignment(synced.assignment()));
    }
  }

  static final class Heartbeat implements KafkaApiHandler<HeartbeatRequestData, HeartbeatResponseData> {

    private final GroupRequests groups;

    Heartbeat(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.HEARTBEAT;
    }

    @Override
    public short maxVersion() {
      return 4;
    }

    @Override
    public CompletionStage<HeartbeatResponseData> handle(KafkaRequestContext context, HeartbeatRequestData request) {
      return groups.heartbeatClassic(context.caller(), request.groupId(), request.memberId(),
          instanceId(request.groupInstanceId()),
              request.generationId())
          .handle((done, error) -> new HeartbeatResponseData()
              .setErrorCode(error == null ? Errors.NONE.code() : KafkaGroupErrors.of(error).code()));
    }
  }

  static final class LeaveGroup implements KafkaApiHandler<LeaveGroupRequestData, LeaveGroupResponseData> {

    private final GroupRequests groups;

    LeaveGroup(GroupRequests groups) {
      this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
      return ApiKeys.LEAVE_GROUP;
    }

    @Override
    public short maxVersion() {
      return 5;
    }

    @Override
    public CompletionStage<LeaveGroupResponseData> handle(KafkaRequestContext context, LeaveGroupRequestData request) {
      boolean batched = context.apiVersion() >= 3;
      List<MemberIdentity> leaving = batched ? request.members()
          : List.of(new MemberIdentity().setMemberId(request.memberId()));
      List<GroupCoordinator.LeavingMember> identities = leaving.stream()
          .map(m -> new GroupCoordinator.LeavingMember(m.memberId(), instanceId(m.groupInstanceId()))).toList();
      return groups.leaveClassic(context.caller(), request.groupId(), identities).handle((outcomes, error) -> {
        if (error != null) {
          return new LeaveGroupResponseData().setErrorCode(KafkaGroupErrors.of(error).code());
        }
        if (!batched) {
          return new LeaveGroupResponseData().setErrorCode(KafkaGroupErrors.of(outcomes.get(0).failure()).code());
        }
        List<MemberResponse> members = new ArrayList<>();
        for (int i = 0; i < leaving.size(); i++) {
          members.add(new MemberResponse().setMemberId(leaving.get(i).memberId())
              .setGroupInstanceId(leaving.get(i).groupInstanceId())
              .setErrorCode(KafkaGroupErrors.of(outcomes.get(i).failure()).code()));
        }
        return new LeaveGroupResponseData().setErrorCode(Errors.NONE.code()).setMembers(members);
      });
    }
  }
}
