package io.skein.server.grpc;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.skein.broker.PartitionRequests;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import java.time.Duration;
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

  private final PartitionRequests partitions;
  private final PartitionRequests.Leader leader;
  private final SubscribeRequest request;
  private final int maxBytes;
  private final Duration poll;
  private final ServerCallStreamObserver<SubscribeResponse> out;
  private final Consumer<SubscribeStream> onClose;

  private long nextOffset = -1;
  private boolean readInFlight;
  private boolean waitingForClient;
  private boolean closed;
  private long messagesSent;
  private long bytesSent;

  SubscribeStream(
      PartitionRequests partitions,
      PartitionRequests.Leader leader,
      SubscribeRequest request,
      int maxBytes,
      Duration poll,
      ServerCallStreamObserver<SubscribeResponse> out,
      Consumer<SubscribeStream> onClose) {
    this.partitions = partitions;
    this.leader = leader;
    this.request = request;
    this.maxBytes = maxBytes;
    this.poll = poll;
    this.out = out;
    this.onClose = onClose;
  }

  void start() {
    out.setOnCancelHandler(this::close);
    out.setOnReadyHandler(this::pump);
    switch (request.getStart()) {
      case EARLIEST -> startAt(PartitionRequests.EARLIEST);
      case LATEST -> startAt(PartitionRequests.LATEST);
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
    leader.offsetFor(spec)
        .whenComplete((found, error) -> {
          synchronized (this) {
            if (error != null) {
              fail(Replies.toStatus(error));
              return;
            }
            nextOffset = found.offset();
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
      if (!partitions.readNow(request.getTopic(), request.getPartition(), nextOffset, maxBytes, this::send)) {
        break;
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
    leader.read(offset, maxBytes, poll).whenComplete(this::onRead);
  }

  private void onRead(PartitionRequests.Fetched fetched, Throwable error) {
    synchronized (this) {
      readInFlight = false;
      if (closed) {
        return;
      }
      // A read that found nothing new within the poll is simply issued again.
      if (error != null && !(Replies.cause(error) instanceof TimeoutException)) {
        fail(Replies.toStatus(error));
        return;
      }
      if (fetched != null && fetched.records().hasRemaining()) {
        send(fetched);
      }
    }
    pump();
  }

  private void send(PartitionRequests.Fetched fetched) {
    int size = fetched.records().remaining();
    out.onNext(SubscribeResponse.newBuilder()
        .setRecords(UnsafeByteOperations.unsafeWrap(fetched.records()))
        .setHighWatermark(fetched.highWatermark())
        .setNextOffset(fetched.nextOffset())
        .setLogStartOffset(fetched.logStartOffset())
        .build());
    nextOffset = fetched.nextOffset();
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
