package io.skein.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.skein.broker.GroupConsumer;
import io.skein.broker.PartitionRequests;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.common.FailureException;
import io.skein.group.GroupCoordinator;
import io.skein.metadata.PartitionKey;
import io.skein.proto.v1.Assignment;
import io.skein.proto.v1.CommitOffsetsResponse;
import io.skein.proto.v1.Credit;
import io.skein.proto.v1.GroupSubscribeRequest;
import io.skein.proto.v1.GroupSubscribeResponse;
import io.skein.proto.v1.GroupSubscribeStart;
import io.skein.proto.v1.Joined;
import io.skein.proto.v1.PartitionRecords;
import io.skein.proto.v1.PartitionResult;
import io.skein.proto.v1.Revocation;
import io.skein.server.grpc.GrpcQuotas.CallIdentity;
import java.util.List;
import java.util.function.Function;

/**
 * One GroupSubscribe call: client messages to a {@link GroupConsumer}, its news and records
 * back as stream messages, the records within the client's credit. Writes to the stream
 * happen under this object's lock. The records sent count against the caller's
 * consumer_byte_rate quota: over it, the stream takes no records for the throttle time.
 */
final class GroupSubscribeStream implements StreamObserver<GroupSubscribeRequest>, GroupConsumer.Listener {

  private final ServerCallStreamObserver<GroupSubscribeResponse> out;
  private final String host;
  private final GroupConsumer consumer;
  private boolean started;
  private boolean closed;
  private final Credits credits = Credits.none();
  private final StreamThrottle throttle;

  GroupSubscribeStream(ServerCallStreamObserver<GroupSubscribeResponse> out, String host,
      Function<GroupConsumer.Listener, GroupConsumer> consumers, GrpcQuotas quotas, CallIdentity identity) {
    this.out = out;
    this.host = host;
    // From the scheduler's thread: the consumer is called without this object's lock.
    this.throttle = new StreamThrottle(quotas, identity, this::resume);
    this.consumer = consumers.apply(this);
    out.setOnReadyHandler(consumer::pump);
    out.setOnCancelHandler(this::leave);
  }

  /** A throttle's pause ended: the consumer takes records again. */
  private void resume() {
    consumer.pump();
  }

  // ---- from the client ------------------------------------------------------------------

  @Override
  public void onNext(GroupSubscribeRequest request) {
    try {
      switch (request.getKindCase()) {
        case START -> start(request.getStart());
        case GRANT -> grant(request.getGrant());
        case COMMIT -> {
          requireStarted();
          consumer.commit(request.getCorrelationId(), GroupGrpcService.toCommit(request.getCommit().getOffsetsList()));
        }
        case REVOCATION_DONE -> {
          requireStarted();
          consumer.revocationDone();
        }
        case KIND_NOT_SET -> throw new FailureException(ErrorCode.INVALID_REQUEST,
            "a GroupSubscribe message needs one of start, grant, commit, revocation_done");
      }
    } catch (FailureException e) {
      rejected(request.getCorrelationId(), e.failure());
    }
  }

  /** Calls the consumer without holding this object's lock: the consumer calls in holding its own. */
  private void start(GroupSubscribeStart start) {
    if (start.getTopicsCount() == 0) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "start needs at least one topic");
    }
    synchronized (this) {
      if (started) {
        throw new FailureException(ErrorCode.INVALID_REQUEST, "this stream has already started");
      }
      started = true;
    }
    consumer.start(host, new GroupConsumer.Join(start.getGroupId(), start.getClientId(), start.getTopicsList(),
        start.getSessionTimeoutMs(), start.getRebalanceTimeoutMs(), start.getAssignor()));
    grant(start.getGrant());
  }

  private synchronized void requireStarted() {
    if (!started) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "the first message must be start");
    }
  }

  private void grant(Credit grant) {
    Credits.check(grant);
    synchronized (this) {
      credits.add(grant);
    }
    consumer.pump();
  }

  @Override
  public void onError(Throwable t) {
    leave();
  }

  @Override
  public void onCompleted() {
    leave();
  }

  private void leave() {
    synchronized (this) {
      closed = true;
    }
    consumer.close();
  }

  // ---- from the member ------------------------------------------------------------------

  private synchronized void send(GroupSubscribeResponse.Builder response) {
    if (!closed && !out.isCancelled()) {
      out.onNext(response.build());
    }
  }

  @Override
  public void joined(String memberId, int generation) {
    send(GroupSubscribeResponse.newBuilder().setJoined(Joined.newBuilder().setMemberId(memberId)
        .setGeneration(generation)));
  }

  @Override
  public void assigned(int generation, List<PartitionKey> partitions, List<PartitionKey> added) {
    send(GroupSubscribeResponse.newBuilder().setAssignment(Assignment.newBuilder().setGeneration(generation)
        .addAllPartitions(GroupGrpcService.topicPartitions(partitions))
        .addAllAdded(GroupGrpcService.topicPartitions(added))));
  }

  @Override
  public void revoking(int generation, List<PartitionKey> partitions) {
    send(GroupSubscribeResponse.newBuilder().setRevocation(Revocation.newBuilder().setGeneration(generation)
        .addAllPartitions(GroupGrpcService.topicPartitions(partitions))));
  }

  @Override
  public void committed(long correlationId, List<GroupCoordinator.PartitionResult> results, Failure failure) {
    if (failure != null) {
      rejected(correlationId, failure);
      return;
    }
    CommitOffsetsResponse.Builder committed = CommitOffsetsResponse.newBuilder();
    for (GroupCoordinator.PartitionResult result : results) {
      committed.addResults(PartitionResult.newBuilder().setTopic(result.topic()).setPartition(result.partition())
          .setError(result.failure() == null ? Replies.NO_ERROR : Replies.toError(result.failure())));
    }
    send(GroupSubscribeResponse.newBuilder().setCorrelationId(correlationId).setCommitted(committed));
  }

  @Override
  public void rejected(long correlationId, Failure failure) {
    send(GroupSubscribeResponse.newBuilder().setCorrelationId(Math.max(correlationId, 0))
        .setError(Replies.toError(failure)));
  }

  @Override
  public synchronized boolean canTake() {
    return !closed && credits.any() && !throttle.throttled() && out.isReady();
  }

  @Override
  public synchronized long take(PartitionKey partition, PartitionRequests.Fetched fetched, long fromOffset) {
    PartitionRecords.Builder records = PartitionRecords.newBuilder().setTopic(partition.topic())
        .setPartition(partition.partition()).setHighWatermark(fetched.highWatermark());
    long stoppedAt = PlainRecords.decode(fetched.records(), fromOffset, credits.limit(), records::addRecords);
    if (records.getRecordsCount() > 0) {
      send(GroupSubscribeResponse.newBuilder().setRecords(records));
      throttle.sent(Credits.size(records.getRecordsList()));
    }
    credits.spend(records.getRecordsList(), stoppedAt);
    return stoppedAt >= 0 ? stoppedAt : fetched.nextOffset();
  }

  @Override
  public synchronized void ended(Failure failure) {
    if (closed || out.isCancelled()) {
      return;
    }
    closed = true;
    if (failure == null) {
      out.onCompleted();
    } else {
      out.onError(Replies.toStatus(failure));
    }
  }
}
