package io.skein.server.kafka;

import io.skein.broker.Broker;
import io.skein.broker.TopicAdmin;
import io.skein.metadata.BrokerAddress;
import io.skein.metadata.ReplicaAssignment;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * A minimal Metadata handler, only so that kafka-clients' Admin can bootstrap in this branch's
 * tests: the real one comes with branch kafka-data, and this file goes when that is merged.
 * Brokers are reported at {@code listenerOf(id)}, the test's own listener.
 */
final class MetadataHandlerForAdminTests implements KafkaApiHandler<MetadataRequestData, MetadataResponseData> {

  private final Broker broker;
  private final IntFunction<BrokerAddress> listenerOf;

  MetadataHandlerForAdminTests(Broker broker, IntFunction<BrokerAddress> listenerOf) {
    this.broker = broker;
    this.listenerOf = listenerOf;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.METADATA;
  }

  @Override
  public short maxVersion() {
    return 12;
  }

  @Override
  public CompletionStage<MetadataResponseData> handle(KafkaRequestContext context, MetadataRequestData request) {
    List<String> names = request.topics() == null ? List.of()
        : request.topics().stream().map(MetadataRequestData.MetadataRequestTopic::name).toList();
    boolean none = request.topics() != null && request.topics().isEmpty();
    TopicAdmin.ClusterDescription cluster = broker.topics().describeCluster();
    return broker.topics().metadata(names).thenApply(metadata -> {
      MetadataResponseData response = new MetadataResponseData()
          .setClusterId(cluster.clusterId()).setControllerId(cluster.controllerId());
      for (BrokerAddress address : metadata.brokers()) {
        BrokerAddress listener = listenerOf.apply(address.id());
        response.brokers().add(new MetadataResponseBroker().setNodeId(address.id()).setHost(listener.host())
            .setPort(listener.port()).setRack(address.rack().isEmpty() ? null : address.rack()));
      }
      if (none) {
        return response;
      }
      for (TopicAdmin.TopicMetadata topic : metadata.topics()) {
        MetadataResponseTopic entry = new MetadataResponseTopic().setName(topic.name());
        if (topic.failure() != null) {
          entry.setErrorCode(topic.failure().code().code()).setTopicId(Uuid.ZERO_UUID);
        } else {
          entry.setTopicId(KafkaTopicIds.toKafka(topic.topic().topicId()));
          for (int p = 0; p < topic.topic().partitions().size(); p++) {
            ReplicaAssignment a = topic.topic().partitions().get(p);
            entry.partitions().add(new MetadataResponsePartition().setPartitionIndex(p).setLeaderId(a.leader())
                .setLeaderEpoch(a.leaderEpoch()).setReplicaNodes(a.replicas()).setIsrNodes(a.isr()));
          }
        }
        response.topics().add(entry);
      }
      return response;
    });
  }
}
