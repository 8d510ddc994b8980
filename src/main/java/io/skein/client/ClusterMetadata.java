package io.skein.client;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.BrokerDescription;
import io.skein.proto.v1.CommitOffsetsRequest;
import io.skein.proto.v1.CommitOffsetsResponse;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.FetchOffsetsRequest;
import io.skein.proto.v1.FetchOffsetsResponse;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.ListOffsetsRequest;
import io.skein.proto.v1.ListOffsetsResponse;
import io.skein.proto.v1.MetadataRequest;
import io.skein.proto.v1.MetadataResponse;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.PartitionMetadata;
import io.skein.proto.v1.PartitionOffset;
import io.skein.proto.v1.TopicMetadata;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What a client knows of the cluster: the brokers, one channel per broker (keyed by broker
 * id), and for each topic used so far its partition count and partition leaders, learned
 * from AdminService.Metadata and kept for {@code metadata.max.age.ms} or until a request
 * finds it stale. Thread-safe: lookups read immutable snapshots; refreshes are serialized.
 */
final class ClusterMetadata implements AutoCloseable {

  /**
   * A topic's partitions: {@code leaders[p]} is the broker id leading partition p, -1 if
   * none; {@code partitions[p]} is made once here so sends need not allocate it.
   */
  record TopicInfo(
      String name, TopicPartition[] partitions, int[] leaders, long fetchedAtMs, boolean stale) {
    int partitionCount() {
      return leaders.length;
    }
  }

  private final List<HostPort> bootstrap;
  private final ChannelFactory channelFactory;
  private final long maxAgeMs;
  private final long requestTimeoutMs;
  private final long retryBackoffMs;
  private final Map<String, TopicInfo> topics = new ConcurrentHashMap<>();
  private final Map<Integer, ManagedChannel> brokerChannels = new ConcurrentHashMap<>();
  private final Object refreshLock = new Object();
  // Guarded by refreshLock.
  private final Map<Integer, HostPort> brokerAddresses = new HashMap<>();
  private ManagedChannel bootstrapChannel;
  private int bootstrapIndex;
  /** The broker {@link #anyChannel} answers with while its connection works; -1 before the first. */
  private int anyBroker = -1;
  private volatile boolean closed;

  ClusterMetadata(
      List<HostPort> bootstrap,
      ChannelFactory channelFactory,
      long maxAgeMs,
      long requestTimeoutMs,
      long retryBackoffMs) {
    this.bootstrap = List.copyOf(bootstrap);
    this.channelFactory = channelFactory;
    this.maxAgeMs = maxAgeMs;
    this.requestTimeoutMs = requestTimeoutMs;
    this.retryBackoffMs = retryBackoffMs;
  }

  /** The cached description of a topic, which may be stale or absent; never calls the broker. */
  TopicInfo cached(String topic) {
    return topics.get(topic);
  }

  /** Whether the cached description of this topic is missing, stale or older than max age. */
  boolean needsRefresh(String topic, long nowMs) {
    TopicInfo info = topics.get(topic);
    return info == null || info.stale() || nowMs - info.fetchedAtMs() >= maxAgeMs;
  }

  /** Marks a topic's leaders as outdated, after a broker said so. */
  void invalidate(String topic) {
    topics.computeIfPresent(
        topic, (name, info) -> new TopicInfo(name, info.partitions(), info.leaders(), info.fetchedAtMs(), true));
  }

  /**
   * A fresh enough description of a topic, asking the broker if needed. Retries
   * connection failures until {@code maxWaitMs}; an absent topic fails at once with
   * UNKNOWN_TOPIC_OR_PARTITION.
   */
  TopicInfo topic(String topic, long maxWaitMs) {
    long now = System.currentTimeMillis();
    if (!needsRefresh(topic, now)) {
      return topics.get(topic);
    }
    long deadline = now + maxWaitMs;
    while (true) {
      try {
        MetadataResponse response = fetch(List.of(topic));
        for (TopicMetadata metadata : response.getTopicsList()) {
          if (metadata.getName().equals(topic) && metadata.getError().getCode() != ErrorCode.NONE) {
            throw SkeinException.fromError(metadata.getError());
          }
        }
        TopicInfo info = topics.get(topic);
        if (info != null) {
          return info;
        }
        throw new SkeinException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no metadata for topic " + topic);
      } catch (SkeinException e) {
        if (!e.retriable() || System.currentTimeMillis() + retryBackoffMs > deadline || closed) {
          throw e;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(retryBackoffMs));
      }
    }
  }

  /** Calls Metadata for these topics (empty: all) and updates the cache and broker list. */
  MetadataResponse fetch(Collection<String> topicNames) {
    synchronized (refreshLock) {
      if (closed) {
        throw new IllegalStateException("client is closed");
      }
      MetadataResponse response = callMetadata(topicNames);
      updateBrokers(response.getBrokersList());
      if (!brokerAddresses.isEmpty() && bootstrapChannel != null) {
        // The bootstrap address has done its job; requests now go to brokers by id.
        bootstrapChannel.shutdown();
        bootstrapChannel = null;
      }
      long now = System.currentTimeMillis();
      for (TopicMetadata metadata : response.getTopicsList()) {
        if (metadata.getError().getCode() != ErrorCode.NONE) {
          topics.remove(metadata.getName());
          continue;
        }
        int[] leaders = new int[metadata.getPartitionsCount()];
        java.util.Arrays.fill(leaders, -1);
        for (PartitionMetadata partition : metadata.getPartitionsList()) {
          if (partition.getPartition() >= 0 && partition.getPartition() < leaders.length) {
            leaders[partition.getPartition()] = partition.getLeader();
          }
        }
        TopicPartition[] partitions = new TopicPartition[leaders.length];
        for (int p = 0; p < leaders.length; p++) {
          partitions[p] = new TopicPartition(metadata.getName(), p);
        }
        topics.put(
            metadata.getName(), new TopicInfo(metadata.getName(), partitions, leaders, now, false));
      }
      return response;
    }
  }

  /** The channel to a broker, opened on first use; null if the broker is unknown. */
  ManagedChannel channel(int brokerId) {
    ManagedChannel channel = brokerChannels.get(brokerId);
    if (channel != null) {
      return channel;
    }
    synchronized (refreshLock) {
      HostPort address = brokerAddresses.get(brokerId);
      if (address == null || closed) {
        return null;
      }
      return brokerChannels.computeIfAbsent(brokerId, id -> channelFactory.open(address));
    }
  }

  /** Asks the partition's leader for an offset: earliest, latest, or the first at a timestamp. */
  ListOffsetsResponse listOffsets(
      TopicPartition partition, OffsetSpec spec, long timestamp, long timeoutMs) {
    ListOffsetsRequest request =
        ListOffsetsRequest.newBuilder()
            .setTopic(partition.topic())
            .setPartition(partition.partition())
            .setSpec(spec)
            .setTimestamp(timestamp)
            .build();
    try {
      return ConsumerServiceGrpc.newBlockingStub(leaderChannel(partition, timeoutMs))
          .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
          .listOffsets(request);
    } catch (RuntimeException e) {
      throw SkeinException.fromGrpc(e);
    }
  }

  /**
   * A group's committed offsets for these partitions (none: every committed one); partitions
   * without a committed offset are absent. GROUP_ID_NOT_FOUND if the group does not exist.
   */
  Map<TopicPartition, OffsetAndMetadata> committedOffsets(
      String groupId, Collection<TopicPartition> partitions, long timeoutMs) {
    FetchOffsetsRequest request =
        FetchOffsetsRequest.newBuilder().setGroupId(groupId).addAllPartitions(GroupMember.grouped(partitions)).build();
    FetchOffsetsResponse response;
    try {
      response = GroupServiceGrpc.newBlockingStub(anyChannel())
          .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
          .fetchOffsets(request);
    } catch (RuntimeException e) {
      throw SkeinException.fromGrpc(e);
    }
    Map<TopicPartition, OffsetAndMetadata> committed = new LinkedHashMap<>();
    for (PartitionOffset offset : response.getOffsetsList()) {
      if (offset.getOffset() >= 0) {
        committed.put(
            new TopicPartition(offset.getTopic(), offset.getPartition()),
            new OffsetAndMetadata(offset.getOffset(), offset.getMetadata()));
      }
    }
    return committed;
  }

  /** Commits outside a group session (a group without members, or a tool); per-partition refusals fail it. */
  CompletableFuture<Void> commitOffsets(CommitOffsetsRequest request, long timeoutMs) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    GroupServiceGrpc.newStub(anyChannel())
        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
        .commitOffsets(request, new StreamObserver<>() {
          @Override
          public void onNext(CommitOffsetsResponse response) {
            SkeinException refused = GroupMember.refusedPartitions(response);
            if (refused == null) {
              done.complete(null);
            } else {
              done.completeExceptionally(refused);
            }
          }

          @Override
          public void onError(Throwable failure) {
            done.completeExceptionally(SkeinException.fromGrpc(failure));
          }

          @Override
          public void onCompleted() {}
        });
    return done;
  }

  /** The channel to a partition's leader; LEADER_NOT_AVAILABLE (retriable) if there is none now. */
  ManagedChannel leaderChannel(TopicPartition partition, long maxWaitMs) {
    TopicInfo topic = topic(partition.topic(), maxWaitMs);
    if (partition.partition() >= topic.partitionCount()) {
      throw new SkeinException(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "UNKNOWN_TOPIC_OR_PARTITION: no partition " + partition);
    }
    int leader = topic.leaders()[partition.partition()];
    ManagedChannel channel = leader < 0 ? null : channel(leader);
    if (channel == null) {
      invalidate(partition.topic());
      throw new SkeinException(ErrorCode.LEADER_NOT_AVAILABLE, "LEADER_NOT_AVAILABLE: no leader for " + partition);
    }
    return channel;
  }

  /**
   * A channel to any broker, for requests any broker can answer (admin, group sessions and
   * offsets): the one used last while its connection works, otherwise the next known broker
   * whose last connection attempt did not fail. A broker that died stays in the broker list
   * until the next metadata refresh, which may be minutes away, so without this every
   * request (and every reconnect of a group session) would go to the dead broker until then.
   */
  ManagedChannel anyChannel() {
    synchronized (refreshLock) {
      List<Integer> brokers = brokerAddresses.keySet().stream().sorted().toList();
      if (brokers.isEmpty()) {
        return bootstrapChannel();
      }
      int start = Math.max(0, brokers.indexOf(anyBroker));
      for (int i = 0; i < brokers.size(); i++) {
        int brokerId = brokers.get((start + i) % brokers.size());
        ManagedChannel channel = channel(brokerId);
        if (!connectionFailed(channel)) {
          anyBroker = brokerId;
          return channel;
        }
      }
      // None reachable just now: the next in turn, so that retries go round the brokers, and
      // at once rather than after gRPC's reconnect backoff (which grows to minutes).
      anyBroker = brokers.get((start + 1) % brokers.size());
      ManagedChannel next = channel(anyBroker);
      if (next == null) {
        return bootstrapChannel();
      }
      next.resetConnectBackoff();
      return next;
    }
  }

  private static boolean connectionFailed(ManagedChannel channel) {
    return channel == null || channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE;
  }

  private MetadataResponse callMetadata(Collection<String> topicNames) {
    MetadataRequest request = MetadataRequest.newBuilder().addAllTopics(topicNames).build();
    // Known brokers first, those whose last connection failed last (one that died may hold
    // the call until its connect timeout); if none answers, fall back to the bootstrap list.
    List<Integer> known = new ArrayList<>(brokerAddresses.keySet());
    known.sort(Comparator.comparing(brokerId -> connectionFailed(channel(brokerId))));
    SkeinException lastFailure = null;
    for (Integer brokerId : known) {
      try {
        return stub(channel(brokerId)).metadata(request);
      } catch (RuntimeException e) {
        lastFailure = SkeinException.fromGrpc(e);
        if (!lastFailure.retriable()) {
          throw lastFailure;
        }
      }
    }
    for (int attempt = 0; attempt < bootstrap.size(); attempt++) {
      try {
        return stub(bootstrapChannel()).metadata(request);
      } catch (RuntimeException e) {
        lastFailure = SkeinException.fromGrpc(e);
        if (!lastFailure.retriable()) {
          throw lastFailure;
        }
        bootstrapChannel.shutdownNow();
        bootstrapChannel = null;
        bootstrapIndex = (bootstrapIndex + 1) % bootstrap.size();
      }
    }
    throw lastFailure;
  }

  private AdminServiceGrpc.AdminServiceBlockingStub stub(ManagedChannel channel) {
    return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS);
  }

  private ManagedChannel bootstrapChannel() {
    if (bootstrapChannel == null) {
      bootstrapChannel = channelFactory.open(bootstrap.get(bootstrapIndex));
    }
    return bootstrapChannel;
  }

  private void updateBrokers(List<BrokerDescription> brokers) {
    if (brokers.isEmpty()) {
      return;
    }
    Map<Integer, HostPort> latest = new HashMap<>();
    for (BrokerDescription broker : brokers) {
      latest.put(broker.getId(), new HostPort(broker.getHost(), broker.getPort()));
    }
    // A broker that left or moved loses its channel; the next request opens a new one.
    for (Integer brokerId : Set.copyOf(brokerAddresses.keySet())) {
      if (!brokerAddresses.get(brokerId).equals(latest.get(brokerId))) {
        ManagedChannel gone = brokerChannels.remove(brokerId);
        if (gone != null) {
          gone.shutdown();
        }
      }
    }
    brokerAddresses.clear();
    brokerAddresses.putAll(latest);
  }

  @Override
  public void close() {
    synchronized (refreshLock) {
      closed = true;
      brokerChannels.values().forEach(ManagedChannel::shutdown);
      if (bootstrapChannel != null) {
        bootstrapChannel.shutdown();
      }
      for (ManagedChannel channel : brokerChannels.values()) {
        try {
          if (!channel.awaitTermination(1, TimeUnit.SECONDS)) {
            channel.shutdownNow();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          channel.shutdownNow();
        }
      }
      brokerChannels.clear();
    }
  }
}
