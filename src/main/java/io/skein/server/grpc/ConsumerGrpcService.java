package io.skein.server.grpc;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.skein.broker.PartitionRequests;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.ListOffsetsRequest;
import io.skein.proto.v1.ListOffsetsResponse;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** ConsumerService: fetches, subscriptions and offset look-ups, to the broker's reads and back. */
final class ConsumerGrpcService extends ConsumerServiceGrpc.ConsumerServiceImplBase {

  /** How long one read of a subscription waits in the leader before it is re-issued. */
  static final Duration SUBSCRIBE_POLL = Duration.ofSeconds(5);

  private final PartitionRequests partitions;
  private final Set<SubscribeStream> subscriptions = ConcurrentHashMap.newKeySet();

  ConsumerGrpcService(PartitionRequests partitions) {
    this.partitions = partitions;
  }

  @Override
  public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
    Replies.guard(observer, () -> partitions
        .fetch(request.getTopic(), request.getPartition(), request.getOffset(), request.getMaxBytes(),
            request.getMaxWaitMs(), fetched -> {
              // Sent before the broker takes the buffer of a local read back: gRPC copies it out in onNext.
              observer.onNext(fetchResponse(request, fetched));
              observer.onCompleted();
            })
        .whenComplete((done, error) -> {
          if (error != null) {
            observer.onError(Replies.toStatus(error));
          }
        }));
  }

  private static FetchResponse fetchResponse(FetchRequest request, PartitionRequests.Fetched fetched) {
    return FetchResponse.newBuilder()
        .setTopic(request.getTopic())
        .setPartition(request.getPartition())
        .setHighWatermark(fetched.highWatermark())
        .setLogStartOffset(fetched.logStartOffset())
        .setRecords(UnsafeByteOperations.unsafeWrap(fetched.records()))
        .build();
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<SubscribeResponse> observer) {
    Replies.guard(observer, () -> {
      PartitionRequests.Leader leader = partitions.leader(request.getTopic(), request.getPartition());
      if (request.getStart() == OffsetSpec.OFFSET_SPEC_EXPLICIT && request.getOffset() < 0) {
        throw new FailureException(ErrorCode.INVALID_REQUEST, "offset must be >= 0, was " + request.getOffset());
      }
      SubscribeStream stream = new SubscribeStream(partitions, leader, request,
          partitions.maxBytes(request.getMaxBytes()), SUBSCRIBE_POLL,
          (ServerCallStreamObserver<SubscribeResponse>) observer, subscriptions::remove);
      subscriptions.add(stream);
      stream.start();
    });
  }

  @Override
  public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> observer) {
    Replies.guard(observer, () -> {
      PartitionRequests.Leader leader = partitions.leader(request.getTopic(), request.getPartition());
      long spec = switch (request.getSpec()) {
        case EARLIEST -> PartitionRequests.EARLIEST;
        case LATEST -> PartitionRequests.LATEST;
        case OFFSET_SPEC_EXPLICIT -> {
          if (request.getTimestamp() < 0) {
            throw new FailureException(ErrorCode.INVALID_REQUEST, "timestamp must be >= 0, was " + request.getTimestamp());
          }
          yield request.getTimestamp();
        }
        case UNRECOGNIZED -> throw new FailureException(ErrorCode.INVALID_REQUEST, "unknown offset spec");
      };
      Replies.answer(observer, leader.offsetFor(spec), found -> ListOffsetsResponse.newBuilder()
          .setOffset(found.offset())
          .setTimestamp(found.timestamp())
          .build());
    });
  }

  /** Live subscriptions, for monitoring and tests of flow control. */
  List<SubscribeStream.Snapshot> subscriptions() {
    return subscriptions.stream().map(SubscribeStream::snapshot).toList();
  }
}
