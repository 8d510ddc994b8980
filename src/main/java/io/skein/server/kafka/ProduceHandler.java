package io.skein.server.kafka;

import io.skein.broker.Caller;
import io.skein.broker.PartitionRequests;
import io.skein.broker.TopicAdmin;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.Topic;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.LeaderIdAndEpoch;
import org.apache.kafka.common.message.ProduceResponseData.NodeEndpoint;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Produce: appends each partition's batches through the broker, all partitions at once, and
 * answers when every one is done, each with its own error. The log checks the batches (CRC,
 * format, size, producer sequence) and answers a retried idempotent batch with the offsets it
 * was first stored at. acks=0 gets no answer; a failure then closes the connection, as Kafka
 * does. Transactions are not served yet: a transactional produce is refused.
 *
 * <p>From v10 a partition answered NOT_LEADER_OR_FOLLOWER names its current leader ({@link LeaderHints}).
 *
 * <p>From v13 topics are named by id. An id is looked up in this node's copy of the
 * assignments, at once, so that a producer's requests to a partition are appended in the order
 * they came; an id not (yet) there is UNKNOWN_TOPIC_ID, which clients retry after refreshing
 * their metadata.
 */
final class ProduceHandler implements KafkaApiHandler<ProduceRequestData, ProduceResponseData> {

  private static final ByteBuffer NO_RECORDS = ByteBuffer.allocate(0);

  private final PartitionRequests partitions;
  private final TopicAdmin topicAdmin;
  private final LeaderHints leaderHints;

  ProduceHandler(PartitionRequests partitions, TopicAdmin topicAdmin, LeaderHints leaderHints) {
    this.partitions = partitions;
    this.topicAdmin = topicAdmin;
    this.leaderHints = leaderHints;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.PRODUCE;
  }

  @Override
  public short maxVersion() {
    return 13;
  }

  @Override
  public boolean answers(ProduceRequestData request) {
    return request.acks() != 0;
  }

  @Override
  public CompletionStage<ProduceResponseData> handle(KafkaRequestContext context, ProduceRequestData request) {
    Caller caller = context.caller();
    List<TopicProduceResponse> topics = new ArrayList<>(request.topicData().size());
    List<CompletableFuture<PartitionProduceResponse>> all = new ArrayList<>();
    // The topic answer each partition's answer goes into, and the topic's name (null for an unknown id), by position in all.
    List<TopicProduceResponse> owners = new ArrayList<>();
    List<String> names = new ArrayList<>();
    boolean byId = context.apiVersion() >= 13;
    for (TopicProduceData topic : request.topicData()) {
      TopicProduceResponse answer = new TopicProduceResponse().setName(topic.name()).setTopicId(topic.topicId());
      topics.add(answer);
      Optional<String> name = byId ? topicAdmin.knownTopicById(TopicIds.toSkein(topic.topicId())).map(Topic::name)
          : Optional.of(topic.name());
      for (PartitionProduceData partition : topic.partitionData()) {
        all.add(name.isPresent() ? produce(caller, request, name.get(), partition)
            : CompletableFuture.completedFuture(failed(partition.index(), Errors.UNKNOWN_TOPIC_ID,
                "no topic has id " + topic.topicId())));
        owners.add(answer);
        names.add(name.orElse(null));
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> {
      if (request.acks() == 0) {
        failIfAnyFailed(all);
      }
      ProduceResponseData response = new ProduceResponseData();
      Set<Integer> namedLeaders = new TreeSet<>();
      for (int i = 0; i < all.size(); i++) {
        PartitionProduceResponse answer = all.get(i).join();
        if (context.apiVersion() >= LeaderHints.PRODUCE_VERSION && names.get(i) != null) {
          leaderHints.leaderFor(Errors.forCode(answer.errorCode()), names.get(i), answer.index()).ifPresent(leader -> {
            answer.setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(leader.broker())
                .setLeaderEpoch(leader.leaderEpoch()));
            namedLeaders.add(leader.broker());
          });
        }
        owners.get(i).partitionResponses().add(answer);
      }
      for (BrokerAddress leader : leaderHints.listenersOf(namedLeaders)) {
        response.nodeEndpoints().add(new NodeEndpoint().setNodeId(leader.id()).setHost(leader.host())
            .setPort(leader.port()).setRack(leader.rack().isEmpty() ? null : leader.rack()));
      }
      topics.forEach(response.responses()::add);
      return response;
    });
  }

  private CompletableFuture<PartitionProduceResponse> produce(Caller caller, ProduceRequestData request, String topic,
      PartitionProduceData partition) {
    if (request.transactionalId() != null) {
      return CompletableFuture.completedFuture(failed(partition.index(), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
          "transactions are not supported by this broker yet"));
    }
    ByteBuffer records = partition.records() instanceof MemoryRecords memory ? memory.buffer() : NO_RECORDS;
    CompletionStage<PartitionRequests.Appended> appended;
    try {
      // Copies the records before returning, into the buffer the leader appends in place.
      appended = partitions.produce(caller, topic, partition.index(), request.acks(), request.timeoutMs(), records);
    } catch (RuntimeException e) {
      appended = CompletableFuture.failedFuture(e);
    }
    return appended.handle((stored, error) -> error == null ? stored(partition.index(), stored)
        : failed(partition.index(), error)).toCompletableFuture();
  }

  private static PartitionProduceResponse stored(int partition, PartitionRequests.Appended stored) {
    return new PartitionProduceResponse()
        .setIndex(partition)
        .setErrorCode(Errors.NONE.code())
        .setBaseOffset(stored.baseOffset())
        .setLogAppendTimeMs(stored.logAppendTime())
        .setLogStartOffset(stored.logStartOffset());
  }

  private static PartitionProduceResponse failed(int partition, Throwable error) {
    KafkaErrors failure = KafkaErrors.of(error);
    return failed(partition, failure.error(), failure.message());
  }

  private static PartitionProduceResponse failed(int partition, Errors error, String message) {
    return new PartitionProduceResponse()
        .setIndex(partition)
        .setErrorCode(error.code())
        .setErrorMessage(message)
        .setBaseOffset(-1)
        .setLogAppendTimeMs(-1)
        .setLogStartOffset(-1);
  }

  /** An unanswered produce can only tell its producer of a failure by closing the connection. */
  private static void failIfAnyFailed(List<CompletableFuture<PartitionProduceResponse>> all) {
    for (CompletableFuture<PartitionProduceResponse> produced : all) {
      PartitionProduceResponse response = produced.join();
      if (response.errorCode() != Errors.NONE.code()) {
        throw Errors.forCode(response.errorCode()).exception(response.errorMessage());
      }
    }
  }
}
