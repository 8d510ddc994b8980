package io.skein.client;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.InitProducerIdRequest;
import io.skein.proto.v1.InitProducerIdResponse;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;

/**
 * The producer's background thread: takes ready batches from the accumulator and sends
 * each to its partition leader over that broker's ProduceStream, then completes, retries
 * or fails them from the answers. A Kafka request carries a batch for every partition of
 * a broker, so Kafka's {@code max.in.flight.requests.per.connection} bounds requests per
 * partition too; a Skein request carries one partition, so the bound applies per
 * partition on each stream, which keeps Kafka's ordering guarantee and throughput. All of its state is touched by this one thread only:
 * gRPC callbacks just queue an event and wake it.
 *
 * <p>An idempotent producer gets a producer id before its first batch and writes it, with a
 * sequence per partition, into each batch as it first sends it; the partition leader then
 * stores a resent batch once. Retries keep their sequence and go back in sequence order, one
 * at a time per partition. A sequence that will never be acknowledged (its batch failed)
 * would make the leader refuse every later one, so then the producer starts over with a new
 * producer id; batches the leader refused (OUT_OF_ORDER_SEQUENCE_NUMBER, or an old id's
 * INVALID_PRODUCER_EPOCH) were not stored and are written again under the new one, while
 * batches whose fate is unknown are resent as they were, which the leader answers with
 * their first append or refuses.
 */
final class Sender implements Runnable {

  /** Settings the sender needs, parsed by the producer. */
  record Settings(
      short acks,
      int retries,
      long retryBackoffMs,
      long retryBackoffMaxMs,
      long requestTimeoutMs,
      int maxInFlight,
      boolean idempotent) {}

  /** An idempotent producer's sequences for one partition, under its current producer id. */
  private static final class PartitionSequences {
    int next;
    int lastAcknowledged = -1;
  }

  private record InFlight(ProducerBatch batch, long sentMs) {}

  /** One ProduceStream to one broker; replaced by a new one when it breaks. */
  private final class BrokerStream {
    final int brokerId;
    final Map<Long, InFlight> inFlight = new LinkedHashMap<>();
    final Map<TopicPartition, Integer> inFlightByPartition = new HashMap<>();
    StreamObserver<ProduceRequest> requests;
    boolean broken;

    BrokerStream(int brokerId) {
      this.brokerId = brokerId;
    }
  }

  private final RecordAccumulator accumulator;
  private final ClusterMetadata metadata;
  private final Settings settings;
  private final Map<Integer, BrokerStream> streams = new HashMap<>();
  private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
  private final Set<String> topicsToRefresh = new HashSet<>();
  private long lastRefreshAttemptMs;
  /** The idempotent producer's id, or -1 while it has none; and which one it is (0, 1, ... at each reset). */
  private long producerId = -1;
  private short producerEpoch;
  private int producerGeneration;
  private boolean producerIdRequested;
  private long lastProducerIdAttemptMs = Long.MIN_VALUE / 2;
  private final Map<TopicPartition, PartitionSequences> sequences = new HashMap<>();
  private long nextCorrelationId;
  private volatile Thread thread;
  private volatile boolean running = true;
  private volatile boolean forceClose;

  Sender(RecordAccumulator accumulator, ClusterMetadata metadata, Settings settings) {
    this.accumulator = accumulator;
    this.metadata = metadata;
    this.settings = settings;
  }

  void start(String name) {
    Thread started = new Thread(this, name);
    started.setDaemon(true);
    thread = started;
    started.start();
  }

  void wakeup() {
    Thread current = thread;
    if (current != null) {
      LockSupport.unpark(current);
    }
  }

  /** Stops after sending what is queued; {@code force} fails what is left instead. */
  void initiateClose(boolean force) {
    running = false;
    forceClose |= force;
    wakeup();
  }

  boolean awaitTermination(long timeoutMs) throws InterruptedException {
    thread.join(Math.max(1, timeoutMs));
    return !thread.isAlive();
  }

  @Override
  public void run() {
    while (running) {
      runOnce();
    }
    while (!forceClose && (accumulator.hasQueuedBatches() || hasInFlight())) {
      runOnce();
    }
    SkeinException closed = new SkeinException(ErrorCode.UNKNOWN_SERVER_ERROR, "producer closed before delivery");
    for (ProducerBatch batch : accumulator.drainAll()) {
      finish(batch, closed);
    }
    for (BrokerStream stream : streams.values()) {
      for (InFlight inFlight : stream.inFlight.values()) {
        finish(inFlight.batch(), closed);
      }
      if (!stream.broken) {
        stream.requests.onCompleted();
      }
    }
    streams.clear();
  }

  private void runOnce() {
    Runnable event;
    while ((event = events.poll()) != null) {
      event.run();
    }
    long now = System.currentTimeMillis();
    for (ProducerBatch batch : accumulator.expire(now)) {
      finish(batch, deliveryTimeout(batch, now));
    }
    long nextWakeMs = checkInFlight(now);

    RecordAccumulator.Ready ready = accumulator.ready(now);
    nextWakeMs = Math.min(nextWakeMs, ready.nextCheckMs());
    if (settings.idempotent() && producerId < 0) {
      // Nothing is written before the producer id is known: its batches must carry it.
      if (!ready.partitions().isEmpty()) {
        nextWakeMs = Math.min(nextWakeMs, maybeRequestProducerId(now));
      }
    } else {
      sendReady(ready.partitions(), now);
    }

    if (!topicsToRefresh.isEmpty()) {
      if (now - lastRefreshAttemptMs >= settings.retryBackoffMs()) {
        refreshMetadata(now);
      }
      nextWakeMs = Math.min(nextWakeMs, lastRefreshAttemptMs + settings.retryBackoffMs());
    }
    boolean workLeft = running || (!forceClose && (accumulator.hasQueuedBatches() || hasInFlight()));
    if (events.isEmpty() && workLeft) {
      long waitMs = Math.max(1, Math.min(nextWakeMs, now + settings.requestTimeoutMs()) - now);
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(waitMs));
    }
  }

  /** Sends the first batch of each ready partition to its leader, as far as max.in.flight allows. */
  private void sendReady(List<TopicPartition> ready, long now) {
    for (TopicPartition partition : ready) {
      if (settings.idempotent() && producerId < 0) {
        return; // a failed send just dropped the producer id
      }
      ClusterMetadata.TopicInfo info = metadata.cached(partition.topic());
      int leader = info == null || partition.partition() >= info.partitionCount()
          ? -1 : info.leaders()[partition.partition()];
      if (leader < 0 || info.stale()) {
        topicsToRefresh.add(partition.topic());
        continue;
      }
      BrokerStream stream = stream(leader);
      if (stream == null) {
        topicsToRefresh.add(partition.topic());
        continue;
      }
      if (stream.inFlightByPartition.getOrDefault(partition, 0) >= settings.maxInFlight()) {
        continue;
      }
      ProducerBatch batch = accumulator.drain(partition, now, settings.idempotent() && partitionInFlight(partition));
      if (batch != null) {
        if (settings.idempotent() && !batch.hasSequence()) {
          assignSequence(batch);
        }
        send(stream, batch, now);
      }
    }
  }

  /** Asks a broker for a producer id unless an ask is under way or backing off; returns when to look again. */
  private long maybeRequestProducerId(long now) {
    long retryAtMs = lastProducerIdAttemptMs + settings.retryBackoffMs();
    if (producerIdRequested) {
      return Long.MAX_VALUE;
    }
    if (now < retryAtMs) {
      return retryAtMs;
    }
    producerIdRequested = true;
    lastProducerIdAttemptMs = now;
    ProducerServiceGrpc.newStub(metadata.anyChannel())
        .withExecutor(Runnable::run)
        .withDeadlineAfter(settings.requestTimeoutMs(), TimeUnit.MILLISECONDS)
        .initProducerId(InitProducerIdRequest.getDefaultInstance(), new StreamObserver<>() {
          @Override
          public void onNext(InitProducerIdResponse response) {
            onEvent(() -> onProducerId(response));
          }

          @Override
          public void onError(Throwable failure) {
            SkeinException error = Status.fromThrowable(failure).getCode() == Status.Code.UNIMPLEMENTED
                ? new SkeinException(ErrorCode.UNKNOWN_SERVER_ERROR, "the broker does not serve InitProducerId")
                : SkeinException.fromGrpc(failure);
            onEvent(() -> onProducerIdFailed(error));
          }

          @Override
          public void onCompleted() {}
        });
    return Long.MAX_VALUE;
  }

  /** No reset happens meanwhile: a reset needs a batch written under the current id, and there is none. */
  private void onProducerId(InitProducerIdResponse response) {
    producerIdRequested = false;
    producerId = response.getProducerId();
    producerEpoch = (short) response.getProducerEpoch();
  }

  /** Retriable failures are retried after retry.backoff.ms; others fail what waits for the id. */
  private void onProducerIdFailed(SkeinException error) {
    producerIdRequested = false;
    if (error.retriable()) {
      return;
    }
    SkeinException failed = new SkeinException(error.errorCode(),
        "the idempotent producer got no producer id (enable.idempotence=false sends without one): "
            + error.getMessage());
    for (ProducerBatch batch : accumulator.drainAll()) {
      finish(batch, failed);
    }
  }

  /** Writes the producer id and the partition's next sequence into a batch sent for the first time. */
  private void assignSequence(ProducerBatch batch) {
    PartitionSequences partition = sequences.computeIfAbsent(batch.partition, p -> new PartitionSequences());
    batch.setProducerState(producerId, producerEpoch, partition.next, producerGeneration);
    partition.next = DefaultRecordBatch.incrementSequence(partition.next, batch.recordCount());
  }

  private boolean partitionInFlight(TopicPartition partition) {
    for (BrokerStream stream : streams.values()) {
      if (stream.inFlightByPartition.containsKey(partition)) {
        return true;
      }
    }
    return false;
  }

  private boolean hasCurrentSequence(ProducerBatch batch) {
    return batch.hasSequence() && batch.producerGeneration() == producerGeneration;
  }

  /** Drops the producer id and its sequences; the next batches are written under a new id. */
  private void resetProducerId() {
    producerId = -1;
    producerGeneration++;
    sequences.clear();
  }

  private void refreshMetadata(long now) {
    lastRefreshAttemptMs = now;
    try {
      metadata.fetch(List.copyOf(topicsToRefresh));
      topicsToRefresh.clear();
    } catch (RuntimeException e) {
      // Batches stay queued; their delivery timeout bounds how long we keep trying.
    }
  }

  private BrokerStream stream(int brokerId) {
    BrokerStream stream = streams.get(brokerId);
    if (stream != null && !stream.broken) {
      return stream;
    }
    ManagedChannel channel = metadata.channel(brokerId);
    if (channel == null) {
      return null;
    }
    BrokerStream opened = new BrokerStream(brokerId);
    // Answers only queue an event for this thread, so they run on the transport thread that
    // read them instead of taking a trip through the channel's executor first.
    opened.requests =
        ProducerServiceGrpc.newStub(channel)
            .withExecutor(Runnable::run)
            .produceStream(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ProduceResponse response) {
                    onEvent(() -> onResponse(opened, response));
                  }

                  @Override
                  public void onError(Throwable failure) {
                    onEvent(() -> onStreamBroken(opened, SkeinException.fromGrpc(failure)));
                  }

                  @Override
                  public void onCompleted() {
                    onEvent(
                        () ->
                            onStreamBroken(
                                opened,
                                SkeinException.fromGrpc(
                                    Status.UNAVAILABLE.withDescription("broker ended the stream").asException())));
                  }
                });
    streams.put(brokerId, opened);
    return opened;
  }

  private void onEvent(Runnable event) {
    events.add(event);
    wakeup();
  }

  private void send(BrokerStream stream, ProducerBatch batch, long now) {
    long correlationId = nextCorrelationId++;
    ProduceRequest request =
        ProduceRequest.newBuilder()
            .setCorrelationId(correlationId)
            .setTopic(batch.partition.topic())
            .setPartition(batch.partition.partition())
            .setAcks(settings.acks())
            .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, settings.requestTimeoutMs()))
            .setRecords(batch.records())
            .build();
    stream.inFlight.put(correlationId, new InFlight(batch, now));
    stream.inFlightByPartition.merge(batch.partition, 1, Integer::sum);
    batch.attempts++;
    try {
      stream.requests.onNext(request);
    } catch (RuntimeException e) {
      onStreamBroken(stream, SkeinException.fromGrpc(e));
      return;
    }
    if (settings.acks() == 0) {
      // Nothing to wait for; the entry stays in flight only to bound the requests on the wire.
      batch.complete(-1, -1);
      accumulator.completed(batch);
    }
  }

  private void onResponse(BrokerStream stream, ProduceResponse response) {
    InFlight inFlight = stream.inFlight.remove(response.getCorrelationId());
    if (inFlight != null) {
      stream.inFlightByPartition.computeIfPresent(inFlight.batch().partition, (p, n) -> n == 1 ? null : n - 1);
    }
    if (inFlight == null || inFlight.batch().isDone()) {
      return; // acks=0, or already expired: nothing waits for this answer
    }
    ProducerBatch batch = inFlight.batch();
    if (response.getError().getCode() == ErrorCode.NONE) {
      if (hasCurrentSequence(batch)) {
        PartitionSequences partition = sequences.get(batch.partition);
        partition.lastAcknowledged = Math.max(partition.lastAcknowledged, batch.lastSequence());
      }
      batch.complete(response.getBaseOffset(), response.getLogAppendTime());
      accumulator.completed(batch);
    } else {
      failOrRetry(batch, SkeinException.fromError(response.getError()), System.currentTimeMillis());
    }
  }

  /** A broken stream (connection lost, request timed out): retry everything it carried. */
  private void onStreamBroken(BrokerStream stream, SkeinException cause) {
    if (stream.broken) {
      return;
    }
    stream.broken = true;
    streams.remove(stream.brokerId, stream);
    long now = System.currentTimeMillis();
    // Every partition it led may have moved.
    List<InFlight> carried = new ArrayList<>(stream.inFlight.values());
    stream.inFlight.clear();
    stream.inFlightByPartition.clear();
    for (InFlight inFlight : carried) {
      topicsToRefresh.add(inFlight.batch().partition.topic());
    }
    // Newest first: each retry goes to the head of its partition's queue, so this keeps send order.
    for (int i = carried.size() - 1; i >= 0; i--) {
      ProducerBatch batch = carried.get(i).batch();
      if (!batch.isDone()) {
        failOrRetry(batch, cause, now);
      }
    }
  }

  private void failOrRetry(ProducerBatch batch, SkeinException error, long now) {
    switch (error.errorCode()) {
      // FENCED_LEADER_EPOCH: the broker answering knows a newer leader than our metadata does.
      case UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, FENCED_LEADER_EPOCH -> {
        metadata.invalidate(batch.partition.topic());
        topicsToRefresh.add(batch.partition.topic());
      }
      default -> {}
    }
    boolean mayRetry =
        error.retriable() || (settings.idempotent() && prepareResendAfterRefusal(batch, error.errorCode()));
    long retryAtMs = now + backoffMs(batch.attempts);
    if (mayRetry && batch.attempts <= settings.retries() && retryAtMs < batch.deliveryDeadlineMs) {
      batch.retryAtMs = retryAtMs;
      if (settings.idempotent()) {
        accumulator.reenqueueInSequenceOrder(batch);
      } else {
        accumulator.reenqueue(batch);
      }
    } else if (mayRetry && batch.attempts <= settings.retries()) {
      finish(batch, deliveryTimeout(batch, now));
    } else {
      finish(batch, error);
    }
  }

  /**
   * Whether an idempotent producer's batch the leader refused for its sequence or epoch may be
   * sent again (it was not stored); if so, readies it to be written as it must be then. As Kafka's
   * producer does: OUT_OF_ORDER_SEQUENCE_NUMBER for a batch after one still unresolved is
   * resent as it is, once the earlier one is in; for the next batch after the last
   * acknowledged one, the leader lost sequences we count on, so the producer starts over
   * under a new id. INVALID_PRODUCER_EPOCH of the current id fails the batch (another producer
   * took the id over).
   */
  private boolean prepareResendAfterRefusal(ProducerBatch batch, ErrorCode error) {
    if (!batch.hasSequence() || (error != ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER
        && error != ErrorCode.INVALID_PRODUCER_EPOCH)) {
      return false;
    }
    if (!hasCurrentSequence(batch)) {
      batch.clearSequence();
      return true;
    }
    if (error == ErrorCode.INVALID_PRODUCER_EPOCH) {
      return false;
    }
    PartitionSequences partition = sequences.get(batch.partition);
    if (batch.baseSequence() == DefaultRecordBatch.incrementSequence(partition.lastAcknowledged, 1)) {
      resetProducerId();
      batch.clearSequence();
    }
    return true;
  }

  /** Exponential backoff with 20% jitter, as Kafka does, so retries do not synchronize. */
  private long backoffMs(int attempts) {
    double exponential = settings.retryBackoffMs() * Math.pow(2, Math.max(0, attempts - 1));
    double capped = Math.min(exponential, settings.retryBackoffMaxMs());
    return (long) (capped * ThreadLocalRandom.current().nextDouble(0.8, 1.2));
  }

  /**
   * Fails batches in flight past their delivery timeout, and breaks streams with a request
   * older than request.timeout.ms. Returns when to check again.
   */
  private long checkInFlight(long now) {
    long nextCheckMs = Long.MAX_VALUE;
    for (BrokerStream stream : List.copyOf(streams.values())) {
      boolean timedOut = false;
      for (Iterator<InFlight> it = stream.inFlight.values().iterator(); it.hasNext(); ) {
        InFlight inFlight = it.next();
        ProducerBatch batch = inFlight.batch();
        if (!batch.isDone() && batch.deliveryDeadlineMs <= now) {
          finish(batch, deliveryTimeout(batch, now));
        }
        if (inFlight.sentMs() + settings.requestTimeoutMs() <= now) {
          timedOut = true;
        } else {
          nextCheckMs = Math.min(nextCheckMs, inFlight.sentMs() + settings.requestTimeoutMs());
          if (!batch.isDone()) {
            nextCheckMs = Math.min(nextCheckMs, batch.deliveryDeadlineMs);
          }
        }
      }
      if (timedOut) {
        stream.requests.onError(Status.DEADLINE_EXCEEDED.withDescription("request timed out").asException());
        onStreamBroken(
            stream,
            new SkeinException(
                ErrorCode.REQUEST_TIMED_OUT,
                "REQUEST_TIMED_OUT: no answer from broker " + stream.brokerId + " within request.timeout.ms"));
      }
    }
    return nextCheckMs;
  }

  private boolean hasInFlight() {
    for (BrokerStream stream : streams.values()) {
      for (InFlight inFlight : stream.inFlight.values()) {
        if (!inFlight.batch().isDone()) {
          return true;
        }
      }
    }
    return false;
  }

  private static SkeinException deliveryTimeout(ProducerBatch batch, long now) {
    return new SkeinException(
        ErrorCode.REQUEST_TIMED_OUT,
        "REQUEST_TIMED_OUT: expiring " + batch.recordCount() + " record(s) for " + batch.partition + ": "
            + (now - batch.createdMs) + " ms has passed since batch creation (delivery.timeout.ms)");
  }

  private void finish(ProducerBatch batch, SkeinException error) {
    if (!batch.isDone()) {
      if (hasCurrentSequence(batch)) {
        // Its sequence will never be acknowledged: the leader would refuse every later one.
        resetProducerId();
      }
      batch.fail(error);
      accumulator.completed(batch);
    }
  }
}
