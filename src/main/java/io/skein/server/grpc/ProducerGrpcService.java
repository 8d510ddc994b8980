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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** ProducerService: produce requests to the broker's appends and back, producer ids from the broker's allocator. */
final class ProducerGrpcService extends ProducerServiceGrpc.ProducerServiceImplBase {

  /** Requests a ProduceStream may have outstanding before the broker stops reading it. */
  static final int STREAM_MAX_IN_FLIGHT = 64;

  private final PartitionRequests partitions;
  private final ProducerIds producerIds;

  ProducerGrpcService(PartitionRequests partitions, ProducerIds producerIds) {
    this.partitions = partitions;
    this.producerIds = producerIds;
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
    Replies.guard(observer, () -> Replies.answer(observer, append(request),
        reply -> response(request, reply).build()));
  }

  @Override
  public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> responses) {
    ServerCallStreamObserver<ProduceResponse> out = (ServerCallStreamObserver<ProduceResponse>) responses;
    out.disableAutoRequest();
    out.request(STREAM_MAX_IN_FLIGHT);
    return new PipelinedProduce(out);
  }

  /**
   * Answers every entry as a Produce of its own, in request order, each failure in its entry's
   * error; acks=0 entries are answered with offsets -1 as soon as they are sent.
   */
  @Override
  public void producePartitions(ProducePartitionsRequest request, StreamObserver<ProducePartitionsResponse> observer) {
    Replies.guard(observer, () -> {
      List<CompletableFuture<ProduceResponse>> answers = new ArrayList<>(request.getPartitionsCount());
      for (ProduceRequest entry : request.getPartitionsList()) {
        answers.add(answerFor(entry));
      }
      CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenComplete((done, error) -> {
        ProducePartitionsResponse.Builder response = ProducePartitionsResponse.newBuilder();
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

  /** The answer to one request, its failure in the error field. */
  private CompletableFuture<ProduceResponse> answerFor(ProduceRequest request) {
    try {
      return append(request)
          .handle((reply, error) -> {
            if (error != null) {
              return failed(request, Replies.toError(error));
            }
            return response(request, reply).build();
          })
          .toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(failed(request, Replies.toError(e)));
    }
  }

  private static ProduceResponse failed(ProduceRequest request, io.skein.proto.v1.Error error) {
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
