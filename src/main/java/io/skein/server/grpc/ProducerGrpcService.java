package io.skein.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.skein.broker.PartitionRequests;
import io.skein.broker.ProducerIds;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.proto.v1.InitProducerIdRequest;
import io.skein.proto.v1.InitProducerIdResponse;
import io.skein.proto.v1.ProducePartitionsRequest;
import io.skein.proto.v1.ProducePartitionsResponse;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.security.quota.QuotaKey;
import io.skein.security.quota.QuotaSensors;
import io.skein.server.grpc.GrpcQuotas.CallIdentity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * ProducerService: produce requests to the broker's appends and back, producer ids from the broker's allocator.
 * Each request's size counts against its caller's producer_byte_rate quota; the answer of a request over it
 * is held back for the throttle time it reports, which in a ProduceStream also holds back the next request
 * (each answer lets one more in).
 */
final class ProducerGrpcService extends ProducerServiceGrpc.ProducerServiceImplBase {

  /** Requests a ProduceStream may have outstanding before the broker stops reading it. */
  static final int STREAM_MAX_IN_FLIGHT = 64;

  private final PartitionRequests partitions;
  private final ProducerIds producerIds;
  private final GrpcQuotas quotas;

  ProducerGrpcService(PartitionRequests partitions, ProducerIds producerIds, GrpcQuotas quotas) {
    this.partitions = partitions;
    this.producerIds = producerIds;
    this.quotas = quotas;
  }

  /** A new id is always at epoch 0, as Kafka answers a producer without a transactional id. */
  @Override
  public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> observer) {
    Replies.guard(observer, () -> Replies.answer(observer, producerIds.allocate(CallerContext.current(),
        request.getTransactionalId()),
        id -> InitProducerIdResponse.newBuilder().setProducerId(id).setProducerEpoch(0).build()));
  }

  @Override
  public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
    Replies.guard(observer, () -> {
      int throttleMs = (int) quotas.record(CallIdentity.current(), QuotaKey.PRODUCER_BYTE_RATE,
          request.getSerializedSize());
      Replies.answer(observer, quotas.delayed(append(request), throttleMs),
          reply -> response(request, reply).setThrottleTimeMs(throttleMs).build());
    });
  }

  @Override
  public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> responses) {
    ServerCallStreamObserver<ProduceResponse> out = (ServerCallStreamObserver<ProduceResponse>) responses;
    out.disableAutoRequest();
    out.request(STREAM_MAX_IN_FLIGHT);
    return new PipelinedProduce(out, CallIdentity.current());
  }

  /**
   * Answers every entry as a Produce of its own, in request order, each failure in its entry's
   * error; acks=0 entries are answered with offsets -1 as soon as they are sent.
   */
  @Override
  public void producePartitions(ProducePartitionsRequest request, StreamObserver<ProducePartitionsResponse> observer) {
    Replies.guard(observer, () -> {
      int throttleMs = (int) quotas.record(CallIdentity.current(), QuotaKey.PRODUCER_BYTE_RATE,
          request.getSerializedSize());
      List<CompletableFuture<ProduceResponse>> answers = new ArrayList<>(request.getPartitionsCount());
      for (ProduceRequest entry : request.getPartitionsList()) {
        answers.add(answerFor(entry, 0));
      }
      // Every answer carries its failure, so allOf completes normally.
      quotas.delayed(CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)), throttleMs)
          .whenComplete((done, error) -> {
            ProducePartitionsResponse.Builder response =
                ProducePartitionsResponse.newBuilder().setThrottleTimeMs(throttleMs);
            answers.forEach(answer -> response.addPartitions(answer.join()));
            observer.onNext(response.build());
            observer.onCompleted();
          });
    });
  }

  private CompletionStage<PartitionRequests.Appended> append(ProduceRequest request) {
    if (request.getPlainRecordsCount() == 0) {
      return partitions.produce(CallerContext.current(), request.getTopic(), request.getPartition(),
          request.getAcks(), request.getTimeoutMs(), request.getRecords().asReadOnlyByteBuffer());
    }
    if (!request.getRecords().isEmpty()) {
      throw new FailureException(ErrorCode.INVALID_REQUEST, "set records or plain_records, not both");
    }
    return partitions.produce(CallerContext.current(), request.getTopic(), request.getPartition(),
        request.getAcks(), request.getTimeoutMs(), PlainRecords.compression(request.getCompression()),
            PlainRecords.toKafka(request.getPlainRecordsList()));
  }

  /** The answer to one request, its failure in the error field, {@code throttleMs} after the broker's. */
  private CompletableFuture<ProduceResponse> answerFor(ProduceRequest request, int throttleMs) {
    try {
      return quotas.delayed(append(request)
          .handle((reply, error) -> {
            if (error != null) {
              return failed(request, Replies.toError(error), throttleMs);
            }
            return response(request, reply).setThrottleTimeMs(throttleMs).build();
          }), throttleMs)
          .toCompletableFuture();
    } catch (RuntimeException e) {
      return quotas.delayed(failed(request, Replies.toError(e), throttleMs), throttleMs);
    }
  }

  private static ProduceResponse failed(ProduceRequest request, io.skein.proto.v1.Error error, int throttleMs) {
    return ProduceResponse.newBuilder()
        .setThrottleTimeMs(throttleMs)
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

  private static ProduceResponse.Builder response(ProduceRequest request, PartitionRequests.Appended reply) {
    return ProduceResponse.newBuilder()
        .setCorrelationId(request.getCorrelationId())
        .setTopic(request.getTopic())
        .setPartition(request.getPartition())
        .setBaseOffset(reply.baseOffset())
        .setLastOffset(reply.lastOffset())
        .setLogAppendTime(reply.logAppendTime())
        .setLogStartOffset(reply.logStartOffset())
        .setError(Replies.NO_ERROR);
  }

  /**
   * One ProduceStream. Answers go out in request order (so a partition's answers stay in
   * order whatever thread completes them) and each answer lets one more request in, which
   * bounds what a fast producer can make the broker hold. Its quota sensors' client is confined
   * to {@link #onNext}, which gRPC calls one at a time.
   */
  private final class PipelinedProduce implements StreamObserver<ProduceRequest> {
    private final ServerCallStreamObserver<ProduceResponse> out;
    private final CallIdentity caller;
    private final QuotaSensors.Client throttles = quotas.client();
    private final ArrayDeque<CompletableFuture<ProduceResponse>> pending = new ArrayDeque<>();
    private boolean inputDone;
    private boolean closed;

    PipelinedProduce(ServerCallStreamObserver<ProduceResponse> out, CallIdentity caller) {
      this.out = out;
      this.caller = caller;
    }

    @Override
    public void onNext(ProduceRequest request) {
      int throttleMs = (int) quotas.record(throttles, caller, QuotaKey.PRODUCER_BYTE_RATE, request.getSerializedSize());
      CompletableFuture<ProduceResponse> answer = answerFor(request, throttleMs);
      synchronized (this) {
        pending.add(answer);
      }
      answer.whenComplete((response, error) -> drain());
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
