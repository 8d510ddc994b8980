package io.skein.multijvm;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.InitProducerIdRequest;
import io.skein.proto.v1.InitProducerIdResponse;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * An idempotent acks=all producer on one partition over raw gRPC, sent to any usable broker in
 * turn (Cluster Sharding routes each request to the leader). It gets a producer id, writes it with
 * a sequence into each batch, and after an error sends the same batch again through the next
 * broker, as Kafka's idempotent producer retries: a leader that stored it already answers with
 * the offsets it has. Each record's value names the producer id and its sequence. It keeps
 * account of what the brokers promised: every acknowledged record by offset (each must survive),
 * when each acknowledged request was sent and answered, and the values of batches every attempt
 * of which was refused with NOT_ENOUGH_REPLICAS (none of which may be written anywhere; an attempt
 * that failed otherwise, a time-out, may have written the batch, which a leader then refuses to
 * take again below min.insync.replicas, as Kafka's does). A request in flight to a broker the
 * test has just frozen is abandoned ({@link #abandon}), as a time-out: else the load would
 * measure its own deadline rather than how soon the cluster serves without that broker.
 */
final class AcksAllLoad implements AutoCloseable {

  static final int RECORDS_PER_BATCH = 5;

  final Map<Long, String> acked = new ConcurrentSkipListMap<>();
  /** Send time to answer time (System.nanoTime) of each acknowledged request. */
  final ConcurrentSkipListMap<Long, Long> ackTimes = new ConcurrentSkipListMap<>();
  /** Values of records in batches every attempt of which was refused with NOT_ENOUGH_REPLICAS. */
  final Set<String> refused = ConcurrentHashMap.newKeySet();
  final Map<ErrorCode, AtomicInteger> errors = new ConcurrentHashMap<>();

  private final SkeinCluster cluster;
  private final String topic;
  private final int partition;
  private final String prefix;
  private final IntPredicate usable;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
  /** Whether an attempt of the batch being sent failed in a way that may have written it. */
  private boolean maybeWritten;
  /** The call in flight and the broker it was sent to, or null between calls. */
  private volatile InFlight inFlight;
  private final Thread thread;

  private record InFlight(int broker, Context.CancellableContext context) {}

  private AcksAllLoad(SkeinCluster cluster, String topic, int partition, String prefix, IntPredicate usable) {
    this.cluster = cluster;
    this.topic = topic;
    this.partition = partition;
    this.prefix = prefix;
    this.usable = usable;
    this.thread = new Thread(this::run, "acks-all-load-" + prefix);
  }

  /** Starts producing to {@code topic}-{@code partition} through brokers for which {@code usable} holds. */
  static AcksAllLoad start(SkeinCluster cluster, String topic, int partition, String prefix, IntPredicate usable) {
    AcksAllLoad load = new AcksAllLoad(cluster, topic, partition, prefix, usable);
    load.thread.start();
    return load;
  }

  int ackedCount() {
    return acked.size();
  }

  int errorCount(ErrorCode code) {
    AtomicInteger count = errors.get(code);
    return count == null ? 0 : count.get();
  }

  /** When the first request sent after {@code nanos} was acknowledged: one in flight then does not count. */
  Optional<Long> firstAckAfter(long nanos) {
    return ackTimes.tailMap(nanos, false).values().stream().min(Long::compare);
  }

  /**
   * The longest time between {@code fromNanos} and {@code toNanos} (System.nanoTime) without an
   * acknowledgement: between successive answers, from the start to the first and from the last to the end.
   */
  long longestGapWithoutAck(long fromNanos, long toNanos) {
    long[] answers = ackTimes.values().stream().mapToLong(Long::longValue)
        .filter(answered -> answered >= fromNanos && answered <= toNanos).sorted().toArray();
    long longest = 0;
    long previous = fromNanos;
    for (long answered : answers) {
      longest = Math.max(longest, answered - previous);
      previous = answered;
    }
    return Math.max(longest, toNanos - previous);
  }

  /**
   * Cancels the request in flight if it went to broker {@code id}: one sent just before the test
   * froze that broker would otherwise wait for its deadline. Its batch may have been written; the
   * next attempt, through another broker, tells.
   */
  void abandon(int id) {
    InFlight call = inFlight;
    if (call != null && call.broker() == id) {
      call.context().cancel(null);
    }
  }

  /** Stops the load and waits for the request in flight. */
  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    thread.join(TimeUnit.SECONDS.toMillis(60));
    channels.values().forEach(ManagedChannel::shutdownNow);
  }

  private void run() {
    List<Integer> ids = cluster.ids();
    int target = 0;
    InitProducerIdResponse producer = null;
    int baseSequence = 0;
    String[] values = null;
    while (!stop.get()) {
      int id = ids.get(target % ids.size());
      if (!usable.test(id)) {
        target++;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        continue;
      }
      if (producer == null) {
        producer = initProducerId(id);
        if (producer == null) {
          target++;
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // back-off of the load generator
        }
        continue;
      }
      if (values == null) {
        values = new String[RECORDS_PER_BATCH];
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
          values[i] = prefix + "-" + producer.getProducerId() + "-" + (baseSequence + i);
        }
      }
      if (send(id, producer, baseSequence, values)) {
        baseSequence += RECORDS_PER_BATCH;
        values = null;
        maybeWritten = false;
      } else {
        target++;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // back-off of the load generator
      }
    }
  }

  /** A producer id from broker {@code id}, or null if it could not give one. */
  private InitProducerIdResponse initProducerId(int id) {
    try {
      return onBroker(id, () -> ProducerServiceGrpc.newBlockingStub(channel(id))
          .withDeadlineAfter(15, TimeUnit.SECONDS).initProducerId(InitProducerIdRequest.getDefaultInstance()));
    } catch (StatusRuntimeException failed) {
      errors.computeIfAbsent(ApiErrors.errorCode(failed), c -> new AtomicInteger()).incrementAndGet();
      return null;
    }
  }

  /** One acks=all request through broker {@code id}; true if it was acknowledged. */
  private boolean send(int id, InitProducerIdResponse producer, int baseSequence, String[] values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
    }
    ByteString batch = ByteString.copyFrom(MemoryRecords.withIdempotentRecords(Compression.NONE,
        producer.getProducerId(), (short) producer.getProducerEpoch(), baseSequence, records).buffer());
    long sentAt = System.nanoTime();
    try {
      ProduceResponse response = onBroker(id, () -> ProducerServiceGrpc.newBlockingStub(channel(id))
          .withDeadlineAfter(15, TimeUnit.SECONDS).produce(ProduceRequest.newBuilder().setTopic(topic)
              .setPartition(partition).setAcks(-1).setTimeoutMs(10_000).setRecords(batch).build()));
      for (int i = 0; i < values.length; i++) {
        acked.put(response.getBaseOffset() + i, values[i]);
      }
      refused.removeAll(List.of(values));
      ackTimes.put(sentAt, System.nanoTime());
      return true;
    } catch (StatusRuntimeException failed) {
      // Not acknowledged: it may or may not be in the log; the retry of the same batch tells.
      ErrorCode code = ApiErrors.errorCode(failed);
      errors.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
      if (code != ErrorCode.NOT_ENOUGH_REPLICAS) {
        maybeWritten = true;
        refused.removeAll(List.of(values));
      } else if (!maybeWritten) {
        refused.addAll(List.of(values));
      }
      return false;
    }
  }

  /** Runs one blocking call to broker {@code id} so that {@link #abandon} can cancel it. */
  private <T> T onBroker(int id, Callable<T> call) {
    Context.CancellableContext context = Context.current().withCancellation();
    inFlight = new InFlight(id, context);
    try {
      return context.call(call);
    } catch (StatusRuntimeException failed) {
      throw failed;
    } catch (Exception unexpected) {
      throw new IllegalStateException(unexpected);
    } finally {
      inFlight = null;
      context.close();
    }
  }

  private ManagedChannel channel(int id) {
    return channels.computeIfAbsent(id, i -> cluster.broker(i).channel());
  }

  static ByteString batch(String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
    }
    return ByteString.copyFrom(MemoryRecords.withRecords(Compression.NONE, records).buffer());
  }
}
