package io.skein.server;

import io.skein.common.AkkaFutures;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.skein.log.LogReadResult;
import io.skein.partition.PartitionLeader;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One Subscribe call, driven by gRPC flow control: it asks the partition leader for the
 * next batches only while the transport is ready for more, and holds at most one read in
 * flight. A client that reads slowly therefore costs the broker one read of at most
 * {@code maxBytes} (or one batch) plus the transport's own window, however far behind it is.
 */
public final class SubscribeStream {

  /** What a subscription is doing, for monitoring. */
  public record Snapshot(
      String topic, int partition, long nextOffset, long messagesSent, long bytesSent,
      boolean waitingForClient, boolean readInFlight) {}

  private final PartitionRouter router;
  private final EntityRef<PartitionLeader.Command> leader;
  private final SubscribeRequest request;
  private final int maxBytes;
  private final Duration poll;
  private final Duration timeout;
  private final ServerCallStreamObserver<SubscribeResponse> out;
  private final Consumer<SubscribeStream> onClose;

  private long nextOffset = -1;
  private boolean readInFlight;
  private boolean waitingForClient;
  private boolean closed;
  private long messagesSent;
  private long bytesSent;

  SubscribeStream(
      PartitionRouter router,
      EntityRef<PartitionLeader.Command> leader,
      SubscribeRequest request,
      int maxBytes,
      Duration poll,
      Duration timeout,
      ServerCallStreamObserver<SubscribeResponse> out,
      Consumer<SubscribeStream> onClose) {
    this.router = router;
    this.leader = leader;
    this.request = request;
    this.maxBytes = maxBytes;
    this.poll = poll;
    this.timeout = timeout;
    this.out = out;
    this.onClose = onClose;
  }

  void start() {
    out.setOnCancelHandler(this::close);
    out.setOnReadyHandler(this::pump);
    switch (request.getStart()) {
      case EARLIEST -> startAt(PartitionLeader.ListOffsets.EARLIEST);
      case LATEST -> startAt(PartitionLeader.ListOffsets.LATEST);
      default -> {
        synchronized (this) {
          nextOffset = request.getOffset();
        }
        pump();
      }
    }
  }

  synchronized Snapshot snapshot() {
    return new Snapshot(request.getTopic(), request.getPartition(), nextOffset, messagesSent, bytesSent,
        waitingForClient, readInFlight);
  }

  private void startAt(long spec) {
    AkkaFutures.direct(leader
            .<PartitionLeader.OffsetReply>ask(replyTo -> new PartitionLeader.ListOffsets(spec, replyTo), timeout))
        .whenComplete((reply, error) -> {
          synchronized (this) {
            if (error != null) {
              fail(Replies.toStatus(error));
              return;
            }
            if (reply.failure() != null) {
              fail(Replies.toStatus(reply.failure()));
              return;
            }
            nextOffset = reply.offset();
          }
          pump();
        });
  }

  /**
   * Sends what this node can read at once (it leads the partition and has committed data),
   * while the client takes it; otherwise asks the leader, which waits for new data.
   */
  private synchronized void pump() {
    while (!closed && !readInFlight && nextOffset >= 0 && out.isReady()) {
      Optional<LogReadResult> local =
          router.readLocally(request.getTopic(), request.getPartition(), nextOffset, maxBytes);
      if (local.isEmpty()) {
        break;
      }
      LogReadResult read = local.get();
      try {
        send(read.records(), read.highWatermark(), read.nextOffset(), read.logStartOffset());
      } finally {
        router.release(read.records());
      }
    }
    if (closed || readInFlight || nextOffset < 0) {
      return;
    }
    if (!out.isReady()) {
      waitingForClient = true;
      return;
    }
    waitingForClient = false;
    readInFlight = true;
    long offset = nextOffset;
    AkkaFutures.direct(leader
            .<PartitionLeader.ReadReply>ask(replyTo -> new PartitionLeader.Read(offset, maxBytes, poll, replyTo),
                poll.plus(timeout)))
        .whenComplete(this::onRead);
  }

  private void onRead(PartitionLeader.ReadReply reply, Throwable error) {
    synchronized (this) {
      readInFlight = false;
      if (closed) {
        return;
      }
      if (error != null && !(error instanceof TimeoutException)) {
        fail(Replies.toStatus(error));
        return;
      }
      if (reply != null && reply.failure() != null) {
        fail(Replies.toStatus(reply.failure()));
        return;
      }
      if (reply != null && reply.records().hasRemaining()) {
        send(reply.records(), reply.highWatermark(), reply.nextOffset(), reply.logStartOffset());
      }
    }
    pump();
  }

  private void send(ByteBuffer records, long highWatermark, long next, long logStartOffset) {
    int size = records.remaining();
    out.onNext(SubscribeResponse.newBuilder()
        .setRecords(UnsafeByteOperations.unsafeWrap(records))
        .setHighWatermark(highWatermark)
        .setNextOffset(next)
        .setLogStartOffset(logStartOffset)
        .build());
    nextOffset = next;
    messagesSent++;
    bytesSent += size;
  }

  private void fail(io.grpc.StatusRuntimeException status) {
    if (!closed) {
      closed = true;
      onClose.accept(this);
      if (!out.isCancelled()) {
        out.onError(status);
      }
    }
  }

  private synchronized void close() {
    closed = true;
    onClose.accept(this);
  }
}
