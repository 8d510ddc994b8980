package io.skein.client;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.skein.proto.v1.CommitOffsetsRequest;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.JoinGroup;
import io.skein.proto.v1.ListOffsetsResponse;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.PartitionOffset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads records from partitions it is given ({@link #assign}) or that its consumer group
 * gives it ({@link #subscribe}). Not thread-safe: use it from one thread, as a Kafka
 * consumer. Each assigned partition has at most one Fetch outstanding at a time (a
 * long poll of {@code fetch.max.wait.ms}), sent as soon as the records of the previous one
 * are handed out, so {@link #poll} usually finds data waiting while memory stays bounded by
 * about {@code max.partition.fetch.bytes} per partition.
 *
 * <p>Configs: {@code bootstrap.servers} (required), {@code fetch.max.wait.ms} (500),
 * {@code max.partition.fetch.bytes} (1 MiB), {@code max.poll.records} (500),
 * {@code auto.offset.reset} (earliest|latest|none, default latest, used when a partition
 * has no position), {@code request.timeout.ms} (30000), {@code retry.backoff.ms} (100),
 * {@code metadata.max.age.ms}, {@code client.id} (sent in the {@code skein-client-id} header, for the
 * broker's client quotas).
 *
 * <p>Groups (see groups.proto): with {@code group.id}, {@link #subscribe} joins the group, which
 * splits the partitions of the subscribed topics among its members; rebalances are
 * cooperative (only moved partitions are revoked) and the {@link ConsumerRebalanceListener} is
 * called from inside poll. Heartbeats go on a background thread. Configs:
 * {@code enable.auto.commit} (true; positions are committed every {@code auto.commit.interval.ms},
 * 5000, at the start of poll, and on revocation, unsubscribe and close),
 * {@code session.timeout.ms} (45000), {@code heartbeat.interval.ms} (3000),
 * {@code max.poll.interval.ms} (300000: a consumer that does not poll for that long leaves the
 * group, and rejoins at its next poll; also the time allowed to handle a revocation),
 * {@code partition.assignment.strategy} (cooperative-sticky|range|roundrobin). A partition with
 * no committed offset starts at {@code auto.offset.reset}.
 */
public final class Consumer<K, V> implements AutoCloseable {

  private enum ResetStrategy {
    EARLIEST,
    LATEST,
    NONE
  }

  /** What this consumer knows of one assigned partition. */
  private static final class PartitionState {
    final TopicPartition partition;
    /** The offset of the next record to return; -1 until known. */
    long position = -1;
    /** A seekToBeginning/End not resolved to an offset yet. */
    OffsetSpec pendingReset;
    /** Bumped by every seek, so answers to fetches sent before it are dropped. */
    int epoch;
    boolean fetchInFlight;
    FetchedRecords fetched;
    long retryAtMs;
    /** Given by the group: its position is the group's committed offset, once looked up. */
    boolean awaitingCommitted;
    /** Being revoked by the group: no more fetches, no more records. */
    boolean revoking;
    /** The offset last committed for it by this consumer (or found committed); -1 if none. */
    long committed = -1;

    PartitionState(TopicPartition partition) {
      this.partition = partition;
    }

    boolean hasFetchedRecords() {
      return fetched != null && fetched.hasNext();
    }
  }

  private record FetchResult(PartitionState state, int epoch, FetchResponse response, Throwable error) {}

  /** Queued to wake a waiting poll when the group has news or a commit completed. */
  private static final FetchResult WAKEUP = new FetchResult(null, 0, null, null);

  private static final Logger log = LoggerFactory.getLogger(Consumer.class);

  /** The records of one fetch answer, handed out over one or more polls. */
  private static final class FetchedRecords {
    private final Iterator<MutableRecordBatch> batches;
    private MutableRecordBatch batch;
    private Iterator<Record> records;

    FetchedRecords(FetchResponse response) {
      this.batches = MemoryRecords.readableRecords(response.getRecords().asReadOnlyByteBuffer()).batches().iterator();
    }

    boolean hasNext() {
      while (records == null || !records.hasNext()) {
        if (!batches.hasNext()) {
          return false;
        }
        batch = batches.next();
        // Decompresses the batch if needed; a whole batch is the unit of reading anyway.
        records = batch.iterator();
      }
      return true;
    }
  }

  private final Deserializer<K> keyDeserializer;
  private final Deserializer<V> valueDeserializer;
  private final ClusterMetadata metadata;
  private final int fetchMaxWaitMs;
  private final int maxPartitionFetchBytes;
  private final int maxPollRecords;
  private final ResetStrategy autoOffsetReset;
  private final long requestTimeoutMs;
  private final long retryBackoffMs;
  private final Map<TopicPartition, PartitionState> assignment = new LinkedHashMap<>();
  private final LinkedBlockingQueue<FetchResult> completedFetches = new LinkedBlockingQueue<>();
  private final AtomicBoolean wakeupQueued = new AtomicBoolean();
  private boolean closed;

  private final String groupId;
  private final String clientId;
  private final boolean autoCommit;
  private final long autoCommitIntervalMs;
  private final int sessionTimeoutMs;
  private final long heartbeatIntervalMs;
  private final int maxPollIntervalMs;
  private final String assignor;
  /** Completed commitAsync calls, whose callbacks run on the application thread. */
  private final ConcurrentLinkedQueue<Runnable> completedCommits = new ConcurrentLinkedQueue<>();
  /** Non-null while subscribed. */
  private GroupMember member;
  private ConsumerRebalanceListener listener;
  private long nextAutoCommitMs;

  public Consumer(Map<String, ?> config, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
    this(config, keyDeserializer, valueDeserializer, ChannelFactory.plaintext());
  }

  public Consumer(Properties config, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
    this(Configs.fromProperties(config), keyDeserializer, valueDeserializer);
  }

  /** With a custom way to open broker channels (TLS, or an in-process server in tests). */
  public Consumer(
      Map<String, ?> config,
      Deserializer<K> keyDeserializer,
      Deserializer<V> valueDeserializer,
      ChannelFactory channelFactory) {
    this.keyDeserializer = Objects.requireNonNull(keyDeserializer, "keyDeserializer");
    this.valueDeserializer = Objects.requireNonNull(valueDeserializer, "valueDeserializer");
    Configs configs = new Configs(config);
    List<HostPort> bootstrap = HostPort.parseList(configs.requiredString("bootstrap.servers"));
    this.fetchMaxWaitMs = configs.intValue("fetch.max.wait.ms", 500, 0, Integer.MAX_VALUE);
    this.maxPartitionFetchBytes = configs.intValue("max.partition.fetch.bytes", 1024 * 1024, 1, Integer.MAX_VALUE);
    this.maxPollRecords = configs.intValue("max.poll.records", 500, 1, Integer.MAX_VALUE);
    String reset = configs.string("auto.offset.reset", "latest").toLowerCase(Locale.ROOT);
    this.autoOffsetReset =
        switch (reset) {
          case "earliest" -> ResetStrategy.EARLIEST;
          case "latest" -> ResetStrategy.LATEST;
          case "none" -> ResetStrategy.NONE;
          default -> throw new IllegalArgumentException(
              "config auto.offset.reset must be earliest, latest or none, got '" + reset + "'");
        };
    this.requestTimeoutMs = configs.longValue("request.timeout.ms", 30_000, 1, Integer.MAX_VALUE);
    this.retryBackoffMs = configs.longValue("retry.backoff.ms", 100, 0, Long.MAX_VALUE);
    long metadataMaxAgeMs = configs.longValue("metadata.max.age.ms", 300_000, 0, Long.MAX_VALUE);
    this.groupId = configs.string("group.id", null);
    this.clientId = configs.string("client.id", "skein-consumer");
    this.autoCommit = configs.booleanValue("enable.auto.commit", true);
    this.autoCommitIntervalMs = configs.longValue("auto.commit.interval.ms", 5000, 0, Integer.MAX_VALUE);
    this.sessionTimeoutMs = configs.intValue("session.timeout.ms", 45_000, 1, Integer.MAX_VALUE);
    this.heartbeatIntervalMs = configs.longValue("heartbeat.interval.ms", 3000, 1, Integer.MAX_VALUE);
    this.maxPollIntervalMs = configs.intValue("max.poll.interval.ms", 300_000, 1, Integer.MAX_VALUE);
    if (heartbeatIntervalMs >= sessionTimeoutMs) {
      throw new IllegalArgumentException("config heartbeat.interval.ms (" + heartbeatIntervalMs
          + ") must be lower than session.timeout.ms (" + sessionTimeoutMs + ")");
    }
    this.assignor = assignorName(configs.string("partition.assignment.strategy", "cooperative-sticky"));
    this.metadata = new ClusterMetadata(bootstrap, ClientIdChannel.sending(channelFactory, clientId),
        metadataMaxAgeMs, requestTimeoutMs, retryBackoffMs);
  }

  /** The broker's name of an assignor, given by it or by the name of Kafka's class. */
  private static String assignorName(String strategy) {
    String name = strategy.substring(strategy.lastIndexOf('.') + 1);
    return switch (name) {
      case "cooperative-sticky", "CooperativeStickyAssignor" -> "cooperative-sticky";
      case "range", "RangeAssignor" -> "range";
      case "roundrobin", "RoundRobinAssignor" -> "roundrobin";
      default -> throw new IllegalArgumentException(
          "config partition.assignment.strategy must be cooperative-sticky, range or roundrobin, got '" + strategy + "'");
    };
  }

  /**
   * Joins the group ({@code group.id}) to read these topics; the group assigns partitions
   * at the next polls. Replaces an earlier subscription (leaving the group first); an
   * empty collection is {@link #unsubscribe}.
   */
  public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
    for (String topic : topics) {
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("topic names must not be empty, got " + topics);
      }
    }
    if (topics.isEmpty()) {
      unsubscribe();
      return;
    }
    subscribe(JoinGroup.newBuilder().addAllTopics(new TreeSet<>(topics)), listener);
  }

  public void subscribe(Collection<String> topics) {
    subscribe(topics, ConsumerRebalanceListener.none());
  }

  /** Joins the group to read every topic whose whole name matches, including topics created later. */
  public void subscribe(Pattern pattern, ConsumerRebalanceListener listener) {
    subscribe(JoinGroup.newBuilder().setTopicPattern(pattern.pattern()), listener);
  }

  public void subscribe(Pattern pattern) {
    subscribe(pattern, ConsumerRebalanceListener.none());
  }

  private void subscribe(JoinGroup.Builder subscription, ConsumerRebalanceListener listener) {
    ensureOpen();
    Objects.requireNonNull(listener, "listener");
    if (groupId == null || groupId.isEmpty()) {
      throw new SkeinException(ErrorCode.INVALID_GROUP_ID, "INVALID_GROUP_ID: subscribe needs the group.id config");
    }
    if (member == null && !assignment.isEmpty()) {
      throw new IllegalStateException("subscribe() and assign() cannot be mixed; call unsubscribe() first");
    }
    unsubscribe();
    JoinGroup join = subscription.setGroupId(groupId).setClientId(clientId).setSessionTimeoutMs(sessionTimeoutMs)
        .setRebalanceTimeoutMs(maxPollIntervalMs).setAssignor(assignor).build();
    this.listener = listener;
    this.member = new GroupMember(join, metadata::anyChannel, this::wakeup, heartbeatIntervalMs, maxPollIntervalMs,
        retryBackoffMs, requestTimeoutMs);
    this.nextAutoCommitMs = System.currentTimeMillis() + autoCommitIntervalMs;
  }

  /**
   * Leaves the group (after onPartitionsRevoked and, with auto-commit, a commit of the
   * positions), or forgets the assigned partitions.
   */
  public void unsubscribe() {
    ensureOpen();
    if (member != null) {
      leaveGroup();
    }
    assignment.clear();
  }

  /** This consumer's member id and generation in its group. */
  public ConsumerGroupMetadata groupMetadata() {
    requireGroupId("groupMetadata()");
    return member == null
        ? new ConsumerGroupMetadata(groupId, "", -1)
        : new ConsumerGroupMetadata(groupId, member.memberId(), member.generation());
  }

  /**
   * Commits the positions of every owned partition (the records returned by poll so far),
   * waiting for the answer and retrying retriable failures for up to request.timeout.ms.
   */
  public void commitSync() {
    commitSync(uncommittedPositions());
  }

  /**
   * Commits these offsets (each the NEXT offset to read). Fails with
   * {@link CommitFailedException} if the group fenced this consumer, and with
   * PARTITION_NOT_ASSIGNED for a partition it does not own.
   */
  public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
    ensureOpen();
    if (offsets.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> toCommit = Map.copyOf(offsets);
    long deadline = System.currentTimeMillis() + requestTimeoutMs;
    while (true) {
      try {
        await(sendCommit(toCommit), deadline);
        markCommitted(toCommit);
        return;
      } catch (SkeinException e) {
        if (!e.retriable() || System.currentTimeMillis() + retryBackoffMs > deadline) {
          throw e;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(retryBackoffMs));
      }
    }
  }

  /** Commits the positions of every owned partition without waiting; the callback runs in a later poll or commit. */
  public void commitAsync(OffsetCommitCallback callback) {
    commitAsync(uncommittedPositions(), callback);
  }

  public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
    ensureOpen();
    Map<TopicPartition, OffsetAndMetadata> toCommit = Map.copyOf(offsets);
    CompletableFuture<Void> sent;
    try {
      sent = toCommit.isEmpty() ? CompletableFuture.completedFuture(null) : sendCommit(toCommit);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((ok, failure) -> {
      completedCommits.add(() -> {
        if (failure == null) {
          markCommitted(toCommit);
        }
        if (callback != null) {
          callback.onComplete(toCommit, failure == null ? null : unwrap(failure));
        }
      });
      wakeup();
    });
  }

  /**
   * The group's committed offsets of these partitions; a partition with none (or a group
   * that does not exist yet) is absent from the answer.
   */
  public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
    ensureOpen();
    requireGroupId("committed()");
    if (partitions.isEmpty()) {
      return Map.of();
    }
    try {
      return metadata.committedOffsets(groupId, partitions, requestTimeoutMs);
    } catch (SkeinException e) {
      if (e.errorCode() == ErrorCode.GROUP_ID_NOT_FOUND) {
        return Map.of();
      }
      throw e;
    }
  }

  /** The partitions of a topic, from the cluster's metadata. */
  public List<TopicPartition> partitionsFor(String topic) {
    ensureOpen();
    return List.of(metadata.topic(topic, requestTimeoutMs).partitions());
  }

  /** Reads exactly these partitions from now on; positions of partitions kept are kept. */
  public void assign(Collection<TopicPartition> partitions) {
    ensureOpen();
    if (member != null) {
      throw new IllegalStateException("assign() and subscribe() cannot be mixed; call unsubscribe() first");
    }
    Map<TopicPartition, PartitionState> previous = new HashMap<>(assignment);
    assignment.clear();
    for (TopicPartition partition : partitions) {
      PartitionState state = previous.get(partition);
      assignment.put(partition, state != null ? state : new PartitionState(partition));
    }
  }

  public Set<TopicPartition> assignment() {
    return Set.copyOf(assignment.keySet());
  }

  /** The next poll returns records of this partition from {@code offset} on. */
  public void seek(TopicPartition partition, long offset) {
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0, got " + offset);
    }
    PartitionState state = state(partition);
    reset(state);
    state.position = offset;
  }

  public void seekToBeginning(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      PartitionState state = state(partition);
      reset(state);
      state.pendingReset = OffsetSpec.EARLIEST;
    }
  }

  public void seekToEnd(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      PartitionState state = state(partition);
      reset(state);
      state.pendingReset = OffsetSpec.LATEST;
    }
  }

  /** Seeks to the first record at or after {@code timestamp}, or to the end if there is none. */
  public void seekToTimestamp(TopicPartition partition, long timestamp) {
    OffsetAndTimestamp found = offsetsForTimes(Map.of(partition, timestamp)).get(partition);
    if (found == null) {
      seekToEnd(List.of(partition));
    } else {
      seek(partition, found.offset());
    }
  }

  /**
   * For each partition, the first offset whose record timestamp is at or after the given
   * timestamp; null for a partition with no such record.
   */
  public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
    ensureOpen();
    Map<TopicPartition, OffsetAndTimestamp> result = new HashMap<>();
    timestamps.forEach(
        (partition, timestamp) -> {
          ListOffsetsResponse found = listOffsets(partition, OffsetSpec.OFFSET_SPEC_EXPLICIT, timestamp);
          result.put(partition, found.getOffset() < 0 ? null : new OffsetAndTimestamp(found.getOffset(), found.getTimestamp()));
        });
    return result;
  }

  /** The offset of the next record poll will return for this partition, resolving it if needed. */
  public long position(TopicPartition partition) {
    PartitionState state = state(partition);
    long deadline = System.currentTimeMillis() + requestTimeoutMs;
    while (state.position < 0 || state.pendingReset != null) {
      resolvePosition(state);
      if (state.position >= 0 && state.pendingReset == null) {
        break;
      }
      if (System.currentTimeMillis() + retryBackoffMs > deadline) {
        throw new SkeinException(
            ErrorCode.REQUEST_TIMED_OUT, "REQUEST_TIMED_OUT: could not find the position of " + partition);
      }
      // The leader was not reachable; resolvePosition asked for fresh metadata.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(retryBackoffMs));
    }
    return state.position;
  }

  /**
   * Returns the records available now, or waits up to {@code timeout} for some. At most
   * {@code max.poll.records}.
   */
  public ConsumerRecords<K, V> poll(Duration timeout) {
    ensureOpen();
    if (member == null && assignment.isEmpty()) {
      throw new IllegalStateException("not subscribed and no partitions assigned; call subscribe() or assign() first");
    }
    if (member != null) {
      member.polled();
    }
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (true) {
      runCommitCallbacks();
      if (member != null) {
        handleGroupEvents();
        maybeAutoCommit();
      }
      for (PartitionState state : assignment.values()) {
        if ((state.position < 0 || state.pendingReset != null) && state.retryAtMs <= System.currentTimeMillis()) {
          resolvePosition(state);
        }
      }
      FetchResult result;
      while ((result = completedFetches.poll()) != null) {
        handle(result);
      }
      Map<TopicPartition, List<ConsumerRecord<K, V>>> records = collectRecords();
      long now = System.currentTimeMillis();
      long nextRetryMs = sendFetches(now);
      if (!records.isEmpty()) {
        return new ConsumerRecords<>(records);
      }
      long waitMs = Math.min(deadline, nextRetryMs) - now;
      if (now >= deadline) {
        return ConsumerRecords.empty();
      }
      try {
        result = completedFetches.poll(Math.max(0, waitMs), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SkeinException(ErrorCode.UNKNOWN_SERVER_ERROR, "interrupted while polling");
      }
      if (result != null) {
        handle(result);
      }
    }
  }

  /** Commits (with auto-commit) and leaves the group, then closes the connections. */
  @Override
  public void close() {
    if (!closed) {
      try {
        if (member != null) {
          leaveGroup();
        }
      } finally {
        closed = true;
        metadata.close();
      }
    }
  }

  /** Test hook: stops heartbeats and drops the group session without leaving, as a crashed process would. */
  void crash() {
    if (member != null) {
      member.halt();
      member = null;
      assignment.clear();
    }
  }

  // ---- groups ------------------------------------------------------------------------------

  private void wakeup() {
    if (wakeupQueued.compareAndSet(false, true)) {
      completedFetches.add(WAKEUP);
    }
  }

  private void requireGroupId(String operation) {
    if (groupId == null || groupId.isEmpty()) {
      throw new SkeinException(ErrorCode.INVALID_GROUP_ID, "INVALID_GROUP_ID: " + operation + " needs the group.id config");
    }
  }

  /** Acts on what the group said since the last poll, calling the listener. */
  private void handleGroupEvents() {
    GroupMember.Event event;
    while (member != null && (event = member.nextEvent()) != null) {
      if (event instanceof GroupMember.Revoked revoked) {
        onRevoked(revoked);
      } else if (event instanceof GroupMember.Assigned assigned) {
        onAssigned(assigned);
      } else if (event instanceof GroupMember.Lost lost) {
        onLost(lost);
      } else if (event instanceof GroupMember.Failed failed) {
        member.close();
        member = null;
        assignment.clear();
        throw failed.error();
      }
    }
  }

  /** Stops fetching the partitions, lets the application commit, commits (auto), then releases them. */
  private void onRevoked(GroupMember.Revoked revoked) {
    List<TopicPartition> owned = new ArrayList<>();
    List<PartitionState> states = new ArrayList<>();
    for (TopicPartition partition : revoked.partitions()) {
      PartitionState state = assignment.get(partition);
      if (state != null) {
        state.revoking = true;
        state.epoch++; // drops answers of fetches in flight
        state.fetched = null;
        owned.add(partition);
        states.add(state);
      }
    }
    GroupMember revokedBy = member;
    try {
      if (!owned.isEmpty()) {
        listener.onPartitionsRevoked(owned);
      }
    } finally {
      if (autoCommit) {
        commitQuietly(uncommittedPositions(states));
      }
      owned.forEach(assignment::remove);
      revokedBy.acknowledge(revoked.generation(), revoked.partitions());
    }
  }

  /** Adopts the group's complete assignment: new partitions start at their committed offsets. */
  private void onAssigned(GroupMember.Assigned assigned) {
    Set<TopicPartition> now = assigned.partitions();
    List<TopicPartition> lost = new ArrayList<>();
    for (TopicPartition partition : assignment.keySet()) {
      if (!now.contains(partition)) {
        lost.add(partition);
      }
    }
    lost.forEach(assignment::remove);
    List<TopicPartition> added = new ArrayList<>();
    for (TopicPartition partition : now) {
      if (!assignment.containsKey(partition)) {
        PartitionState state = new PartitionState(partition);
        state.awaitingCommitted = true;
        assignment.put(partition, state);
        added.add(partition);
      }
    }
    if (!lost.isEmpty()) {
      // Taken without a revocation (e.g. after a reconnect the group had moved on).
      listener.onPartitionsLost(lost);
    }
    listener.onPartitionsAssigned(added);
  }

  /** Out of the group: every partition is lost; join again. */
  private void onLost(GroupMember.Lost event) {
    List<TopicPartition> lost = List.copyOf(assignment.keySet());
    log.info("Group {}: partitions {} lost: {}", groupId, lost, event.reason());
    assignment.clear();
    try {
      if (!lost.isEmpty()) {
        listener.onPartitionsLost(lost);
      }
    } finally {
      if (member != null) {
        member.rejoinIfOut();
      }
    }
  }

  private void leaveGroup() {
    GroupMember leaving = member;
    List<TopicPartition> owned = List.copyOf(assignment.keySet());
    try {
      if (leaving.isJoined()) {
        try {
          if (!owned.isEmpty()) {
            listener.onPartitionsRevoked(owned);
          }
        } finally {
          if (autoCommit) {
            commitQuietly(uncommittedPositions());
          }
        }
      } else if (!owned.isEmpty()) {
        listener.onPartitionsLost(owned);
      }
    } finally {
      member = null;
      listener = null;
      assignment.clear();
      leaving.leave(requestTimeoutMs);
      runCommitCallbacks();
    }
  }

  private void maybeAutoCommit() {
    long now = System.currentTimeMillis();
    if (autoCommit && now >= nextAutoCommitMs && member.isJoined()) {
      nextAutoCommitMs = now + autoCommitIntervalMs;
      commitAsync(uncommittedPositions(), (offsets, failure) -> {
        if (failure != null) {
          log.warn("Group {}: auto-commit of {} failed: {}", groupId, offsets.keySet(), failure.getMessage());
        }
      });
    }
  }

  private void commitQuietly(Map<TopicPartition, OffsetAndMetadata> offsets) {
    try {
      commitSync(offsets);
    } catch (SkeinException e) {
      log.warn("Group {}: commit of {} failed: {}", groupId, offsets.keySet(), e.getMessage());
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> uncommittedPositions() {
    return uncommittedPositions(assignment.values());
  }

  /** Positions that moved past what was last committed. */
  private static Map<TopicPartition, OffsetAndMetadata> uncommittedPositions(Collection<PartitionState> states) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionState state : states) {
      if (state.position >= 0 && state.pendingReset == null && state.position != state.committed) {
        offsets.put(state.partition, new OffsetAndMetadata(state.position));
      }
    }
    return offsets;
  }

  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach((partition, offset) -> {
      PartitionState state = assignment.get(partition);
      if (state != null) {
        state.committed = offset.offset();
      }
    });
  }

  private CompletableFuture<Void> sendCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (member != null) {
      return member.commit(offsets);
    }
    requireGroupId("committing offsets");
    CommitOffsetsRequest.Builder request = CommitOffsetsRequest.newBuilder().setGroupId(groupId).setGeneration(-1);
    offsets.forEach((partition, offset) -> request.addOffsets(PartitionOffset.newBuilder()
        .setTopic(partition.topic()).setPartition(partition.partition())
        .setOffset(offset.offset()).setMetadata(offset.metadata())));
    return metadata.commitOffsets(request.build(), requestTimeoutMs);
  }

  private void runCommitCallbacks() {
    Runnable completed;
    while ((completed = completedCommits.poll()) != null) {
      completed.run();
    }
  }

  private static void await(CompletableFuture<Void> commit, long deadline) {
    try {
      commit.get(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Exception cause = unwrap(e);
      throw cause instanceof RuntimeException runtime ? runtime : new SkeinException(ErrorCode.UNKNOWN_SERVER_ERROR, cause.toString());
    } catch (TimeoutException e) {
      throw new SkeinException(ErrorCode.REQUEST_TIMED_OUT, "REQUEST_TIMED_OUT: the commit was not answered in time");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SkeinException(ErrorCode.UNKNOWN_SERVER_ERROR, "interrupted while committing");
    }
  }

  private static Exception unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof Exception exception ? exception : new RuntimeException(cause);
  }

  private PartitionState state(TopicPartition partition) {
    ensureOpen();
    PartitionState state = assignment.get(partition);
    if (state == null) {
      throw new IllegalStateException("partition " + partition + " is not assigned");
    }
    return state;
  }

  private static void reset(PartitionState state) {
    state.awaitingCommitted = false;
    state.epoch++;
    state.fetched = null;
    state.pendingReset = null;
    state.retryAtMs = 0;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("consumer is closed");
    }
  }

  /** Turns a pending seek, or a missing position, into an offset by asking the leader. */
  private void resolvePosition(PartitionState state) {
    if (state.awaitingCommitted && state.pendingReset == null) {
      try {
        OffsetAndMetadata committed = metadata.committedOffsets(groupId, List.of(state.partition), requestTimeoutMs)
            .get(state.partition);
        state.awaitingCommitted = false;
        if (committed != null) {
          state.position = committed.offset();
          state.committed = committed.offset();
          return;
        }
      } catch (SkeinException e) {
        if (!e.retriable()) {
          throw e;
        }
        state.retryAtMs = System.currentTimeMillis() + retryBackoffMs;
        return;
      }
    }
    OffsetSpec spec = state.pendingReset;
    if (spec == null) {
      spec =
          switch (autoOffsetReset) {
            case EARLIEST -> OffsetSpec.EARLIEST;
            case LATEST -> OffsetSpec.LATEST;
            case NONE -> throw new SkeinException(
                ErrorCode.OFFSET_OUT_OF_RANGE,
                "OFFSET_OUT_OF_RANGE: no valid position for " + state.partition + " and auto.offset.reset is none");
          };
    }
    try {
      state.position = listOffsets(state.partition, spec, 0).getOffset();
      state.pendingReset = null;
    } catch (SkeinException e) {
      if (!e.retriable() && e.errorCode() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        throw e;
      }
      state.retryAtMs = System.currentTimeMillis() + retryBackoffMs;
      metadata.invalidate(state.partition.topic());
    }
  }

  private ListOffsetsResponse listOffsets(TopicPartition partition, OffsetSpec spec, long timestamp) {
    return metadata.listOffsets(partition, spec, timestamp, requestTimeoutMs);
  }

  /** Sends a fetch for each partition with a position, nothing buffered and none in flight. */
  private long sendFetches(long now) {
    long nextRetryMs = Long.MAX_VALUE;
    for (PartitionState state : assignment.values()) {
      if (state.fetchInFlight || state.hasFetchedRecords() || state.position < 0 || state.pendingReset != null
          || state.revoking) {
        continue;
      }
      if (state.retryAtMs > now) {
        nextRetryMs = Math.min(nextRetryMs, state.retryAtMs);
        continue;
      }
      ManagedChannel channel;
      try {
        channel = metadata.leaderChannel(state.partition, requestTimeoutMs);
      } catch (SkeinException e) {
        if (!e.retriable()) {
          throw e;
        }
        state.retryAtMs = now + retryBackoffMs;
        nextRetryMs = Math.min(nextRetryMs, state.retryAtMs);
        continue;
      }
      FetchRequest request =
          FetchRequest.newBuilder()
              .setTopic(state.partition.topic())
              .setPartition(state.partition.partition())
              .setOffset(state.position)
              .setMaxBytes(maxPartitionFetchBytes)
              .setMaxWaitMs(fetchMaxWaitMs)
              .build();
      state.fetchInFlight = true;
      int epoch = state.epoch;
      // The answer only goes onto a queue, on the transport thread that read it.
      ConsumerServiceGrpc.newStub(channel)
          .withExecutor(Runnable::run)
          .withDeadlineAfter(fetchMaxWaitMs + requestTimeoutMs, TimeUnit.MILLISECONDS)
          .fetch(
              request,
              new StreamObserver<>() {
                private FetchResponse response;

                @Override
                public void onNext(FetchResponse value) {
                  response = value;
                }

                @Override
                public void onError(Throwable failure) {
                  completedFetches.add(new FetchResult(state, epoch, null, failure));
                }

                @Override
                public void onCompleted() {
                  completedFetches.add(new FetchResult(state, epoch, response, null));
                }
              });
    }
    return nextRetryMs;
  }

  private void handle(FetchResult result) {
    if (result == WAKEUP) {
      wakeupQueued.set(false);
      return;
    }
    PartitionState state = result.state();
    state.fetchInFlight = false;
    if (assignment.get(state.partition) != state || state.epoch != result.epoch()) {
      return; // unassigned or sought elsewhere since the fetch was sent
    }
    if (result.error() == null) {
      if (!result.response().getRecords().isEmpty()) {
        state.fetched = new FetchedRecords(result.response());
      }
      return;
    }
    SkeinException error = SkeinException.fromGrpc(result.error());
    switch (error.errorCode()) {
      case OFFSET_OUT_OF_RANGE -> {
        if (autoOffsetReset == ResetStrategy.NONE) {
          throw error;
        }
        state.position = -1; // the next poll applies auto.offset.reset
      }
      // FENCED_LEADER_EPOCH: the broker answering knows a newer leader than our metadata does.
      // REQUEST_TIMED_OUT: the broker did not answer; leadership may have moved meanwhile.
      case UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, FENCED_LEADER_EPOCH,
          REQUEST_TIMED_OUT -> {
        metadata.invalidate(state.partition.topic());
        state.retryAtMs = System.currentTimeMillis() + retryBackoffMs;
      }
      default -> {
        if (!error.retriable()) {
          throw error;
        }
        state.retryAtMs = System.currentTimeMillis() + retryBackoffMs;
      }
    }
  }

  /** Hands out up to max.poll.records buffered records, skipping those below each position. */
  private Map<TopicPartition, List<ConsumerRecord<K, V>>> collectRecords() {
    Map<TopicPartition, List<ConsumerRecord<K, V>>> collected = new LinkedHashMap<>();
    int remaining = maxPollRecords;
    for (PartitionState state : assignment.values()) {
      if (remaining == 0) {
        break;
      }
      FetchedRecords fetched = state.fetched;
      if (fetched == null || state.revoking) {
        continue;
      }
      List<ConsumerRecord<K, V>> records = null;
      while (remaining > 0 && fetched.hasNext()) {
        MutableRecordBatch batch = fetched.batch;
        Record record = fetched.records.next();
        // A fetch starts with the whole batch holding the position: skip what lies below it.
        if (record.offset() >= state.position) {
          if (records == null) {
            records = new ArrayList<>();
            collected.put(state.partition, records);
          }
          records.add(toConsumerRecord(state.partition, batch, record));
          state.position = record.offset() + 1;
          remaining--;
        }
        if (!fetched.records.hasNext()) {
          // A batch may end with offsets removed by compaction: move past all of it.
          state.position = Math.max(state.position, batch.nextOffset());
        }
      }
      if (!fetched.hasNext()) {
        state.fetched = null;
      }
    }
    return collected;
  }

  private ConsumerRecord<K, V> toConsumerRecord(TopicPartition partition, MutableRecordBatch batch, Record record) {
    byte[] keyBytes = record.hasKey() ? Utils.toArray(record.key()) : null;
    byte[] valueBytes = record.hasValue() ? Utils.toArray(record.value()) : null;
    Header[] headers = record.headers();
    return new ConsumerRecord<>(
        partition.topic(),
        partition.partition(),
        record.offset(),
        record.timestamp(),
        batch.timestampType(),
        keyDeserializer.deserialize(partition.topic(), keyBytes),
        valueDeserializer.deserialize(partition.topic(), valueBytes),
        headers.length == 0 ? List.of() : Arrays.asList(headers));
  }
}
