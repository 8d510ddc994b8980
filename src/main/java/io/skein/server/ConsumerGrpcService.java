package io.skein.server;

import io.skein.common.AkkaFutures;
import io.skein.common.FailureException;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.skein.log.LogReadResult;
import io.skein.node.BrokerConfig;
import io.skein.partition.PartitionLeader;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.common.ErrorCode;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.ListOffsetsRequest;
import io.skein.proto.v1.ListOffsetsResponse;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** ConsumerService: fetches, subscriptions and offset look-ups on partition leaders. */
final class ConsumerGrpcService extends ConsumerServiceGrpc.ConsumerServiceImplBase {

  static final int DEFAULT_MAX_BYTES = 1 << 20;
  /** How long one read of a subscription waits in the leader before it is re-issued. */
  static final Duration SUBSCRIBE_POLL = Duration.ofSeconds(5);

  private final PartitionRouter router;
  private final BrokerConfig config;
  private final Set<SubscribeStream> subscriptions = ConcurrentHashMap.newKeySet();

  ConsumerGrpcService(PartitionRouter router, BrokerConfig config) {
    this.router = router;
    this.config = config;
  }

  @Override
  public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
    Replies.guard(observer, () -> {
      if (request.getMaxWaitMs() < 0) {
        throw new FailureException(ErrorCode.INVALID_REQUEST, "max_wait_ms must be >= 0, was " + request.getMaxWaitMs());
      }
      int maxBytes = maxBytes(request.getMaxBytes());
      Optional<LogReadResult> local =
          router.readLocally(request.getTopic(), request.getPartition(), request.getOffset(), maxBytes);
      if (local.isPresent()) {
        LogReadResult read = local.get();
        try {
          observer.onNext(fetchResponse(request, read.records(), read.highWatermark(), read.logStartOffset()));
          observer.onCompleted();
        } finally {
          router.release(read.records());
        }
        return;
      }
      var leader = router.leaderOf(request.getTopic(), request.getPartition());
      Duration wait = min(Duration.ofMillis(request.getMaxWaitMs()), config.maxFetchWait());
      CompletionStage<PartitionLeader.ReadReply> reply = AkkaFutures.direct(leader.ask(
          replyTo -> new PartitionLeader.Read(request.getOffset(), maxBytes, wait, replyTo),
          wait.plus(config.requestTimeout())));
      Replies.answer(observer, reply, PartitionLeader.ReadReply::failure,
          read -> fetchResponse(request, read.records(), read.highWatermark(), read.logStartOffset()));
    });
  }

  private static FetchResponse fetchResponse(
      FetchRequest request, ByteBuffer records, long highWatermark, long logStartOffset) {
    return FetchResponse.newBuilder()
        .setTopic(request.getTopic())
        .setPartition(request.getPartition())
        .setHighWatermark(highWatermark)
        .setLogStartOffset(logStartOffset)
        .setRecords(UnsafeByteOperations.unsafeWrap(records))
        .build();
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<SubscribeResponse> observer) {
    Replies.guard(observer, () -> {
      var leader = router.leaderOf(request.getTopic(), request.getPartition());
      if (request.getStart() == OffsetSpec.OFFSET_SPEC_EXPLICIT && request.getOffset() < 0) {
        throw new FailureException(ErrorCode.INVALID_REQUEST, "offset must be >= 0, was " + request.getOffset());
      }
      SubscribeStream stream = new SubscribeStream(
          router, leader, request, maxBytes(request.getMaxBytes()), SUBSCRIBE_POLL, config.requestTimeout(),
          (ServerCallStreamObserver<SubscribeResponse>) observer, subscriptions::remove);
      subscriptions.add(stream);
      stream.start();
    });
  }

  @Override
  public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> observer) {
    Replies.guard(observer, () -> {
      var leader = router.leaderOf(request.getTopic(), request.getPartition());
      long timestamp = switch (request.getSpec()) {
        case EARLIEST -> PartitionLeader.ListOffsets.EARLIEST;
        case LATEST -> PartitionLeader.ListOffsets.LATEST;
        case OFFSET_SPEC_EXPLICIT -> {
          if (request.getTimestamp() < 0) {
            throw new FailureException(ErrorCode.INVALID_REQUEST, "timestamp must be >= 0, was " + request.getTimestamp());
          }
          yield request.getTimestamp();
        }
        case UNRECOGNIZED -> throw new FailureException(ErrorCode.INVALID_REQUEST, "unknown offset spec");
      };
      CompletionStage<PartitionLeader.OffsetReply> reply = AkkaFutures.direct(leader.ask(
          replyTo -> new PartitionLeader.ListOffsets(timestamp, replyTo), config.requestTimeout()));
      Replies.answer(observer, reply, PartitionLeader.OffsetReply::failure, found -> ListOffsetsResponse.newBuilder()
          .setOffset(found.offset())
          .setTimestamp(found.timestamp())
          .build());
    });
  }

  /** Live subscriptions, for monitoring and tests of flow control. */
  List<SubscribeStream.Snapshot> subscriptions() {
    return subscriptions.stream().map(SubscribeStream::snapshot).toList();
  }

  private int maxBytes(int requested) {
    if (requested < 0) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "max_bytes must be >= 0, was " + requested);
    }
    return requested == 0 ? DEFAULT_MAX_BYTES : Math.min(requested, config.maxFetchBytes());
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
