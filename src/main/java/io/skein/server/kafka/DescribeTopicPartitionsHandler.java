package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.Cursor;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeTopicPartitions (KIP-966): the named topics (every topic if none is named) in name
 * order with their partitions, at most {@code response_partition_limit} partitions (and never
 * more than {@link #MAX_PARTITIONS}) an answer; the rest follow from the next cursor. Skein has
 * no eligible leader replicas, so those lists are empty.
 */
final class DescribeTopicPartitionsHandler
    implements KafkaApiHandler<DescribeTopicPartitionsRequestData, DescribeTopicPartitionsResponseData> {

  /** Kafka's default of max.request.partition.size.limit. */
  static final int MAX_PARTITIONS = 2000;

  private final Broker broker;

  DescribeTopicPartitionsHandler(Broker broker) {
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DESCRIBE_TOPIC_PARTITIONS;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.DESCRIBE_TOPIC_PARTITIONS.latestVersion();
  }

  @Override
  public CompletionStage<DescribeTopicPartitionsResponseData> handle(
      KafkaRequestContext context, DescribeTopicPartitionsRequestData request) {
    Cursor cursor = request.cursor();
    Set<String> requested = request.topics().stream().map(TopicRequest::name).collect(Collectors.toSet());
    if (cursor != null && (cursor.partitionIndex() < 0 || (!requested.isEmpty() && !requested.contains(cursor.topicName())))) {
      return CompletableFuture.failedFuture(new InvalidRequestException(
          "the cursor must name a requested topic and a partition index of at least 0"));
    }
    if (request.responsePartitionLimit() < 1) {
      return CompletableFuture.failedFuture(new InvalidRequestException("response_partition_limit must be at least 1"));
    }
    Caller caller = context.caller();
    return broker.topics().topics().thenApply(topics -> {
      Set<Integer> live = broker.topics().describeCluster().brokers().stream().map(BrokerAddress::id)
          .collect(Collectors.toSet());
      // Every topic: those the principal may describe; named ones it may not are refused in page.
      TreeSet<String> names = new TreeSet<>(requested.isEmpty()
          ? topics.keySet().stream().filter(name -> broker.topics().describable(caller, name)).toList() : requested);
      return page(caller, cursor == null ? names : names.tailSet(cursor.topicName(), true), cursor, topics, live,
          Math.min(request.responsePartitionLimit(), MAX_PARTITIONS));
    });
  }

  private DescribeTopicPartitionsResponseData page(Caller caller, Set<String> names, Cursor cursor,
      Map<String, Topic> topics, Set<Integer> live, int limit) {
    DescribeTopicPartitionsResponseData response = new DescribeTopicPartitionsResponseData();
    int remaining = limit;
    List<String> ordered = new ArrayList<>(names);
    for (int i = 0; i < ordered.size(); i++) {
      String name = ordered.get(i);
      if (remaining == 0) {
        response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name).setPartitionIndex(0));
        break;
      }
      if (!broker.topics().mayDescribe(caller, name)) {
        response.topics().add(new DescribeTopicPartitionsResponseTopic().setName(name).setTopicId(Uuid.ZERO_UUID)
            .setErrorCode(Errors.TOPIC_AUTHORIZATION_FAILED.code()));
        continue;
      }
      Topic topic = topics.get(name);
      if (topic == null) {
        response.topics().add(new DescribeTopicPartitionsResponseTopic().setName(name).setTopicId(Uuid.ZERO_UUID)
            .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
        continue;
      }
      int first = cursor != null && name.equals(cursor.topicName()) ? cursor.partitionIndex() : 0;
      int end = Math.min(topic.partitions().size(), first + remaining);
      DescribeTopicPartitionsResponseTopic entry = new DescribeTopicPartitionsResponseTopic().setName(name)
          .setTopicId(KafkaTopicIds.toKafka(topic.topicId())).setIsInternal(false);
      for (int p = first; p < end; p++) {
        entry.partitions().add(partition(p, topic.partitions().get(p), live));
      }
      response.topics().add(entry);
      remaining -= Math.max(0, end - first);
      if (end < topic.partitions().size()) {
        response.setNextCursor(new DescribeTopicPartitionsResponseData.Cursor().setTopicName(name).setPartitionIndex(end));
        break;
      }
    }
    return response;
  }

  private static DescribeTopicPartitionsResponsePartition partition(int index, ReplicaAssignment assignment,
      Set<Integer> live) {
    return new DescribeTopicPartitionsResponsePartition()
        .setPartitionIndex(index)
        .setLeaderId(assignment.leader())
        .setLeaderEpoch(assignment.leaderEpoch())
        .setReplicaNodes(assignment.replicas())
        .setIsrNodes(assignment.isr())
        .setEligibleLeaderReplicas(List.of())
        .setLastKnownElr(List.of())
        .setOfflineReplicas(assignment.replicas().stream().filter(id -> !live.contains(id)).toList());
  }
}
