package io.skein.server.grpc;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.skein.broker.Caller;
import io.skein.broker.PartitionRequests;
import io.skein.proto.v1.Credit;
import io.skein.proto.v1.Record;
import io.skein.proto.v1.RecordFormat;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import io.skein.server.grpc.GrpcQuotas.CallIdentity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One Subscribe call, driven by gRPC flow control: it asks the partition leader for the
 * next batches only while the transport is ready for more, and holds at most one read in
 * flight. A client that reads slowly therefore costs the broker one read of at most
 * {@code maxBytes} (or one batch) plus the transport's own window, however far behind it is.
 *
 * <p>With credit (CreditSubscribe) it also sends only the plain records the client has
 * granted: a read's records beyond the credit are read again once more is granted.
 *
 * <p>What it sends counts against its caller's consumer_byte_rate quota: a message that puts the
 * caller over it says for how long ({@code throttle_time_ms}), and nothing more is read or sent for
 * that time.
 */
public final class SubscribeStream {

  /** What a subscription is doing, for monitoring; a credit is Long.MAX_VALUE where none limits it. */
  public record Snapshot(
      String topic, int partition, long nextOffset, long messagesSent, long bytesSent,
      boolean waitingForClient, boolean readInFlight, long recordCredit, long byteCredit) {}

  private final PartitionRequests partitions;
  private final Caller caller;
  private final PartitionRequests.Leader leader;
  private final SubscribeRequest request;
  private final int maxBytes;
  private final Duration poll;
  private final ServerCallStreamObserver<SubscribeResponse> out;
  private final Consumer<SubscribeStream> onClose;
  private final boolean plain;
  private final StreamThrottle throttle;

  /** What the client has granted and not yet received; unlimited without credit. */
  private Credits credits = Credits.unlimited();

  private long nextOffset = -1;
  private boolean readInFlight;
  private boolean waitingForClient;
  private boolean closed;
  private long messagesSent;
  private long bytesSent;

  SubscribeStream(
      PartitionRequests partitions,
      Caller caller,
      PartitionRequests.Leader leader,
      SubscribeRequest request,
      int maxBytes,
      Duration poll,
      ServerCallStreamObserver<SubscribeResponse> out,
      Consumer<SubscribeStream> onClose,
      GrpcQuotas quotas,
      CallIdentity identity) {
    this.partitions = partitions;
    this.caller = caller;
    this.leader = leader;
    this.request = request;
    this.maxBytes = maxBytes;
    this.poll = poll;
    this.out = out;
    this.onClose = onClose;
    this.plain = request.getFormat() == RecordFormat.RECORD_FORMAT_PLAIN;
    this.throttle = new StreamThrottle(quotas, identity, this::pump);
  }

  /** Starts a stream that gRPC's own flow control alone paces; during the call's first invocation. */
  void start() {
    out.setOnCancelHandler(this::close);
    out.setOnReadyHandler(this::pump);
    begin();
  }

  /**
   * Starts a stream that sends only granted credit. Its call's handlers were set when the call
   * began (gRPC takes them only then) and must call {@link #pump} and {@link #close}.
   */
  void startWithCredit() {
    synchronized (this) {
      credits = Credits.none();
    }
    begin();
  }

  /** Adds a client's grant. */
  void grant(Credit grant) {
    synchronized (this) {
      credits.add(grant);
    }
    pump();
  }

  private void begin() {
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
        waitingForClient, readInFlight, credits.records(), credits.bytes());
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
  synchronized void pump() {
    while (!closed && !readInFlight && nextOffset >= 0 && hasCredit() && !throttle.throttled() && out.isReady()) {
      if (!partitions.readNow(caller, request.getTopic(), request.getPartition(), nextOffset, maxBytes, this::send)) {
        break;
      }
    }
    if (closed || readInFlight || nextOffset < 0 || !hasCredit() || throttle.throttled()) {
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

  private boolean hasCredit() {
    return credits.any();
  }

  private void send(PartitionRequests.Fetched fetched) {
    if (plain) {
      sendPlain(fetched);
      return;
    }
    int size = fetched.records().remaining();
    int throttleMs = throttle.sent(size);
    out.onNext(positions(SubscribeResponse.newBuilder(), fetched, fetched.nextOffset())
        .setRecords(UnsafeByteOperations.unsafeWrap(fetched.records()))
        .setThrottleTimeMs(throttleMs)
        .build());
    nextOffset = fetched.nextOffset();
    messagesSent++;
    bytesSent += size;
  }

  /** The read's records from the stream's offset on, within the credit; a message only if there are some. */
  private void sendPlain(PartitionRequests.Fetched fetched) {
    SubscribeResponse.Builder response = SubscribeResponse.newBuilder();
    long stoppedAt = PlainRecords.decode(fetched.records(), nextOffset, credits.limit(), response::addPlainRecords);
    long next = stoppedAt >= 0 ? stoppedAt : fetched.nextOffset();
    List<Record> sent = response.getPlainRecordsList();
    if (!sent.isEmpty()) {
      long size = Credits.size(sent);
      out.onNext(positions(response, fetched, next).setThrottleTimeMs(throttle.sent(size)).build());
      messagesSent++;
      bytesSent += size;
    }
    credits.spend(sent, stoppedAt);
    nextOffset = next;
  }

  private static SubscribeResponse.Builder positions(
      SubscribeResponse.Builder response, PartitionRequests.Fetched fetched, long next) {
    return response
        .setHighWatermark(fetched.highWatermark())
        .setNextOffset(next)
        .setLogStartOffset(fetched.logStartOffset());
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

  synchronized void close() {
    closed = true;
    onClose.accept(this);
  }
}
