package io.skein.server.kafka;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import io.skein.broker.Broker;
import io.skein.broker.TopicAdmin;
import io.skein.cluster.BrokerRoles;
import io.skein.metadata.BrokerAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeCluster: the live brokers at their Kafka listeners, the cluster id, and as controller
 * the broker running Skein's Controller. Skein has no separate controller endpoints, so asking
 * for them (endpoint type 2) is UNSUPPORTED_ENDPOINT_TYPE, as a Kafka broker answers.
 */
final class DescribeClusterHandler implements KafkaApiHandler<DescribeClusterRequestData, DescribeClusterResponseData> {

  private static final byte BROKERS_ENDPOINT = 1;

  private final ActorSystem<?> system;
  private final Broker broker;

  DescribeClusterHandler(ActorSystem<?> system, Broker broker) {
    this.system = system;
    this.broker = broker;
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.DESCRIBE_CLUSTER;
  }

  @Override
  public short maxVersion() {
    return ApiKeys.DESCRIBE_CLUSTER.latestVersion();
  }

  @Override
  public CompletionStage<DescribeClusterResponseData> handle(
      KafkaRequestContext context, DescribeClusterRequestData request) {
    DescribeClusterResponseData response = new DescribeClusterResponseData().setEndpointType(request.endpointType());
    if (request.endpointType() != BROKERS_ENDPOINT) {
      return CompletableFuture.completedFuture(response
          .setErrorCode(Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
          .setErrorMessage("Skein serves only broker endpoints (type 1), not type " + request.endpointType()));
    }
    TopicAdmin.ClusterDescription cluster = broker.topics().describeCluster();
    // Authorized operations stay omitted: Skein has no authorizer to ask.
    response.setClusterId(cluster.clusterId()).setControllerId(cluster.controllerId());
    for (BrokerAddress address : BrokerRoles.liveKafkaListeners(Cluster.get(system))) {
      response.brokers().add(new DescribeClusterBroker()
          .setBrokerId(address.id())
          .setHost(address.host())
          .setPort(address.port())
          .setRack(address.rack().isEmpty() ? null : address.rack()));
    }
    return CompletableFuture.completedFuture(response);
  }
}
