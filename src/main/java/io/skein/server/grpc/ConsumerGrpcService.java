package io.skein.server.grpc;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.skein.broker.MultiFetch;
import io.skein.broker.PartitionRequests;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.CreditSubscribeRequest;
import io.skein.proto.v1.FetchPartitionsRequest;
import io.skein.proto.v1.FetchPartitionsResponse;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.ListOffsetsRequest;
import io.skein.proto.v1.ListOffsetsResponse;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.RecordFormat;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import io.skein.security.quota.QuotaKey;
import io.skein.server.grpc.GrpcQuotas.CallIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * ConsumerService: fetches, subscriptions and offset look-ups, to the broker's reads and back. The
 * record bytes a Fetch or a subscription sends count against the caller's consumer_byte_rate quota
 * (see {@link SubscribeStream} for a stream's pacing).
 */
final class ConsumerGrpcService extends ConsumerServiceGrpc.ConsumerServiceImplBase {

  /** How long one read of a subscription waits in the leader before it is re-issued. */
  static final Duration SUBSCRIBE_POLL = Duration.ofSeconds(5);

  private final PartitionRequests partitions;
  private final Set<SubscribeStream> subscriptions = ConcurrentHashMap.newKeySet();
  private final GrpcQuotas quotas;

  ConsumerGrpcService(PartitionRequests partitions, GrpcQuotas quotas) {
    this.partitions = partitions;
    this.quotas = quotas;
  }

  /**
   * The answer goes out at once (the broker takes a local read's buffer back after this callback);
   * over the quota, the call's end, which a unary client waits for, is held back for the throttle time.
   */

  @Override
  public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
    CallIdentity identity = CallIdentity.current();
    Replies.guard(observer, () -> partitions
        .fetch(CallerContext.current(), request.getTopic(), request.getPartition(), request.getOffset(),
            request.getMaxBytes(),
            request.getMaxWaitMs(), fetched -> {
              int throttleMs = (int) quotas.record(identity, QuotaKey.CONSUMER_BYTE_RATE,
                  fetched.records().remaining());
              // Sent before the broker takes the buffer of a local read back: gRPC copies it out in onNext.
              observer.onNext(
                  fetchResponse(request, fetched, request.getFormat()).setThrottleTimeMs(throttleMs).build());
              quotas.after(throttleMs, observer::onCompleted);
            })
        .whenComplete((done, error) -> {
          if (error != null) {
            observer.onError(Replies.toStatus(error));
          }
        }));
  }

  /**
   * Every entry read with one long poll; an entry that fails has only its error (offsets -1),
   * and the others are answered as they are. Over the quota, the answer is held back.
   */
  @Override
  public void fetchPartitions(FetchPartitionsRequest request, StreamObserver<FetchPartitionsResponse> observer) {
    CallIdentity identity = CallIdentity.current();
    Replies.guard(observer, () -> {
      List<MultiFetch.Wanted> wanted = new ArrayList<>(request.getPartitionsCount());
      for (FetchRequest entry : request.getPartitionsList()) {
        wanted.add(new MultiFetch.Wanted(entry.getTopic(), entry.getPartition(), entry.getOffset(), entry.getMaxBytes()));
      }
      Replies.answer(observer, partitions.fetch(CallerContext.current(), wanted, request.getMaxBytes(),
          request.getMaxWaitMs()).thenCompose(results -> {
            long bytes = 0;
            for (MultiFetch.Result result : results) {
              bytes += result.fetched() == null ? 0 : result.fetched().records().remaining();
            }
            int throttleMs = (int) quotas.record(identity, QuotaKey.CONSUMER_BYTE_RATE, bytes);
            return quotas.delayed(partitionsResponse(request, results).setThrottleTimeMs(throttleMs).build(),
                throttleMs);
          }), response -> response);
    });
  }

  /** The answer to a FetchPartitions, from its entries' reads in request order. */
  private static FetchPartitionsResponse.Builder partitionsResponse(FetchPartitionsRequest request,
      List<MultiFetch.Result> results) {
    FetchPartitionsResponse.Builder response = FetchPartitionsResponse.newBuilder();
    for (int i = 0; i < results.size(); i++) {
      FetchRequest entry = request.getPartitions(i);
      MultiFetch.Result result = results.get(i);
      response.addPartitions(result.error() == null
          ? fetchResponse(entry, result.fetched(), request.getFormat()).build()
          : FetchResponse.newBuilder()
              .setTopic(entry.getTopic())
              .setPartition(entry.getPartition())
              .setHighWatermark(-1)
              .setLogStartOffset(-1)
              .setError(Replies.toError(result.error()))
              .build());
    }
    return response;
  }

  /** The answer for one partition's read, its records as batches or plain records from the offset asked. */
  private static FetchResponse.Builder fetchResponse(FetchRequest request, PartitionRequests.Fetched fetched,
      RecordFormat format) {
    FetchResponse.Builder response = FetchResponse.newBuilder()
        .setTopic(request.getTopic())
        .setPartition(request.getPartition())
        .setHighWatermark(fetched.highWatermark())
        .setLogStartOffset(fetched.logStartOffset())
        .setError(Replies.NO_ERROR);
    if (format == RecordFormat.RECORD_FORMAT_PLAIN) {
      PlainRecords.decode(fetched.records(), request.getOffset(), PlainRecords.Limit.NONE, response::addPlainRecords);
    } else {
      response.setRecords(UnsafeByteOperations.unsafeWrap(fetched.records()));
    }
    return response;
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<SubscribeResponse> observer) {
    Replies.guard(observer, () -> open(request, (ServerCallStreamObserver<SubscribeResponse>) observer).start());
  }

  private SubscribeStream open(SubscribeRequest request, ServerCallStreamObserver<SubscribeResponse> observer) {
    PartitionRequests.Leader leader = partitions.reader(CallerContext.current(), request.getTopic(),
        request.getPartition());
    if (request.getStart() == OffsetSpec.OFFSET_SPEC_EXPLICIT && request.getOffset() < 0) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "offset must be >= 0, was " + request.getOffset());
    }
    SubscribeStream stream = new SubscribeStream(partitions, CallerContext.current(), leader, request,
        partitions.maxBytes(request.getMaxBytes()), SUBSCRIBE_POLL, observer, subscriptions::remove, quotas,
        CallIdentity.current());
    subscriptions.add(stream);
    return stream;
  }

  @Override
  public StreamObserver<CreditSubscribeRequest> creditSubscribe(StreamObserver<SubscribeResponse> responses) {
    return new CreditSubscription((ServerCallStreamObserver<SubscribeResponse>) responses);
  }

  /**
   * One CreditSubscribe call: the first message opens the subscription, every message may add
   * credit. The client half-closing ends nothing (the credit left is still sent); cancelling does.
   */
  private final class CreditSubscription implements StreamObserver<CreditSubscribeRequest> {
    private final ServerCallStreamObserver<SubscribeResponse> out;
    private volatile SubscribeStream stream;
    private boolean refused;

    CreditSubscription(ServerCallStreamObserver<SubscribeResponse> out) {
      this.out = out;
      // gRPC takes these only now, before the first message says what to read.
      out.setOnReadyHandler(() -> ifOpen(SubscribeStream::pump));
      out.setOnCancelHandler(() -> ifOpen(SubscribeStream::close));
    }

    private void ifOpen(Consumer<SubscribeStream> action) {
      SubscribeStream open = stream;
      if (open != null) {
        action.accept(open);
      }
    }

    @Override
    public void onNext(CreditSubscribeRequest message) {
      if (refused) {
        return;
      }
      try {
        Credits.check(message.getGrant());
        if (stream == null) {
          stream = opened(message);
          stream.startWithCredit();
        } else if (message.hasSubscribe()) {
          throw new FailureException(ErrorCode.INVALID_REQUEST, "only the first message may carry subscribe");
        }
        stream.grant(message.getGrant());
      } catch (RuntimeException e) {
        refused = true;
        ifOpen(SubscribeStream::close);
        out.onError(Replies.toStatus(e));
      }
    }

    private SubscribeStream opened(CreditSubscribeRequest message) {
      if (!message.hasSubscribe()) {
        throw new FailureException(ErrorCode.INVALID_REQUEST, "the first message must carry subscribe");
      }
      if (message.getSubscribe().getFormat() != RecordFormat.RECORD_FORMAT_PLAIN) {
        throw new FailureException(ErrorCode.INVALID_REQUEST,
            "credit counts plain records: subscribe with format RECORD_FORMAT_PLAIN");
      }
      return open(message.getSubscribe(), out);
    }

    @Override
    public void onError(Throwable t) {
      ifOpen(SubscribeStream::close);
    }

    @Override
    public void onCompleted() {}
  }

  @Override
  public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> observer) {
    Replies.guard(observer, () -> {
      PartitionRequests.Leader leader = partitions.describer(CallerContext.current(), request.getTopic(),
          request.getPartition());
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
