package io.skein.client;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.AlterTopicConfigsRequest;
import io.skein.proto.v1.AlterTopicConfigsResponse;
import io.skein.proto.v1.BrokerDescription;
import io.skein.proto.v1.ConfigEntry;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.CreatePartitionsRequest;
import io.skein.proto.v1.CreatePartitionsResponse;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.CreateTopicResponse;
import io.skein.proto.v1.DeleteTopicRequest;
import io.skein.proto.v1.DeleteTopicResponse;
import io.skein.proto.v1.DescribeClusterRequest;
import io.skein.proto.v1.DescribeClusterResponse;
import io.skein.proto.v1.DescribeTopicsRequest;
import io.skein.proto.v1.DescribeTopicsResponse;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.FetchResponse;
import io.skein.proto.v1.InitProducerIdRequest;
import io.skein.proto.v1.InitProducerIdResponse;
import io.skein.proto.v1.ListOffsetsRequest;
import io.skein.proto.v1.ListOffsetsResponse;
import io.skein.proto.v1.ListTopicsRequest;
import io.skein.proto.v1.ListTopicsResponse;
import io.skein.proto.v1.MetadataRequest;
import io.skein.proto.v1.MetadataResponse;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.PartitionDescription;
import io.skein.proto.v1.PartitionMetadata;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.proto.v1.TopicDescription;
import io.skein.proto.v1.TopicMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * An in-memory stand-in for a one-node Skein broker, served in-process: it keeps produced
 * batches per partition (assigning offsets as the broker will), serves fetches with long
 * poll, and can be told to answer produce requests with errors, or not at all. Like a
 * partition leader it gives idempotent producers ids, answers a repeated batch of one with
 * its first offsets and refuses a sequence gap.
 */
public final class FakeBroker implements AutoCloseable {

  public static final int BROKER_ID = 1;

  private final String serverName = "fake-broker-" + UUID.randomUUID();
  private final Server server;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final Map<String, Topic> topics = new TreeMap<>();

  /** Errors to answer the next produce requests with, one per request. */
  public final ConcurrentLinkedQueue<ErrorCode> produceErrors = new ConcurrentLinkedQueue<>();
  /** Errors the next fetches answer with, one each, before any real fetch. */
  public final ConcurrentLinkedQueue<ErrorCode> fetchErrors = new ConcurrentLinkedQueue<>();
  /** How many of the next produce requests break their stream instead of being answered. */
  public final AtomicInteger streamsToBreak = new AtomicInteger();
  /** When set, produce requests are never answered. */
  public volatile boolean ignoreProduce;
  /** Produce requests to store but answer by breaking the stream, as if the answer was lost. */
  public final AtomicInteger answersToLose = new AtomicInteger();
  public final AtomicInteger producerIdsGiven = new AtomicInteger();
  /** If set, InitProducerId fails with it. */
  public volatile ErrorCode producerIdError;
  public final List<ProduceRequest> produceRequests = new CopyOnWriteArrayList<>();
  public final AtomicInteger metadataRequests = new AtomicInteger();
  public final AtomicInteger produceStreamsOpened = new AtomicInteger();
  /** The skein-client-id header of every call, "" for a call without one. */
  public final List<String> clientIds = new CopyOnWriteArrayList<>();
  /** The brokers Metadata reports, when this fake plays one node of a cluster; null: itself only. */
  public volatile List<BrokerDescription> clusterBrokers;
  /** The leader Metadata reports for each partition number. */
  public volatile java.util.function.IntUnaryOperator leaders = partition -> BROKER_ID;

  private static final class Topic {
    final String id = UUID.randomUUID().toString();
    final List<Log> partitions = new ArrayList<>();
    final Map<String, String> configs = new TreeMap<>();
  }

  private record StoredBatch(int firstSequence, int lastSequence, long baseOffset, long lastOffset) {}

  private static final class Log {
    final List<ByteBuffer> batches = new ArrayList<>();
    long logStartOffset;
    long nextOffset;
    final List<Runnable> waitingFetches = new ArrayList<>();
    /** Per idempotent producer id: its last five stored batches, oldest first. */
    final Map<Long, ArrayDeque<StoredBatch>> producers = new HashMap<>();
  }

  public FakeBroker() throws IOException {
    server =
        InProcessServerBuilder.forName(serverName)
            .addService(new Admin())
            .addService(new Produce())
            .addService(new Consume())
            .intercept(new ServerInterceptor() {
              @Override
              public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
                  Metadata headers, ServerCallHandler<ReqT, RespT> next) {
                String clientId = headers.get(ClientIdChannel.HEADER);
                clientIds.add(clientId == null ? "" : clientId);
                return next.startCall(call, headers);
              }
            })
            .build()
            .start();
  }

  /** Opens channels to this broker, whatever address is asked for. */
  public ChannelFactory channelFactory() {
    return address -> InProcessChannelBuilder.forName(serverName).build();
  }

  /** Opens channels to the fake whose address (host:port) is asked for: a fake cluster. */
  public static ChannelFactory clusterChannelFactory(Map<HostPort, FakeBroker> byAddress) {
    return address -> InProcessChannelBuilder.forName(byAddress.get(address).serverName).build();
  }

  public static String bootstrap() {
    return "fake-broker:9092";
  }

  public synchronized void createTopic(String name, int partitions) {
    Topic topic = new Topic();
    for (int p = 0; p < partitions; p++) {
      topic.partitions.add(new Log());
    }
    topics.put(name, topic);
  }

  /** Stored batches of a partition, offsets assigned. */
  public synchronized List<RecordBatch> batches(String topic, int partition) {
    List<RecordBatch> result = new ArrayList<>();
    for (ByteBuffer batch : topics.get(topic).partitions.get(partition).batches) {
      MemoryRecords.readableRecords(batch.duplicate()).batches().forEach(result::add);
    }
    return result;
  }

  public synchronized List<Record> records(String topic, int partition) {
    List<Record> result = new ArrayList<>();
    for (RecordBatch batch : batches(topic, partition)) {
      batch.forEach(result::add);
    }
    return result;
  }

  /** Drops whole batches below an offset, as retention does, and moves the log start. */
  public synchronized void deleteRecordsBefore(String topic, int partition, long offset) {
    Log log = topics.get(topic).partitions.get(partition);
    log.batches.removeIf(b -> MemoryRecords.readableRecords(b.duplicate()).firstBatch().nextOffset() <= offset);
    log.logStartOffset = offset;
  }

  /** Appends records directly, as another producer would have. */
  public void append(String topic, int partition, MemoryRecords records) {
    ProduceResponse response = append(
        ProduceRequest.newBuilder().setTopic(topic).setPartition(partition).setAcks(1)
            .setRecords(com.google.protobuf.ByteString.copyFrom(records.buffer().duplicate())).build());
    if (response.getError().getCode() != ErrorCode.NONE) {
      throw new IllegalStateException(response.getError().getMessage());
    }
  }

  private synchronized Log log(String topic, int partition) {
    Topic t = topics.get(topic);
    if (t == null || partition < 0 || partition >= t.partitions.size()) {
      return null;
    }
    return t.partitions.get(partition);
  }

  private ProduceResponse append(ProduceRequest request) {
    ProduceResponse.Builder response =
        ProduceResponse.newBuilder()
            .setCorrelationId(request.getCorrelationId())
            .setTopic(request.getTopic())
            .setPartition(request.getPartition())
            .setBaseOffset(-1)
            .setLastOffset(-1)
            .setLogAppendTime(-1);
    List<Runnable> wake;
    synchronized (this) {
      Log log = log(request.getTopic(), request.getPartition());
      if (log == null) {
        return response.setError(ApiErrors.toError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no such partition", Map.of())).build();
      }
      ByteBuffer copy = ByteBuffer.wrap(request.getRecords().toByteArray());
      MemoryRecords records = MemoryRecords.readableRecords(copy);
      long base = log.nextOffset;
      for (MutableRecordBatch batch : records.batches()) {
        batch.ensureValid();
        if (batch.hasProducerId()) {
          ArrayDeque<StoredBatch> stored = log.producers.computeIfAbsent(batch.producerId(), id -> new ArrayDeque<>());
          for (StoredBatch previous : stored) {
            if (previous.firstSequence() == batch.baseSequence() && previous.lastSequence() == batch.lastSequence()) {
              return response.setBaseOffset(previous.baseOffset()).setLastOffset(previous.lastOffset())
                  .setLogStartOffset(log.logStartOffset).build();
            }
          }
          if (!stored.isEmpty() && stored.peekLast().lastSequence() + 1 != batch.baseSequence()) {
            return response.setError(ApiErrors.toError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
                "sequence " + batch.baseSequence() + " after " + stored.peekLast().lastSequence(), Map.of())).build();
          }
          if (stored.size() == 5) {
            stored.pollFirst();
          }
          long first = log.nextOffset;
          stored.addLast(new StoredBatch(batch.baseSequence(), batch.lastSequence(), first,
              first + batch.lastOffset() - batch.baseOffset()));
        }
        long first = log.nextOffset;
        batch.setLastOffset(first + batch.lastOffset() - batch.baseOffset());
        log.nextOffset = batch.lastOffset() + 1;
      }
      log.batches.add(copy);
      response.setBaseOffset(base).setLastOffset(log.nextOffset - 1).setLogStartOffset(log.logStartOffset);
      wake = List.copyOf(log.waitingFetches);
      log.waitingFetches.clear();
    }
    wake.forEach(Runnable::run);
    return response.build();
  }

  @Override
  public void close() {
    server.shutdownNow();
    timer.shutdownNow();
  }

  private final class Produce extends ProducerServiceGrpc.ProducerServiceImplBase {
    @Override
    public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> responses) {
      produceStreamsOpened.incrementAndGet();
      return new StreamObserver<>() {
        boolean broken;

        @Override
        public synchronized void onNext(ProduceRequest request) {
          if (broken) {
            return;
          }
          produceRequests.add(request);
          if (streamsToBreak.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            broken = true;
            responses.onError(Status.UNAVAILABLE.withDescription("connection reset").asException());
            return;
          }
          if (ignoreProduce) {
            return;
          }
          if (answersToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            append(request);
            broken = true;
            responses.onError(Status.UNAVAILABLE.withDescription("connection reset after the append").asException());
            return;
          }
          ErrorCode error = produceErrors.poll();
          if (error != null) {
            responses.onNext(
                ProduceResponse.newBuilder()
                    .setCorrelationId(request.getCorrelationId())
                    .setTopic(request.getTopic())
                    .setPartition(request.getPartition())
                    .setBaseOffset(-1)
                    .setLastOffset(-1)
                    .setError(ApiErrors.toError(error, "injected", Map.of()))
                    .build());
            return;
          }
          responses.onNext(append(request));
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public synchronized void onCompleted() {
          if (!broken) {
            responses.onCompleted();
          }
        }
      };
    }

    @Override
    public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> responses) {
      if (producerIdError != null) {
        responses.onError(ApiErrors.toStatus(producerIdError, "injected"));
        return;
      }
      responses.onNext(InitProducerIdResponse.newBuilder()
          .setProducerId(1000 + producerIdsGiven.getAndIncrement()).setProducerEpoch(0).build());
      responses.onCompleted();
    }
  }

  private final class Consume extends ConsumerServiceGrpc.ConsumerServiceImplBase {
    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchResponse> responses) {
      ErrorCode injected = fetchErrors.poll();
      if (injected != null) {
        responses.onError(ApiErrors.toStatus(injected, "injected"));
        return;
      }
      boolean waiting;
      synchronized (FakeBroker.this) {
        Log log = log(request.getTopic(), request.getPartition());
        if (log == null) {
          responses.onError(ApiErrors.toStatus(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no such partition"));
          return;
        }
        long offset = request.getOffset();
        if (offset < log.logStartOffset || offset > log.nextOffset) {
          responses.onError(
              ApiErrors.toStatus(
                  ErrorCode.OFFSET_OUT_OF_RANGE,
                  "offset " + offset + " is outside [" + log.logStartOffset + ", " + log.nextOffset + "]",
                  Map.of(
                      "log_start_offset", Long.toString(log.logStartOffset),
                      "log_end_offset", Long.toString(log.nextOffset))));
          return;
        }
        waiting = offset == log.nextOffset && request.getMaxWaitMs() > 0;
        if (waiting) {
          // Long poll: answer when data arrives or max_wait_ms passes, whichever is first.
          Runnable[] answer = new Runnable[1];
          boolean[] answered = new boolean[1];
          answer[0] =
              () -> {
                synchronized (answered) {
                  if (answered[0]) {
                    return;
                  }
                  answered[0] = true;
                }
                responses.onNext(read(request));
                responses.onCompleted();
              };
          log.waitingFetches.add(answer[0]);
          timer.schedule(answer[0], request.getMaxWaitMs(), TimeUnit.MILLISECONDS);
          return;
        }
      }
      responses.onNext(read(request));
      responses.onCompleted();
    }

    private FetchResponse read(FetchRequest request) {
      synchronized (FakeBroker.this) {
        Log log = log(request.getTopic(), request.getPartition());
        int maxBytes = request.getMaxBytes() == 0 ? 1 << 20 : request.getMaxBytes();
        com.google.protobuf.ByteString.Output out = com.google.protobuf.ByteString.newOutput();
        for (ByteBuffer stored : log.batches) {
          for (MutableRecordBatch batch : MemoryRecords.readableRecords(stored.duplicate()).batches()) {
            if (batch.lastOffset() < request.getOffset()) {
              continue;
            }
            if (out.size() > 0 && out.size() + batch.sizeInBytes() > maxBytes) {
              break;
            }
            ByteBuffer bytes = ByteBuffer.allocate(batch.sizeInBytes());
            batch.writeTo(bytes);
            out.write(bytes.array(), 0, bytes.capacity());
          }
        }
        return FetchResponse.newBuilder()
            .setTopic(request.getTopic())
            .setPartition(request.getPartition())
            .setHighWatermark(log.nextOffset)
            .setLogStartOffset(log.logStartOffset)
            .setRecords(out.toByteString())
            .build();
      }
    }

    @Override
    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> responses) {
      synchronized (FakeBroker.this) {
        Log log = log(request.getTopic(), request.getPartition());
        if (log == null) {
          responses.onError(ApiErrors.toStatus(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no such partition"));
          return;
        }
        ListOffsetsResponse.Builder response = ListOffsetsResponse.newBuilder().setOffset(-1).setTimestamp(-1);
        if (request.getSpec() == OffsetSpec.EARLIEST) {
          response.setOffset(log.logStartOffset);
        } else if (request.getSpec() == OffsetSpec.LATEST) {
          response.setOffset(log.nextOffset);
        } else {
          for (Record record : records(request.getTopic(), request.getPartition())) {
            if (record.timestamp() >= request.getTimestamp() && record.offset() >= log.logStartOffset) {
              response.setOffset(record.offset()).setTimestamp(record.timestamp());
              break;
            }
          }
        }
        responses.onNext(response.build());
        responses.onCompleted();
      }
    }
  }

  private final class Admin extends AdminServiceGrpc.AdminServiceImplBase {
    private BrokerDescription self() {
      return BrokerDescription.newBuilder().setId(BROKER_ID).setHost("fake-broker").setPort(9092).build();
    }

    @Override
    public void metadata(MetadataRequest request, StreamObserver<MetadataResponse> responses) {
      metadataRequests.incrementAndGet();
      synchronized (FakeBroker.this) {
        MetadataResponse.Builder response = MetadataResponse.newBuilder();
        List<BrokerDescription> brokers = clusterBrokers;
        if (brokers == null) {
          response.addBrokers(self());
        } else {
          response.addAllBrokers(brokers);
        }
        List<String> names = request.getTopicsList().isEmpty() ? List.copyOf(topics.keySet()) : request.getTopicsList();
        for (String name : names) {
          Topic topic = topics.get(name);
          TopicMetadata.Builder metadata = TopicMetadata.newBuilder().setName(name);
          if (topic == null) {
            metadata.setError(ApiErrors.toError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no topic " + name, Map.of()));
          } else {
            for (int p = 0; p < topic.partitions.size(); p++) {
              metadata.addPartitions(
                  PartitionMetadata.newBuilder().setPartition(p).setLeader(leaders.applyAsInt(p)).addReplicas(BROKER_ID).addIsr(BROKER_ID));
            }
          }
          response.addTopics(metadata);
        }
        responses.onNext(response.build());
        responses.onCompleted();
      }
    }

    @Override
    public void createTopic(CreateTopicRequest request, StreamObserver<CreateTopicResponse> responses) {
      synchronized (FakeBroker.this) {
        if (topics.containsKey(request.getName())) {
          responses.onError(ApiErrors.toStatus(ErrorCode.TOPIC_ALREADY_EXISTS, "topic " + request.getName() + " exists"));
          return;
        }
        if (request.getPartitions() < 1) {
          responses.onError(ApiErrors.toStatus(ErrorCode.INVALID_PARTITIONS, "partitions must be at least 1"));
          return;
        }
        FakeBroker.this.createTopic(request.getName(), request.getPartitions());
        topics.get(request.getName()).configs.putAll(request.getConfigsMap());
        responses.onNext(CreateTopicResponse.newBuilder().setTopic(describe(request.getName())).build());
        responses.onCompleted();
      }
    }

    @Override
    public void deleteTopic(DeleteTopicRequest request, StreamObserver<DeleteTopicResponse> responses) {
      synchronized (FakeBroker.this) {
        if (topics.remove(request.getName()) == null) {
          responses.onError(ApiErrors.toStatus(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no topic " + request.getName()));
          return;
        }
      }
      responses.onNext(DeleteTopicResponse.getDefaultInstance());
      responses.onCompleted();
    }

    @Override
    public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> responses) {
      synchronized (FakeBroker.this) {
        responses.onNext(ListTopicsResponse.newBuilder().addAllNames(topics.keySet()).build());
      }
      responses.onCompleted();
    }

    @Override
    public void describeTopics(DescribeTopicsRequest request, StreamObserver<DescribeTopicsResponse> responses) {
      synchronized (FakeBroker.this) {
        DescribeTopicsResponse.Builder response = DescribeTopicsResponse.newBuilder();
        List<String> names = request.getNamesList().isEmpty() ? List.copyOf(topics.keySet()) : request.getNamesList();
        for (String name : names) {
          response.addTopics(topics.containsKey(name) ? describe(name) : TopicDescription.newBuilder().setName(name)
              .setError(ApiErrors.toError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no topic " + name, Map.of())).build());
        }
        responses.onNext(response.build());
      }
      responses.onCompleted();
    }

    @Override
    public void alterTopicConfigs(AlterTopicConfigsRequest request, StreamObserver<AlterTopicConfigsResponse> responses) {
      synchronized (FakeBroker.this) {
        Topic topic = topics.get(request.getName());
        if (topic == null) {
          responses.onError(ApiErrors.toStatus(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no topic " + request.getName()));
          return;
        }
        topic.configs.putAll(request.getSetMap());
        request.getDeleteList().forEach(topic.configs::remove);
        responses.onNext(AlterTopicConfigsResponse.newBuilder().setTopic(describe(request.getName())).build());
      }
      responses.onCompleted();
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> responses) {
      synchronized (FakeBroker.this) {
        Topic topic = topics.get(request.getName());
        if (topic == null) {
          responses.onError(ApiErrors.toStatus(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no topic " + request.getName()));
          return;
        }
        if (request.getTotalCount() <= topic.partitions.size()) {
          responses.onError(ApiErrors.toStatus(ErrorCode.INVALID_PARTITIONS, "topic " + request.getName() + " has "
              + topic.partitions.size() + " partitions"));
          return;
        }
        while (topic.partitions.size() < request.getTotalCount()) {
          topic.partitions.add(new Log());
        }
        responses.onNext(CreatePartitionsResponse.newBuilder().setTopic(describe(request.getName())).build());
      }
      responses.onCompleted();
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> responses) {
      responses.onNext(
          DescribeClusterResponse.newBuilder().setClusterId("fake-cluster").setControllerId(BROKER_ID).addBrokers(self()).build());
      responses.onCompleted();
    }

    private TopicDescription describe(String name) {
      Topic topic = topics.get(name);
      TopicDescription.Builder description = TopicDescription.newBuilder().setName(name).setTopicId(topic.id);
      for (int p = 0; p < topic.partitions.size(); p++) {
        Log log = topic.partitions.get(p);
        description.addPartitions(
            PartitionDescription.newBuilder()
                .setPartition(p)
                .setLeader(BROKER_ID)
                .addReplicas(BROKER_ID)
                .addIsr(BROKER_ID)
                .setLogStartOffset(log.logStartOffset)
                .setHighWatermark(log.nextOffset)
                .setLogEndOffset(log.nextOffset)
                .setSizeBytes(log.batches.stream().mapToLong(ByteBuffer::capacity).sum())
                .setSegments(1));
      }
      topic.configs.forEach(
          (key, value) -> description.addConfigs(ConfigEntry.newBuilder().setName(key).setValue(value).setIsOverride(true)));
      return description.build();
    }
  }
}
