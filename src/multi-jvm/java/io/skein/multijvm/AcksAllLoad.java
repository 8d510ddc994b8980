package io.skein.multijvm;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * An acks=all load on one partition over raw gRPC, sent to any usable broker in turn (Cluster
 * Sharding routes each request to the leader); after an error it moves to the next broker.
 * It keeps account of what the brokers promised: every acknowledged record by offset (each
 * must survive), when each acknowledged request was sent and answered, and the values of
 * requests refused with NOT_ENOUGH_REPLICAS (none of which may be written anywhere).
 */
final class AcksAllLoad implements AutoCloseable {

  static final int RECORDS_PER_BATCH = 5;

  final Map<Long, String> acked = new ConcurrentSkipListMap<>();
  /** Send time to answer time (System.nanoTime) of each acknowledged request. */
  final ConcurrentSkipListMap<Long, Long> ackTimes = new ConcurrentSkipListMap<>();
  /** Values of records in requests refused with NOT_ENOUGH_REPLICAS. */
  final Set<String> refused = ConcurrentHashMap.newKeySet();
  final Map<ErrorCode, AtomicInteger> errors = new ConcurrentHashMap<>();

  private final SkeinCluster cluster;
  private final String topic;
  private final int partition;
  private final String prefix;
  private final IntPredicate usable;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong sequence = new AtomicLong();
  private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Thread thread;

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
    while (!stop.get()) {
      int id = ids.get(target % ids.size());
      if (!usable.test(id)) {
        target++;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        continue;
      }
      if (!send(id)) {
        target++;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // back-off of the load generator
      }
    }
  }

  /** One acks=all request through broker {@code id}; true if it was acknowledged. */
  private boolean send(int id) {
    ManagedChannel channel = channels.computeIfAbsent(id, i -> cluster.broker(i).channel());
    long seq = sequence.getAndIncrement();
    String[] values = new String[RECORDS_PER_BATCH];
    for (int i = 0; i < RECORDS_PER_BATCH; i++) {
      values[i] = prefix + "-" + seq + "-" + i;
    }
    long sentAt = System.nanoTime();
    try {
      ProduceResponse response = ProducerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.SECONDS)
          .produce(ProduceRequest.newBuilder().setTopic(topic).setPartition(partition).setAcks(-1)
              .setTimeoutMs(10_000).setRecords(batch(values)).build());
      for (int i = 0; i < RECORDS_PER_BATCH; i++) {
        acked.put(response.getBaseOffset() + i, values[i]);
      }
      ackTimes.put(sentAt, System.nanoTime());
      return true;
    } catch (StatusRuntimeException failed) {
      // Not acknowledged: it may or may not be in the log; only acks and refusals are held to account.
      ErrorCode code = ApiErrors.errorCode(failed);
      errors.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
      if (code == ErrorCode.NOT_ENOUGH_REPLICAS) {
        refused.addAll(List.of(values));
      }
      return false;
    }
  }

  static ByteString batch(String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] = new SimpleRecord(values[i].getBytes(StandardCharsets.UTF_8));
    }
    return ByteString.copyFrom(MemoryRecords.withRecords(Compression.NONE, records).buffer());
  }
}
