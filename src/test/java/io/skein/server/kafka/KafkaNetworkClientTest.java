package io.skein.server.kafka;

import io.skein.metrics.NodeMetrics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.BootstrapConfiguration;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ManualMetadataUpdater;
import org.apache.kafka.clients.MetadataRecoveryStrategy;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.NetworkClientUtils;
import org.apache.kafka.clients.NodeApiVersions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.network.PlaintextChannelBuilder;
import org.apache.kafka.common.network.Selector;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.LogContext;
import org.junit.jupiter.api.Test;

/**
 * kafka-clients' own network client, as its producer, consumer and Admin use it, connects and
 * negotiates versions: it sends its newest ApiVersions (v5), takes the KIP-511 fallback, retries
 * at v4, and then sends requests at the versions it was told.
 */
class KafkaNetworkClientTest {

  @Test
  void kafkaClientsNegotiatesVersionsAndIsAnswered() throws Exception {
    KafkaListener listener = KafkaListener.start(KafkaListenerTest.testSettings(104857600), KafkaSecurity.PLAINTEXT, KafkaApiHandlers.of(
        List.of(new KafkaListenerTest.ReversingMetadataHandler(), new KafkaListenerTest.FailingDescribeClusterHandler())),
        NodeMetrics.disabled().kafka());
    PlaintextChannelBuilder channels =
        new PlaintextChannelBuilder(ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT));
    channels.configure(Map.of());
    LogContext logContext = new LogContext("[skein test client] ");
    Metrics metrics = new Metrics();
    Node broker = new Node(0, "127.0.0.1", listener.port());
    ApiVersions apiVersions = new ApiVersions();
    NetworkClient client = new NetworkClient(new Selector(60_000, metrics, Time.SYSTEM, "test", channels, logContext),
        new ManualMetadataUpdater(List.of(broker)), KafkaTestClient.CLIENT_ID, 5, 50, 1_000, 64 * 1024, 64 * 1024,
        10_000, 10_000, 10_000, Time.SYSTEM, true, apiVersions, logContext, MetadataRecoveryStrategy.NONE,
        BootstrapConfiguration.DISABLED, false);
    try {
      assertTrue(NetworkClientUtils.awaitReady(client, broker, Time.SYSTEM, 10_000), "connected and negotiated");
      NodeApiVersions versions = apiVersions.get(broker.idString());
      assertEquals(ApiVersionsHandler.MAX_VERSION, versions.apiVersion(ApiKeys.API_VERSIONS).maxVersion());
      assertEquals(12, versions.latestUsableVersion(ApiKeys.METADATA));
      assertEquals(1, versions.latestUsableVersion(ApiKeys.DESCRIBE_CLUSTER));

      ClientRequest request = client.newClientRequest(broker.idString(),
          new DescribeClusterRequest.Builder(new DescribeClusterRequestData()), Time.SYSTEM.milliseconds(), true);
      ClientResponse response = NetworkClientUtils.sendAndReceive(client, request, Time.SYSTEM);
      assertEquals(1, response.requestHeader().apiVersion());
      assertEquals(Errors.UNKNOWN_SERVER_ERROR.code(),
          ((DescribeClusterResponse) response.responseBody()).data().errorCode());
    } finally {
      client.close();
      metrics.close();
      listener.close();
    }
  }
}
