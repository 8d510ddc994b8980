package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.broker.PartitionRequests;
import io.skein.log.LogSlice;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.LeaderIdAndEpoch;
import org.apache.kafka.common.message.FetchResponseData.NodeEndpoint;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchMetadata;

/**
 * Fetch for consumers: committed batches of each asked-for partition (topics by name up to v12,
 * by id from v13), with its high watermark, last stable offset (the high watermark: there are
 * no transactions yet) and log start offset.
 *
 * <p>Long poll as Kafka's: every partition is read at once; the answer goes out then if the
 * client will not wait, any partition failed, or there are at least {@code min_bytes}.
 * Otherwise each partition's leader waits up to {@code max_wait_ms} for new data, and the
 * answer goes out as soon as one has some (or all waited out); this treats any data as enough,
 * which is what consumers ask for by default ({@code fetch.min.bytes=1}).
 *
 * <p>A partition asked for at an older leader epoch than its own is FENCED_LEADER_EPOCH, at a
 * newer one UNKNOWN_LEADER_EPOCH (KIP-320). From v16 a partition answered FENCED_LEADER_EPOCH or
 * NOT_LEADER_OR_FOLLOWER names its current leader ({@link LeaderHints}).
 *
 * <p>KIP-74 limits: each partition's read is limited to its {@code partition_max_bytes}, and
 * the answer to {@code max_bytes} in request order, except that the first partition with data
 * always gets its batches (a whole batch, however large, so that no consumer is stuck).
 *
 * <p>Batches of a partition this node leads are not read here: they are a span of the segment
 * file ({@link SegmentRecords}) that the connection sends by sendfile, or copies under TLS; a
 * read that is not sent (a long poll reads again, or the answer is full) lets go of it.
 *
 * <p>Fetch sessions (KIP-227): every answer has session id 0, so clients send a full fetch
 * each time, which Kafka's own brokers do when their session cache is full. An incremental
 * fetch (a session epoch other than 0 or -1) names a session that does not exist here.
 */
final class FetchHandler implements KafkaApiHandler<FetchRequestData, FetchResponseData> {

  private final Broker broker;
  private final PartitionRequests partitions;
  private final LeaderHints leaderHints;

  FetchHandler(Broker broker, LeaderHints leaderHints) {
    this.broker = broker;
    this.partitions = broker.partitions();
    this.leaderHints = leaderHints;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.FETCH;
  }

  /** v18 only adds a follower's high watermark (KIP-1166), which consumers do not send. */
  @Override
  public short maxVersion() {
    return 18;
  }

  @Override
  public CompletionStage<FetchResponseData> handle(KafkaRequestContext context, FetchRequestData request) {
    if (request.sessionEpoch() != FetchMetadata.INITIAL_EPOCH && request.sessionEpoch() != FetchMetadata.FINAL_EPOCH) {
      return CompletableFuture.completedFuture(new FetchResponseData()
          .setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code())
          .setSessionId(FetchMetadata.INVALID_SESSION_ID));
    }
    boolean byId = context.apiVersion() >= 13;
    List<CompletableFuture<TopicSlots>> topics = new ArrayList<>(request.topics().size());
    for (FetchTopic topic : request.topics()) {
      topics.add(resolve(topic, byId).thenApply(name -> new TopicSlots(topic, name)).toCompletableFuture());
    }
    return CompletableFuture.allOf(topics.toArray(CompletableFuture[]::new))
        .thenCompose(resolved -> fetch(context.caller(), request,
            topics.stream().map(CompletableFuture::join).toList()))
        .thenApply(response -> context.apiVersion() >= LeaderHints.FETCH_VERSION ? withLeaderHints(response) : response);
  }

  /** The topic's name; empty for an id that names no topic. */
  private CompletionStage<Optional<String>> resolve(FetchTopic topic, boolean byId) {
    if (!byId) {
      return CompletableFuture.completedFuture(Optional.of(topic.topic()));
    }
    return broker.topics().topicById(TopicIds.toSkein(topic.topicId())).thenApply(found -> found.map(Topic::name));
  }

  private CompletionStage<FetchResponseData> fetch(Caller caller, FetchRequestData request, List<TopicSlots> topics) {
    List<Slot> slots = new ArrayList<>();
    topics.forEach(topic -> slots.addAll(topic.slots));
    int requestMaxBytes = request.maxBytes() <= 0 ? Integer.MAX_VALUE : request.maxBytes();
    List<CompletableFuture<Void>> immediate = new ArrayList<>(slots.size());
    for (Slot slot : slots) {
      immediate.add(readNow(caller, slot, requestMaxBytes).thenAccept(read -> slot.latest = read)
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(immediate.toArray(CompletableFuture[]::new)).thenCompose(done -> {
      long bytes = 0;
      boolean failed = false;
      for (Slot slot : slots) {
        bytes += slot.latest.bytes();
        failed |= slot.latest.error != Errors.NONE;
      }
      if (request.maxWaitMs() <= 0 || slots.isEmpty() || failed || bytes >= request.minBytes()) {
        return CompletableFuture.completedFuture(response(topics, requestMaxBytes));
      }
      return longPoll(slots, partitions.longPollWait(request.maxWaitMs()), requestMaxBytes)
          .thenApply(polled -> response(topics, requestMaxBytes));
    });
  }

  /** What a partition has now: read on this thread where this node leads it, else by its leader. */
  private CompletionStage<PartitionRead> readNow(Caller caller, Slot slot, int requestMaxBytes) {
    if (slot.topic.isEmpty()) {
      return CompletableFuture.completedFuture(PartitionRead.failed(Errors.UNKNOWN_TOPIC_ID));
    }
    Errors fenced = LeaderEpochs.check(partitions, slot.topic.get(), slot.request.partition(),
        slot.request.currentLeaderEpoch());
    if (fenced != Errors.NONE) {
      return CompletableFuture.completedFuture(PartitionRead.failed(fenced));
    }
    try {
      int limit = limit(slot, requestMaxBytes);
      Optional<LogSlice> local = partitions.sliceNow(caller, slot.topic.get(), slot.request.partition(),
          slot.request.fetchOffset(), limit);
      if (local.isPresent()) {
        return CompletableFuture.completedFuture(PartitionRead.of(local.get()));
      }
      return read(slot, limit, Duration.ZERO);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(PartitionRead.failed(e));
    }
  }

  /** Waits in every partition's leader; done when one has data (or fails), or all waited out. */
  private CompletionStage<Void> longPoll(List<Slot> slots, Duration wait, int requestMaxBytes) {
    CompletableFuture<Void> answered = new CompletableFuture<>();
    CompletableFuture<?>[] waits = new CompletableFuture<?>[slots.size()];
    for (int i = 0; i < slots.size(); i++) {
      Slot slot = slots.get(i);
      // Every partition is read again by its leader: what was read here is not sent.
      slot.latest.release();
      CompletionStage<PartitionRead> read;
      try {
        read = read(slot, limit(slot, requestMaxBytes), wait);
      } catch (RuntimeException e) {
        read = CompletableFuture.completedFuture(PartitionRead.failed(e));
      }
      waits[i] = read.thenAccept(result -> {
        slot.latest = result;
        if (result.bytes() > 0 || result.error != Errors.NONE) {
          answered.complete(null);
        }
      }).toCompletableFuture();
    }
    CompletableFuture.allOf(waits).whenComplete((done, error) -> answered.complete(null));
    return answered;
  }

  /** A read by the partition's leader; its reply's buffer is its own, so it is kept as it is. */
  private CompletionStage<PartitionRead> read(Slot slot, int limit, Duration wait) {
    return partitions.leader(slot.topic.get(), slot.request.partition())
        .read(slot.request.fetchOffset(), limit, wait)
        .handle((fetched, error) -> error == null ? PartitionRead.of(fetched)
            : PartitionRead.failed(error));
  }

  private int limit(Slot slot, int requestMaxBytes) {
    int partitionMax = slot.request.partitionMaxBytes() <= 0 ? Integer.MAX_VALUE : slot.request.partitionMaxBytes();
    return partitions.maxBytes(Math.min(partitionMax, requestMaxBytes));
  }

  /** The answer from each partition's latest read, keeping to the request's byte limit. */
  private static FetchResponseData response(List<TopicSlots> topics, int requestMaxBytes) {
    FetchResponseData response = new FetchResponseData()
        .setErrorCode(Errors.NONE.code())
        .setSessionId(FetchMetadata.INVALID_SESSION_ID);
    long bytes = 0;
    for (TopicSlots topic : topics) {
      FetchableTopicResponse answer = new FetchableTopicResponse()
          .setTopic(topic.topic.orElse(topic.request.topic()))
          .setTopicId(topic.request.topicId());
      for (Slot slot : topic.slots) {
        PartitionRead read = slot.latest;
        boolean fits = bytes == 0 || bytes + read.bytes() <= requestMaxBytes;
        if (!fits) {
          read.release();
        }
        BaseRecords records = fits ? read.records : MemoryRecords.EMPTY;
        bytes += records.sizeInBytes();
        answer.partitions().add(new PartitionData()
            .setPartitionIndex(slot.request.partition())
            .setErrorCode(read.error.code())
            .setHighWatermark(read.highWatermark)
            .setLastStableOffset(read.highWatermark)
            .setLogStartOffset(read.logStartOffset)
            .setRecords(records));
      }
      response.responses().add(answer);
    }
    return response;
  }

  /** Names the current leader of each partition answered FENCED_LEADER_EPOCH or NOT_LEADER_OR_FOLLOWER. */
  private FetchResponseData withLeaderHints(FetchResponseData response) {
    Set<Integer> namedLeaders = new TreeSet<>();
    for (FetchableTopicResponse topic : response.responses()) {
      for (PartitionData partition : topic.partitions()) {
        if (partition.errorCode() != Errors.NONE.code() && topic.topic() != null && !topic.topic().isEmpty()) {
          leaderHints.leaderFor(Errors.forCode(partition.errorCode()), topic.topic(), partition.partitionIndex())
              .ifPresent(leader -> {
                partition.setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(leader.broker())
                    .setLeaderEpoch(leader.leaderEpoch()));
                namedLeaders.add(leader.broker());
              });
        }
      }
    }
    for (BrokerAddress leader : leaderHints.listenersOf(namedLeaders)) {
      response.nodeEndpoints().add(new NodeEndpoint().setNodeId(leader.id()).setHost(leader.host())
          .setPort(leader.port()).setRack(leader.rack().isEmpty() ? null : leader.rack()));
    }
    return response;
  }

  /** One asked-for topic: its name ({@code topic}, empty for an unknown id) and partitions. */
  private static final class TopicSlots {
    final FetchTopic request;
    final Optional<String> topic;
    final List<Slot> slots;

    TopicSlots(FetchTopic request, Optional<String> topic) {
      this.request = request;
      this.topic = topic;
      this.slots = new ArrayList<>(request.partitions().size());
      request.partitions().forEach(partition -> slots.add(new Slot(topic, partition)));
    }
  }

  /** One asked-for partition and its latest read, which a long poll replaces on any thread. */
  private static final class Slot {
    final Optional<String> topic;
    final FetchPartition request;
    volatile PartitionRead latest;

    Slot(Optional<String> topic, FetchPartition request) {
      this.topic = topic;
      this.request = request;
    }
  }

  /**
   * A partition's answer: its batches (read by its leader, or a span of the segment file read
   * here, which the answer lets go of once sent) and offsets, or its error.
   */
  private record PartitionRead(Errors error, BaseRecords records, long highWatermark, long logStartOffset) {

    static PartitionRead of(PartitionRequests.Fetched fetched) {
      return new PartitionRead(Errors.NONE, MemoryRecords.readableRecords(fetched.records()), fetched.highWatermark(),
          fetched.logStartOffset());
    }

    static PartitionRead of(LogSlice slice) {
      return new PartitionRead(Errors.NONE, new SegmentRecords(slice), slice.highWatermark(), slice.logStartOffset());
    }

    static PartitionRead failed(Throwable error) {
      return failed(KafkaErrors.of(error).error());
    }

    static PartitionRead failed(Errors error) {
      return new PartitionRead(error, MemoryRecords.EMPTY, -1, -1);
    }

    int bytes() {
      return records.sizeInBytes();
    }

    /** For a read that will not be sent. */
    void release() {
      if (records instanceof SegmentRecords segment) {
        segment.slice().release();
      }
    }
  }
}
