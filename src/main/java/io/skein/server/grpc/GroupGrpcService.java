package io.skein.server.grpc;

import io.skein.broker.Caller;
import io.skein.broker.GroupConsumer;
import io.skein.broker.GroupRequests;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import akka.actor.typed.ActorRef;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.skein.common.Failure;
import io.skein.group.GroupCoordinator;
import io.skein.group.GroupMembership;
import io.skein.group.GroupOffsetQueries;
import io.skein.group.GroupSession;
import io.skein.metadata.PartitionKey;
import io.skein.proto.v1.Ack;
import io.skein.proto.v1.Assignment;
import io.skein.proto.v1.CommitOffsetsRequest;
import io.skein.proto.v1.CommitOffsetsResponse;
import io.skein.proto.v1.DeleteGroupRequest;
import io.skein.proto.v1.DeleteGroupResponse;
import io.skein.proto.v1.DescribeGroupRequest;
import io.skein.proto.v1.DescribeGroupResponse;
import io.skein.proto.v1.FetchOffsetsRequest;
import io.skein.proto.v1.FetchOffsetsResponse;
import io.skein.proto.v1.GroupListing;
import io.skein.proto.v1.GroupRequest;
import io.skein.proto.v1.GroupResponse;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.GroupState;
import io.skein.proto.v1.GroupSubscribeRequest;
import io.skein.proto.v1.GroupSubscribeResponse;
import io.skein.proto.v1.Joined;
import io.skein.proto.v1.ListGroupsRequest;
import io.skein.proto.v1.ListGroupsResponse;
import io.skein.proto.v1.MemberDescription;
import io.skein.proto.v1.OffsetChange;
import io.skein.proto.v1.PartitionLag;
import io.skein.proto.v1.PartitionOffset;
import io.skein.proto.v1.PartitionResult;
import io.skein.proto.v1.ResetOffsetsRequest;
import io.skein.proto.v1.ResetOffsetsResponse;
import io.skein.proto.v1.Revocation;
import io.skein.proto.v1.TopicPartitions;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * GroupService: translates between protobuf and the broker's group requests. A GroupSession
 * stream becomes a {@link GroupSession} on this node, fed the stream's requests and writing
 * the coordinator's messages back to it.
 */
final class GroupGrpcService extends GroupServiceGrpc.GroupServiceImplBase {

  /** The client's address, captured by {@link #peerInterceptor()}. */
  private static final Context.Key<String> PEER = Context.key("skein-peer");

  private final GroupRequests groups;
  private final BiFunction<Caller, GroupConsumer.Listener, GroupConsumer> consumers;
  private final GrpcQuotas quotas;

  GroupGrpcService(GroupRequests groups, BiFunction<Caller, GroupConsumer.Listener, GroupConsumer> consumers,
      GrpcQuotas quotas) {
    this.groups = groups;
    this.consumers = consumers;
    this.quotas = quotas;
  }

  /** Puts the caller's address in the gRPC context, for DescribeGroup's member host. */
  static ServerInterceptor peerInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String peer = address == null ? "" : address.toString().replaceFirst("^/", "");
        return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
      }
    };
  }

  // ---- session --------------------------------------------------------------------------

  @Override
  public StreamObserver<GroupRequest> groupSession(StreamObserver<GroupResponse> responses) {
    ServerCallStreamObserver<GroupResponse> out = (ServerCallStreamObserver<GroupResponse>) responses;
    out.disableAutoRequest();
    String host = PEER.get() == null ? "" : PEER.get();
    ActorRef<GroupSession.Command> session =
        groups.openSession(CallerContext.current(), host, new StreamOutbox(out));
    out.setOnReadyHandler(() -> session.tell(new GroupSession.Ready()));
    out.setOnCancelHandler(() -> session.tell(new GroupSession.ClientGone()));
    out.request(1);
    return new StreamObserver<>() {
      @Override
      public void onNext(GroupRequest request) {
        session.tell(toCommand(request));
      }

      @Override
      public void onError(Throwable t) {
        session.tell(new GroupSession.ClientGone());
      }

      @Override
      public void onCompleted() {
        session.tell(new GroupSession.ClientGone());
      }
    };
  }

  @Override
  public StreamObserver<GroupSubscribeRequest> groupSubscribe(StreamObserver<GroupSubscribeResponse> responses) {
    return new GroupSubscribeStream((ServerCallStreamObserver<GroupSubscribeResponse>) responses,
        PEER.get() == null ? "" : PEER.get(), listener -> consumers.apply(CallerContext.current(), listener), quotas,
        GrpcQuotas.CallIdentity.current());
  }

  private static GroupSession.Command toCommand(GroupRequest request) {
    long id = request.getCorrelationId();
    return switch (request.getKindCase()) {
      case JOIN -> {
        var j = request.getJoin();
        yield new GroupSession.JoinRequest(id, j.getGroupId(), j.getMemberId(), j.getClientId(), j.getTopicsList(),
            j.getTopicPattern(), j.getSessionTimeoutMs(), j.getRebalanceTimeoutMs(), j.getAssignor());
      }
      case HEARTBEAT -> new GroupSession.HeartbeatRequest(id, request.getHeartbeat().getMemberId(),
          request.getHeartbeat().getGeneration());
      case REVOCATION_ACK -> new GroupSession.AckRequest(id, request.getRevocationAck().getMemberId(),
          request.getRevocationAck().getGeneration(), partitionKeys(request.getRevocationAck().getPartitionsList()));
      case COMMIT -> new GroupSession.CommitRequest(id, request.getCommit().getMemberId(),
          request.getCommit().getGeneration(), toCommit(request.getCommit().getOffsetsList()));
      case LEAVE -> new GroupSession.LeaveRequest(id, request.getLeave().getMemberId());
      case KIND_NOT_SET -> new GroupSession.BadRequest(id,
          Failure.of(ErrorCode.INVALID_REQUEST, "a group request needs one of join, heartbeat, revocation_ack, commit, leave"));
    };
  }

  /** Writes a session's messages to its stream; called only by the session actor. */
  private static final class StreamOutbox implements GroupSession.Outbox {
    private final ServerCallStreamObserver<GroupResponse> out;
    private boolean done;

    StreamOutbox(ServerCallStreamObserver<GroupResponse> out) {
      this.out = out;
    }

    @Override
    public boolean isReady() {
      return !done && !out.isCancelled() && out.isReady();
    }

    @Override
    public void send(GroupCoordinator.ToMember message) {
      if (!done && !out.isCancelled()) {
        out.onNext(toResponse(message));
      }
    }

    @Override
    public void complete() {
      if (!done) {
        done = true;
        if (!out.isCancelled()) {
          out.onCompleted();
        }
      }
    }

    @Override
    public void fail(Failure failure) {
      if (!done) {
        done = true;
        if (!out.isCancelled()) {
          out.onError(Replies.toStatus(failure));
        }
      }
    }

    @Override
    public void requestNext() {
      if (!done && !out.isCancelled()) {
        out.request(1);
      }
    }
  }

  static GroupResponse toResponse(GroupCoordinator.ToMember message) {
    GroupResponse.Builder response = GroupResponse.newBuilder();
    if (message instanceof GroupCoordinator.Joined j) {
      response.setCorrelationId(j.correlationId()).setJoined(Joined.newBuilder().setMemberId(j.memberId())
          .setGeneration(j.generation()).setAssignor(j.assignor()).setSessionTimeoutMs(j.sessionTimeoutMs()));
    } else if (message instanceof GroupCoordinator.Assigned a) {
      response.setAssignment(Assignment.newBuilder().setGeneration(a.generation())
          .addAllPartitions(topicPartitions(a.partitions())).addAllAdded(topicPartitions(a.added()))
          .setPending(a.pending()));
    } else if (message instanceof GroupCoordinator.Revoked r) {
      response.setRevocation(Revocation.newBuilder().setGeneration(r.generation())
          .addAllPartitions(topicPartitions(r.partitions())));
    } else if (message instanceof GroupCoordinator.Acked a) {
      response.setCorrelationId(a.correlationId()).setAck(Ack.newBuilder().setGeneration(Math.max(a.generation(), 0)));
    } else if (message instanceof GroupCoordinator.Rejected r) {
      response.setCorrelationId(r.correlationId()).setError(Replies.toError(r.failure()));
    } else if (message instanceof GroupCoordinator.CommitReply c) {
      response.setCorrelationId(c.correlationId());
      if (c.failure() != null) {
        response.setError(Replies.toError(c.failure()));
      } else {
        response.setCommit(commitResponse(c.results()));
      }
    }
    return response.build();
  }

  // ---- offsets --------------------------------------------------------------------------

  @Override
  public void commitOffsets(CommitOffsetsRequest request, StreamObserver<CommitOffsetsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        groups.commitOffsets(CallerContext.current(), request.getGroupId(), request.getMemberId(),
            request.getGeneration(),
            toCommit(request.getOffsetsList())),
        GroupGrpcService::commitResponse));
  }

  @Override
  public void fetchOffsets(FetchOffsetsRequest request, StreamObserver<FetchOffsetsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        groups.fetchOffsets(CallerContext.current(), request.getGroupId(), request.getMemberId(),
            request.getGeneration(),
            partitionKeys(request.getPartitionsList())),
        offsets -> {
          FetchOffsetsResponse.Builder response = FetchOffsetsResponse.newBuilder();
          for (GroupCoordinator.CommittedOffset c : offsets) {
            response.addOffsets(PartitionOffset.newBuilder().setTopic(c.topic()).setPartition(c.partition())
                .setOffset(c.offset()).setMetadata(c.metadata()));
          }
          return response.build();
        }));
  }

  // ---- administration -------------------------------------------------------------------

  @Override
  public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, groups.listGroups(CallerContext.current()), described -> {
      ListGroupsResponse.Builder response = ListGroupsResponse.newBuilder();
      for (GroupCoordinator.Description d : described) {
        response.addGroups(GroupListing.newBuilder().setGroupId(d.groupId()).setState(state(d.state()))
            .setMembers(d.members().size()));
      }
      return response.build();
    }));
  }

  @Override
  public void describeGroup(DescribeGroupRequest request, StreamObserver<DescribeGroupResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, groups.describeGroup(CallerContext.current(),
        request.getGroupId()),
        described -> describeResponse(described.group(), described.lags())));
  }

  @Override
  public void resetOffsets(ResetOffsetsRequest request, StreamObserver<ResetOffsetsResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer,
        groups.resetOffsets(CallerContext.current(), request.getGroupId(), request.getTopicsList(),
            resetTarget(request), request.getExecute()),
        changes -> ResetOffsetsResponse.newBuilder()
            .addAllChanges(changes.stream().map(GroupGrpcService::offsetChange).toList())
            .setExecuted(request.getExecute()).build()));
  }

  @Override
  public void deleteGroup(DeleteGroupRequest request, StreamObserver<DeleteGroupResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, groups.deleteGroup(CallerContext.current(),
        request.getGroupId()),
        deleted -> DeleteGroupResponse.getDefaultInstance()));
  }

  // ---- describe and reset translation --------------------------------------------------

  private static DescribeGroupResponse describeResponse(
      GroupCoordinator.Description d, List<GroupOffsetQueries.PartitionLag> lags) {
    DescribeGroupResponse.Builder response = DescribeGroupResponse.newBuilder()
        .setGroupId(d.groupId()).setState(state(d.state())).setAssignor(d.assignor()).setGeneration(d.generation());
    for (GroupMembership.Member m : d.members()) {
      response.addMembers(MemberDescription.newBuilder().setMemberId(m.memberId()).setClientId(m.clientId())
          .setHost(m.host())
          .addAllAssignment(topicPartitions(d.owned().getOrDefault(m.memberId(), Set.of())))
          .addAllRevoking(topicPartitions(d.revoking().getOrDefault(m.memberId(), Set.of())))
          .addAllTopics(m.topics()).setTopicPattern(m.pattern()));
    }
    for (GroupOffsetQueries.PartitionLag lag : lags) {
      response.addPartitions(PartitionLag.newBuilder()
          .setTopic(lag.partition().topic()).setPartition(lag.partition().partition())
          .setMemberId(lag.memberId()).setCommittedOffset(lag.committedOffset())
          .setHighWatermark(lag.highWatermark()).setLag(lag.lag()).setLagMs(lag.lagMs()));
    }
    return response.build();
  }

  private static GroupOffsetQueries.ResetTarget resetTarget(ResetOffsetsRequest request) {
    return switch (request.getTargetCase()) {
      case TO_EARLIEST -> new GroupOffsetQueries.ToEarliest();
      case TO_LATEST -> new GroupOffsetQueries.ToLatest();
      case TO_DATETIME -> new GroupOffsetQueries.ToTimestamp(request.getToDatetime());
      case TO_OFFSET -> new GroupOffsetQueries.ToOffset(request.getToOffset());
      case TARGET_NOT_SET -> throw new FailureException(ErrorCode.INVALID_REQUEST,
          "a reset needs one of to_earliest, to_latest, to_datetime, to_offset");
    };
  }

  private static OffsetChange offsetChange(GroupOffsetQueries.OffsetReset reset) {
    return OffsetChange.newBuilder().setTopic(reset.partition().topic()).setPartition(reset.partition().partition())
        .setPreviousOffset(reset.previousOffset()).setOffset(reset.offset()).build();
  }

  // ---- small helpers --------------------------------------------------------------------

  private static GroupState state(String phase) {
    try {
      return GroupState.valueOf(phase);
    } catch (IllegalArgumentException e) {
      return GroupState.GROUP_STATE_UNKNOWN;
    }
  }

  private static CommitOffsetsResponse commitResponse(List<GroupCoordinator.PartitionResult> results) {
    CommitOffsetsResponse.Builder response = CommitOffsetsResponse.newBuilder();
    for (GroupCoordinator.PartitionResult r : results) {
      PartitionResult.Builder result = PartitionResult.newBuilder().setTopic(r.topic()).setPartition(r.partition());
      result.setError(r.failure() == null ? Replies.NO_ERROR : Replies.toError(r.failure()));
      response.addResults(result);
    }
    return response.build();
  }

  static List<GroupCoordinator.OffsetToCommit> toCommit(List<PartitionOffset> offsets) {
    return offsets.stream()
        .map(o -> new GroupCoordinator.OffsetToCommit(o.getTopic(), o.getPartition(), o.getOffset(), o.getMetadata()))
        .toList();
  }

  static List<PartitionKey> partitionKeys(List<TopicPartitions> groups) {
    List<PartitionKey> keys = new ArrayList<>();
    for (TopicPartitions g : groups) {
      for (int p : g.getPartitionsList()) {
        keys.add(new PartitionKey(g.getTopic(), p));
      }
    }
    return keys;
  }

  static List<TopicPartitions> topicPartitions(Collection<PartitionKey> partitions) {
    Map<String, TreeSet<Integer>> byTopic = new TreeMap<>();
    partitions.forEach(p -> byTopic.computeIfAbsent(p.topic(), t -> new TreeSet<>()).add(p.partition()));
    List<TopicPartitions> result = new ArrayList<>();
    byTopic.forEach((topic, ps) -> result.add(TopicPartitions.newBuilder().setTopic(topic).addAllPartitions(ps).build()));
    return result;
  }
}
