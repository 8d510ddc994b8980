package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.server.TestBroker;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

/** A broker started with the Kafka listener enabled serves it, and stops it when it stops. */
class KafkaListenerNodeTest {

  @Test
  void aBrokerServesTheKafkaListenerWhenEnabledAndClosesItOnShutdown() throws IOException {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), freeLoopbackPort());
    try (TestBroker broker = TestBroker.start(Map.of(
        "skein.kafka.enabled", true, "skein.kafka.host", "127.0.0.1", "skein.kafka.port", address.getPort()))) {
      try (KafkaTestClient client = new KafkaTestClient(address)) {
        RequestHeader header = KafkaTestClient.header(ApiKeys.API_VERSIONS, (short) 4, 1);
        ApiVersionsResponse response = client.roundTrip(new ApiVersionsRequest.Builder().build((short) 4), header);
        assertEquals(Errors.NONE.code(), response.data().errorCode());
      }
    }
    assertThrows(ConnectException.class, () -> new KafkaTestClient(address).close());
  }

  /** The node does not tell its Kafka port, so the test picks one that was free a moment ago. */
  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }
}
