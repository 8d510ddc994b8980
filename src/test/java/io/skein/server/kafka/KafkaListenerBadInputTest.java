package io.skein.server.kafka;

import io.skein.metrics.NodeMetrics;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input closes only the connection that sent it, after the answers to the requests before
 * it; the listener goes on serving every other connection.
 */
class KafkaListenerBadInputTest {

  private static final int MAX_REQUEST_BYTES = 1024;

  private static KafkaListener listener;

  @BeforeAll
  static void start() throws IOException {
    listener = KafkaListener.start(KafkaListenerTest.testSettings(MAX_REQUEST_BYTES), KafkaSecurity.PLAINTEXT,
        KafkaApiHandlers.of(List.of(new KafkaListenerTest.ReversingMetadataHandler())),
        NodeMetrics.disabled().kafka());
  }

  @AfterAll
  static void stop() {
    listener.close();
  }

  /** Every test ends by checking that a new connection is served. */
  @AfterEach
  void anotherConnectionIsStillServed() throws IOException {
    try (KafkaTestClient other = new KafkaTestClient(listener.localAddress())) {
      assertAnswered(other, 99);
    }
  }

  @Test
  void aFrameCutShortByTheClientClosingIsDropped() throws IOException {
    try (KafkaTestClient client = new KafkaTestClient(listener.localAddress())) {
      byte[] whole = KafkaTestClient.frame(new ApiVersionsRequest.Builder().build((short) 3),
          KafkaTestClient.header(ApiKeys.API_VERSIONS, (short) 3, 1));
      client.write(java.util.Arrays.copyOf(whole, whole.length - 5));
      client.shutdownOutput();
      client.assertClosedByListener();
    }
  }

  @Test
  void aFrameTooShortForARequestHeaderClosesTheConnection() throws IOException {
    try (KafkaTestClient client = new KafkaTestClient(listener.localAddress())) {
      client.write(KafkaTestClient.sized(ByteBuffer.wrap(new byte[] {0, 18, 0})));
      client.assertClosedByListener();
    }
  }

  @Test
  void aRequestOverTheSizeLimitClosesTheConnection() throws IOException {
    try (KafkaTestClient client = new KafkaTestClient(listener.localAddress())) {
      assertAnswered(client, 1);
      client.write(ByteBuffer.allocate(4).putInt(MAX_REQUEST_BYTES + 1).array());
      client.assertClosedByListener();
    }
  }

  @Test
  void aRequestOfExactlyTheSizeLimitIsServed() throws IOException {
    try (KafkaTestClient client = new KafkaTestClient(listener.localAddress())) {
      RequestHeader header = KafkaTestClient.header(ApiKeys.API_VERSIONS, (short) 0, 1);
      ByteBuffer request = new ApiVersionsRequest.Builder().build((short) 0).serializeWithHeader(header);
      // Bytes after a request's fields are ignored, as Kafka ignores them.
      ByteBuffer padded = ByteBuffer.allocate(MAX_REQUEST_BYTES).put(request).position(0);
      client.write(KafkaTestClient.sized(padded));
      ApiVersionsResponse response = (ApiVersionsResponse) client.receive(header);
      assertEquals(Errors.NONE.code(), response.data().errorCode());
    }
  }

  @Test
  void aNegativeSizeClosesTheConnection() throws IOException {
    try (KafkaTestClient client = new KafkaTestClient(listener.localAddress())) {
      client.write(ByteBuffer.allocate(4).putInt(-1).array());
      client.assertClosedByListener();
    }
  }

  @Test
  void anUnknownApiKeyClosesTheConnectionAfterTheAnswersBeforeIt() throws IOException {
    try (KafkaTestClient client = new KafkaTestClient(listener.localAddress())) {
      RequestHeader first = KafkaTestClient.header(ApiKeys.API_VERSIONS, (short) 3, 1);
      client.send(new ApiVersionsRequest.Builder().build((short) 3), first);
      client.write(KafkaTestClient.sized(ByteBuffer.wrap(new byte[] {0x7f, 0x7f, 0, 0, 0, 0, 0, 2, -1, -1})));
      assertEquals(Errors.NONE.code(), ((ApiVersionsResponse) client.receive(first)).data().errorCode());
      client.assertClosedByListener();
    }
  }

  @Test
  void aVersionBelowTheKafkaClientsBaselineClosesTheConnection() throws IOException {
    try (KafkaTestClient client = new KafkaTestClient(listener.localAddress())) {
      // Produce v2: gone since Kafka 4.0 (KIP-896); nothing can parse it, so nothing can answer it.
      client.write(KafkaTestClient.sized(ByteBuffer.wrap(
          new byte[] {0, 0, 0, 2, 0, 0, 0, 1, -1, -1, 0, 1, 0, 0, 0x75, 0x30, 0, 0, 0, 0})));
      client.assertClosedByListener();
    }
  }

  @Test
  void garbageAfterAValidHeaderClosesTheConnection() throws IOException {
    try (KafkaTestClient client = new KafkaTestClient(listener.localAddress())) {
      RequestHeader header = KafkaTestClient.header(ApiKeys.METADATA, (short) 12, 1);
      byte[] valid = KafkaTestClient.frame(new MetadataRequestData().setTopics(List.of()), header);
      int headerEnd = 4 + header.size();
      ByteBuffer garbage = ByteBuffer.allocate(headerEnd - 4 + 8).put(valid, 4, headerEnd - 4);
      while (garbage.hasRemaining()) {
        garbage.put((byte) 0xff);
      }
      client.write(KafkaTestClient.sized(garbage.flip()));
      client.assertClosedByListener();
    }
  }

  private static void assertAnswered(KafkaTestClient client, int correlationId) throws IOException {
    RequestHeader header = KafkaTestClient.header(ApiKeys.API_VERSIONS, (short) 4, correlationId);
    ApiVersionsResponse response = client.roundTrip(new ApiVersionsRequest.Builder().build((short) 4), header);
    assertEquals(Errors.NONE.code(), response.data().errorCode());
  }
}
