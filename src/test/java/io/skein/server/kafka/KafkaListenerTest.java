package io.skein.server.kafka;

import io.skein.metrics.NodeMetrics;
import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listener speaks Kafka as kafka-clients does: ApiVersions at every version and its KIP-511
 * fallback, answers in request order whatever order handlers complete in, a bounded in-flight
 * window, requests that get no answer, and handler failures answered with the API's error.
 */
class KafkaListenerTest {

  private static final int MAX_IN_FLIGHT = 4;

  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  static KafkaSettings testSettings(int maxRequestBytes) {
    return new KafkaSettings(true, "127.0.0.1", 0, "", 0, maxRequestBytes, MAX_IN_FLIGHT, 1, Duration.ZERO);
  }

  private KafkaListener listener(KafkaApiHandler<?, ?>... handlers) throws IOException {
    KafkaListener listener = KafkaListener.start(testSettings(104857600), KafkaSecurity.PLAINTEXT,
        KafkaApiHandlers.of(List.of(handlers)),
        NodeMetrics.disabled().kafka());
    opened.add(listener);
    return listener;
  }

  private KafkaTestClient connect(KafkaListener listener) throws IOException {
    KafkaTestClient client = new KafkaTestClient(listener.localAddress());
    opened.add(client);
    return client;
  }

  @Test
  void answersApiVersionsAtEveryVersionWithTheServedApis() throws IOException {
    KafkaListener listener = listener(new ReversingMetadataHandler());
    try (KafkaTestClient client = connect(listener)) {
      for (short version = 0; version <= ApiVersionsHandler.MAX_VERSION; version++) {
        RequestHeader header = KafkaTestClient.header(ApiKeys.API_VERSIONS, version, 100 + version);
        ApiVersionsResponse response =
            client.roundTrip(new ApiVersionsRequest.Builder().build(version), header);
        ApiVersionsResponseData data = response.data();
        assertEquals(Errors.NONE.code(), data.errorCode(), "v" + version);
        assertEquals(2, data.apiKeys().size(), "v" + version + ": " + data.apiKeys());
        assertRange(data.apiKeys().find(ApiKeys.API_VERSIONS.id), 0, ApiVersionsHandler.MAX_VERSION);
        assertRange(data.apiKeys().find(ApiKeys.METADATA.id), ApiKeys.METADATA.oldestVersion(), 12);
      }
    }
  }

  @Test
  void anApiVersionsVersionNotServedGetsTheV0FallbackWithTheSupportedVersions() throws IOException {
    KafkaListener listener = listener();
    try (KafkaTestClient client = connect(listener)) {
      // v5: kafka-clients 4.4's newest, which it sends first.
      short newest = ApiKeys.API_VERSIONS.latestVersion();
      RequestHeader header = KafkaTestClient.header(ApiKeys.API_VERSIONS, newest, 7);
      client.send(new ApiVersionsRequest.Builder().build(newest), header);
      assertFallback(client.receiveFrame(), 7);
      // A version no kafka-clients knows yet: a flexible (v2) header and an unknown body.
      ByteArrayOutputStream future = new ByteArrayOutputStream();
      future.writeBytes(new byte[] {0, 18, 0, 99, 0, 0, 0, 8, 0, 3, 'c', 'l', 'i', 0});
      future.writeBytes(new byte[] {42, 42, 42});
      client.write(KafkaTestClient.sized(ByteBuffer.wrap(future.toByteArray())));
      assertFallback(client.receiveFrame(), 8);
      // The client retries with the version it was told; the connection goes on.
      RequestHeader retry = KafkaTestClient.header(ApiKeys.API_VERSIONS, ApiVersionsHandler.MAX_VERSION, 9);
      ApiVersionsResponse response =
          client.roundTrip(new ApiVersionsRequest.Builder().build(ApiVersionsHandler.MAX_VERSION), retry);
      assertEquals(Errors.NONE.code(), response.data().errorCode());
    }
  }

  private static void assertFallback(ByteBuffer frame, int correlationId) {
    assertEquals(correlationId, ResponseHeader.parse(frame, (short) 0).correlationId());
    ApiVersionsResponseData data = new ApiVersionsResponseData(new ByteBufferAccessor(frame), (short) 0);
    assertEquals(0, frame.remaining(), "a v0 body");
    assertEquals(Errors.UNSUPPORTED_VERSION.code(), data.errorCode());
    assertRange(data.apiKeys().find(ApiKeys.API_VERSIONS.id), 0, ApiVersionsHandler.MAX_VERSION);
  }

  @Test
  void anApiVersionsRequestWithAnInvalidSoftwareNameIsAnInvalidRequest() throws IOException {
    KafkaListener listener = listener();
    try (KafkaTestClient client = connect(listener)) {
      ApiVersionsRequestData bad = new ApiVersionsRequestData()
          .setClientSoftwareName("-not a name-").setClientSoftwareVersion("1.0");
      RequestHeader header = KafkaTestClient.header(ApiKeys.API_VERSIONS, (short) 3, 1);
      ApiVersionsResponse response =
          client.roundTrip(new ApiVersionsRequest.Builder(bad, (short) 3, (short) 3).build((short) 3), header);
      assertEquals(Errors.INVALID_REQUEST.code(), response.data().errorCode());
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws IOException {
    KafkaListener listener = listener();
    try (KafkaTestClient client = connect(listener)) {
      int count = 500;
      List<RequestHeader> headers = new ArrayList<>();
      ByteArrayOutputStream burst = new ByteArrayOutputStream();
      for (int i = 0; i < count; i++) {
        short version = (short) (i % (ApiVersionsHandler.MAX_VERSION + 1));
        RequestHeader header = KafkaTestClient.header(ApiKeys.API_VERSIONS, version, 1000 + i);
        headers.add(header);
        burst.writeBytes(KafkaTestClient.frame(new ApiVersionsRequest.Builder().build(version), header));
      }
      client.write(burst.toByteArray());
      for (RequestHeader header : headers) {
        // parseResponse checks the correlation id against the request's.
        ApiVersionsResponse response = (ApiVersionsResponse) client.receive(header);
        assertEquals(Errors.NONE.code(), response.data().errorCode());
      }
    }
  }

  @Test
  void answersLeaveInRequestOrderWhenHandlersCompleteOutOfOrderAndAtMostTheWindowIsInFlight()
      throws IOException {
    ReversingMetadataHandler metadata = new ReversingMetadataHandler();
    KafkaListener listener = listener(metadata);
    try (KafkaTestClient client = connect(listener)) {
      int count = 3 * MAX_IN_FLIGHT;
      List<RequestHeader> headers = new ArrayList<>();
      ByteArrayOutputStream burst = new ByteArrayOutputStream();
      for (int i = 0; i < count; i++) {
        RequestHeader header = KafkaTestClient.header(ApiKeys.METADATA, (short) 12, 500 + i);
        headers.add(header);
        burst.writeBytes(KafkaTestClient.frame(new MetadataRequestData().setTopics(List.of()), header));
      }
      client.write(burst.toByteArray());
      for (int window = 0; window < count / MAX_IN_FLIGHT; window++) {
        assertEventually("a full window of requests at the handler", Duration.ofSeconds(10),
            () -> metadata.waiting.size() == MAX_IN_FLIGHT);
        metadata.completeWaitingNewestFirst();
      }
      for (RequestHeader header : headers) {
        MetadataResponse response = (MetadataResponse) client.receive(header);
        assertEquals("answer-to-" + header.correlationId(), response.data().clusterId());
      }
      assertEquals(MAX_IN_FLIGHT, metadata.mostInFlight.get());
    }
  }

  @Test
  void aRequestThatGetsNoAnswerDoesNotHoldUpTheNextOnesAndItsFailureClosesTheConnection()
      throws IOException {
    KafkaListener listener = listener(new AcksZeroProduceHandler());
    try (KafkaTestClient client = connect(listener)) {
      RequestHeader unanswered = KafkaTestClient.header(ApiKeys.PRODUCE, (short) 11, 1);
      client.write(KafkaTestClient.frame(produce((short) 0, 1000), unanswered));
      RequestHeader answered = KafkaTestClient.header(ApiKeys.API_VERSIONS, (short) 3, 2);
      ApiVersionsResponse response = client.roundTrip(new ApiVersionsRequest.Builder().build((short) 3), answered);
      assertEquals(Errors.NONE.code(), response.data().errorCode());
      RequestHeader acked = KafkaTestClient.header(ApiKeys.PRODUCE, (short) 11, 3);
      client.write(KafkaTestClient.frame(produce((short) 1, 1000), acked));
      // Answered in its turn: parseResponse checks the correlation id.
      assertEquals(ApiKeys.PRODUCE, client.receive(acked).apiKey());
      // The handler fails an acks=0 request whose timeout is negative.
      client.write(KafkaTestClient.frame(produce((short) 0, -1),
          KafkaTestClient.header(ApiKeys.PRODUCE, (short) 11, 4)));
      client.assertClosedByListener();
    }
  }

  @Test
  void aFailingHandlerIsAnsweredWithItsApisErrorResponse() throws IOException {
    KafkaListener listener = listener(new FailingDescribeClusterHandler());
    try (KafkaTestClient client = connect(listener)) {
      RequestHeader unexpected = KafkaTestClient.header(ApiKeys.DESCRIBE_CLUSTER, (short) 1, 1);
      client.write(KafkaTestClient.frame(new DescribeClusterRequestData(), unexpected));
      assertEquals(Errors.UNKNOWN_SERVER_ERROR.code(),
          ((DescribeClusterResponse) client.receive(unexpected)).data().errorCode());
      RequestHeader refused = KafkaTestClient.header(ApiKeys.DESCRIBE_CLUSTER, (short) 1, 2);
      client.write(KafkaTestClient.frame(new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true),
          refused));
      assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(),
          ((DescribeClusterResponse) client.receive(refused)).data().errorCode());
    }
  }

  @Test
  void aKnownApiWithoutAHandlerOrInAVersionNotServedGetsUnsupportedVersion() throws IOException {
    KafkaListener listener = listener(new FailingDescribeClusterHandler());
    try (KafkaTestClient client = connect(listener)) {
      RequestHeader metadata = KafkaTestClient.header(ApiKeys.METADATA, (short) 12, 1);
      client.write(KafkaTestClient.frame(new MetadataRequestData().setTopics(List.of(
          new MetadataRequestData.MetadataRequestTopic().setName("orders"))), metadata));
      MetadataResponse response = (MetadataResponse) client.receive(metadata);
      assertEquals(Errors.UNSUPPORTED_VERSION.code(), response.data().topics().find("orders").errorCode());
      // DescribeCluster is served at v1 only.
      RequestHeader tooOld = KafkaTestClient.header(ApiKeys.DESCRIBE_CLUSTER, (short) 0, 2);
      client.write(KafkaTestClient.frame(new DescribeClusterRequestData(), tooOld));
      assertEquals(Errors.UNSUPPORTED_VERSION.code(),
          ((DescribeClusterResponse) client.receive(tooOld)).data().errorCode());
    }
  }

  @Test
  void registeringAVersionKafkaClientsCannotParseFails() {
    KafkaApiHandler<MetadataRequestData, MetadataResponseData> tooNew = new ReversingMetadataHandler() {
      @Override
      public short maxVersion() {
        return (short) (ApiKeys.METADATA.latestVersion(true) + 1);
      }
    };
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> KafkaApiHandlers.of(List.of(tooNew)));
    assertNotNull(e.getMessage());
    assertNull(KafkaApiHandlers.of(List.of()).handlerOrNull(ApiKeys.METADATA));
  }

  private static ProduceRequestData produce(short acks, int timeoutMs) {
    return new ProduceRequestData().setAcks(acks).setTimeoutMs(timeoutMs);
  }

  private static void assertRange(ApiVersion version, int min, int max) {
    assertNotNull(version);
    assertEquals(min, version.minVersion(), "min of key " + version.apiKey());
    assertEquals(max, version.maxVersion(), "max of key " + version.apiKey());
  }

  /** Metadata whose answers wait until the test completes them, newest first. */
  static class ReversingMetadataHandler implements KafkaApiHandler<MetadataRequestData, MetadataResponseData> {
    final ConcurrentLinkedQueue<Waiting> waiting = new ConcurrentLinkedQueue<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger mostInFlight = new AtomicInteger();

    record Waiting(int correlationId, CompletableFuture<MetadataResponseData> answer) {}

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
      mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      CompletableFuture<MetadataResponseData> answer = new CompletableFuture<>();
      waiting.add(new Waiting(context.correlationId(), answer));
      return answer;
    }

    void completeWaitingNewestFirst() {
      List<Waiting> window = new ArrayList<>();
      for (Waiting w; (w = waiting.poll()) != null; ) {
        window.add(0, w);
      }
      for (Waiting w : window) {
        inFlight.decrementAndGet();
        w.answer().complete(new MetadataResponseData().setClusterId("answer-to-" + w.correlationId()));
      }
    }
  }

  /** Produce as Kafka treats acks=0: no answer; a failure closes the connection. */
  static final class AcksZeroProduceHandler implements KafkaApiHandler<ProduceRequestData, ProduceResponseData> {
    @Override
    public ApiKeys apiKey() {
      return ApiKeys.PRODUCE;
    }

    @Override
    public short maxVersion() {
      return 11;
    }

    @Override
    public boolean answers(ProduceRequestData request) {
      return request.acks() != 0;
    }

    @Override
    public CompletionStage<ProduceResponseData> handle(KafkaRequestContext context, ProduceRequestData request) {
      if (request.timeoutMs() < 0) {
        return CompletableFuture.failedFuture(new IllegalArgumentException("negative timeout"));
      }
      return CompletableFuture.supplyAsync(ProduceResponseData::new);
    }
  }

  /** DescribeCluster v1 that fails: unexpectedly, or with Kafka's error when authorized operations are asked. */
  static final class FailingDescribeClusterHandler
      implements KafkaApiHandler<DescribeClusterRequestData, DescribeClusterResponseData> {
    @Override
    public ApiKeys apiKey() {
      return ApiKeys.DESCRIBE_CLUSTER;
    }

    @Override
    public short minVersion() {
      return 1;
    }

    @Override
    public short maxVersion() {
      return 1;
    }

    @Override
    public CompletionStage<DescribeClusterResponseData> handle(KafkaRequestContext context,
        DescribeClusterRequestData request) {
      if (request.includeClusterAuthorizedOperations()) {
        throw new ClusterAuthorizationException("not for you");
      }
      return CompletableFuture.failedFuture(new IllegalStateException("a bug in the handler"));
    }
  }
}
