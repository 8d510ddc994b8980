package io.skein.server;

import io.skein.common.AkkaFutures;
import io.skein.common.FailureException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.skein.node.BrokerConfig;
import io.skein.partition.PartitionLeader;
import io.skein.common.ErrorCode;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** ProducerService: translates produce requests into appends on partition leaders. */
final class ProducerGrpcService extends ProducerServiceGrpc.ProducerServiceImplBase {

  /** Requests a ProduceStream may have outstanding before the broker stops reading it. */
  static final int STREAM_MAX_IN_FLIGHT = 64;

  private final PartitionRouter router;
  private final BrokerConfig config;
  private final akka.actor.typed.ActorRef<Object> ignore;

  ProducerGrpcService(PartitionRouter router, BrokerConfig config, akka.actor.typed.ActorSystem<?> system) {
    this.router = router;
    this.config = config;
    this.ignore = system.ignoreRef();
  }

  @Override
  public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, append(request), PartitionLeader.AppendReply::failure,
        reply -> response(request, reply).build()));
  }

  @Override
  public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> responses) {
    ServerCallStreamObserver<ProduceResponse> out = (ServerCallStreamObserver<ProduceResponse>) responses;
    out.disableAutoRequest();
    out.request(STREAM_MAX_IN_FLIGHT);
    return new PipelinedProduce(out);
  }

  private CompletionStage<PartitionLeader.AppendReply> append(ProduceRequest request) {
    var leader = router.leaderOf(request.getTopic(), request.getPartition());
    int acks = request.getAcks();
    if (acks != 0 && acks != 1 && acks != -1) {
      throw new FailureException(ErrorCode.INVALID_REQUIRED_ACKS, "acks must be 0, 1 or -1 (all), was " + acks);
    }
    if (request.getTimeoutMs() < 0) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "timeout_ms must be >= 0, was " + request.getTimeoutMs());
    }
    if (request.getRecords().isEmpty()) {
      throw new FailureException(ErrorCode.CORRUPT_MESSAGE, "the request holds no record batch");
    }
    // The leader assigns offsets in place, so it needs its own writable copy of the bytes.
    ByteBuffer records = PartitionLeader.Append.buffers().acquire(request.getRecords().size());
    request.getRecords().copyTo(records);
    records.flip();
    if (acks == 0) {
      leader.tell(new PartitionLeader.Append(records, ignore.unsafeUpcast()));
      return CompletableFuture.completedFuture(new PartitionLeader.AppendReply(-1, -1, -1, -1, null));
    }
    Duration timeout = request.getTimeoutMs() == 0 ? config.requestTimeout() : Duration.ofMillis(request.getTimeoutMs());
    return AkkaFutures.direct(leader.ask(replyTo -> new PartitionLeader.Append(records, acks, replyTo), timeout));
  }

  private static ProduceResponse.Builder response(ProduceRequest request, PartitionLeader.AppendReply reply) {
    return ProduceResponse.newBuilder()
        .setCorrelationId(request.getCorrelationId())
        .setTopic(request.getTopic())
        .setPartition(request.getPartition())
        .setBaseOffset(reply.baseOffset())
        .setLastOffset(reply.lastOffset())
        .setLogAppendTime(reply.logAppendTime())
        .setLogStartOffset(reply.logStartOffset());
  }

  /**
   * One ProduceStream. Answers go out in request order (so a partition's answers stay in
   * order whatever thread completes them) and each answer lets one more request in, which
   * bounds what a fast producer can make the broker hold.
   */
  private final class PipelinedProduce implements StreamObserver<ProduceRequest> {
    private final ServerCallStreamObserver<ProduceResponse> out;
    private final ArrayDeque<CompletableFuture<ProduceResponse>> pending = new ArrayDeque<>();
    private boolean inputDone;
    private boolean closed;

    PipelinedProduce(ServerCallStreamObserver<ProduceResponse> out) {
      this.out = out;
    }

    @Override
    public void onNext(ProduceRequest request) {
      CompletableFuture<ProduceResponse> answer = answerFor(request);
      synchronized (this) {
        pending.add(answer);
      }
      answer.whenComplete((response, error) -> drain());
    }

    private CompletableFuture<ProduceResponse> answerFor(ProduceRequest request) {
      try {
        return append(request)
            .handle((reply, error) -> {
              if (error != null) {
                return failed(request, Replies.toError(error));
              }
              if (reply.failure() != null) {
                return failed(request, Replies.toError(reply.failure()));
              }
              return response(request, reply).build();
            })
            .toCompletableFuture();
      } catch (RuntimeException e) {
        return CompletableFuture.completedFuture(failed(request, Replies.toError(e)));
      }
    }

    private ProduceResponse failed(ProduceRequest request, io.skein.proto.v1.Error error) {
      return ProduceResponse.newBuilder()
          .setCorrelationId(request.getCorrelationId())
          .setTopic(request.getTopic())
          .setPartition(request.getPartition())
          .setBaseOffset(-1)
          .setLastOffset(-1)
          .setLogAppendTime(-1)
          .setLogStartOffset(-1)
          .setError(error)
          .build();
    }

    private synchronized void drain() {
      while (!pending.isEmpty() && pending.peek().isDone()) {
        ProduceResponse response = pending.poll().join();
        if (!closed && !out.isCancelled()) {
          out.onNext(response);
          out.request(1);
        }
      }
      if (inputDone && pending.isEmpty() && !closed) {
        closed = true;
        out.onCompleted();
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      // The client went away: answers still in flight have nowhere to go.
      closed = true;
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        inputDone = true;
      }
      drain();
    }
  }
}
