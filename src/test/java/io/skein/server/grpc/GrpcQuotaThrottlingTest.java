package io.skein.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.skein.broker.Caller;
import io.skein.broker.QuotaAdmin;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.Credit;
import io.skein.proto.v1.FetchPartitionsRequest;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.GroupSubscribeRequest;
import io.skein.proto.v1.GroupSubscribeResponse;
import io.skein.proto.v1.GroupSubscribeStart;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.proto.v1.Record;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import io.skein.server.TestBroker;
import io.skein.testing.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client quotas on the gRPC API: a client id with a byte-rate quota is held back, and its answers
 * say for how long ({@code throttle_time_ms}); a client id without one is never held back. Each
 * test has client ids of its own, so their sensors do not meet. Only the throttle times the
 * broker reports are asserted, never how long anything took.
 */
class GrpcQuotaThrottlingTest {

  private static final String TOPIC = "grpc-quotas";
  /**
   * One 20 kB request over a first burst's 10 to 11 s span is about 1.9 kB/s: 1.5 kB/s throttles it
   * for 2 to 3 s (Kafka's formula: (rate - bound) / bound * span).
   */
  private static final double BYTE_RATE = 1500;
  private static final ByteString VALUE = ByteString.copyFrom(new byte[20_000]);
  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
    broker.node().broker().topics().createTopic(Caller.BROKER, TOPIC, 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      ProducerServiceGrpc.newBlockingStub(broker.channel()).produce(request());
    }
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static void setQuota(String clientId, String key) throws Exception {
    setQuota(clientId, key, BYTE_RATE);
  }

  private static void setQuota(String clientId, String key, double limit) throws Exception {
    List<?> refused = broker.node().broker().quotas().alter(List.of(new QuotaAdmin.Change(
            List.of(new QuotaAdmin.EntityPart(QuotaAdmin.CLIENT_ID, clientId)),
            List.of(new QuotaAdmin.Op(key, limit, false)))), false)
        .toCompletableFuture().get(30, TimeUnit.SECONDS).stream().filter(outcome -> outcome.isPresent()).toList();
    assertEquals(List.of(), refused);
  }

  private static <S extends AbstractStub<S>> S as(String clientId, S stub) {
    Metadata headers = new Metadata();
    headers.put(CallerContext.CLIENT_ID_HEADER, clientId);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static ProduceRequest request() {
    return ProduceRequest.newBuilder().setTopic(TOPIC).setPartition(0).setAcks(-1)
        .addPlainRecords(Record.newBuilder().setValue(VALUE)).build();
  }

  @Test
  void aUnaryProducerOverItsByteRateIsHeldBackAndOneWithoutAQuotaIsNot() throws Exception {
    setQuota("slow-producer", "producer_byte_rate");

    ProduceResponse slow =
        as("slow-producer", ProducerServiceGrpc.newBlockingStub(broker.channel())).produce(request());
    assertTrue(slow.getThrottleTimeMs() > 0, "throttle: " + slow.getThrottleTimeMs());
    assertTrue(slow.getBaseOffset() >= 0, "appended: " + slow);

    for (int i = 0; i < 3; i++) {
      assertEquals(0, as("free-producer", ProducerServiceGrpc.newBlockingStub(broker.channel())).produce(request())
          .getThrottleTimeMs());
    }
    assertEquals(0, ProducerServiceGrpc.newBlockingStub(broker.channel()).produce(request()).getThrottleTimeMs(),
        "a call without a client id");
  }

  /** The throttle time a unary call's trailers name, 0 if none. */
  private static long requestThrottleMs(String clientId) {
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    ProducerServiceGrpc.ProducerServiceBlockingStub stub = as(clientId, ProducerServiceGrpc.newBlockingStub(
        broker.channel())).withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(),
        trailers));
    stub.produce(request());
    String throttle = trailers.get().get(RequestTimeQuota.THROTTLE_TIME_MS);
    return throttle == null ? 0 : Long.parseLong(throttle);
  }

  @Test
  void unaryCallsOverTheirRequestPercentageAreHeldBackAndSaySo() throws Exception {
    // A millionth of a thread: any handling at all is over it.
    setQuota("busy-client", "request_percentage", 0.0001);
    long throttled = 0;
    for (int i = 0; i < 5 && throttled == 0; i++) {
      throttled = requestThrottleMs("busy-client");
    }
    assertTrue(throttled > 0, "a call over its request_percentage names its throttle");
    for (int i = 0; i < 3; i++) {
      assertEquals(0, requestThrottleMs("idle-client"), "a client id without the quota");
    }
  }

  @Test
  void aProduceStreamOverItsByteRateIsHeldBackAndStillAnswered() throws Exception {
    setQuota("slow-stream", "producer_byte_rate");
    CompletableFuture<ProduceResponse> answer = new CompletableFuture<>();
    StreamObserver<ProduceRequest> requests = as("slow-stream", ProducerServiceGrpc.newStub(broker.channel()))
        .produceStream(new StreamObserver<>() {
          @Override
          public void onNext(ProduceResponse response) {
            answer.complete(response);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(request());
    ProduceResponse response = answer.get(30, TimeUnit.SECONDS);
    requests.onCompleted();
    assertTrue(response.getThrottleTimeMs() > 0, "throttle: " + response.getThrottleTimeMs());
    assertEquals(Replies.NO_ERROR, response.getError());
  }

  @Test
  void aSubscriberOverItsByteRateIsPausedAndOneWithoutAQuotaIsNot() throws Exception {
    setQuota("slow-consumer", "consumer_byte_rate");

    assertTrue(firstMessage("slow-consumer").getThrottleTimeMs() > 0);
    assertEquals(0, firstMessage("free-consumer").getThrottleTimeMs());
  }

  @Test
  void fetchesOverTheirByteRateAreHeldBack() throws Exception {
    setQuota("slow-fetcher", "consumer_byte_rate");
    setQuota("slow-multi-fetcher", "consumer_byte_rate");
    FetchRequest fetch = FetchRequest.newBuilder().setTopic(TOPIC).setPartition(0).setOffset(0).setMaxBytes(1 << 20)
        .build();

    assertTrue(as("slow-fetcher", ConsumerServiceGrpc.newBlockingStub(broker.channel())).fetch(fetch)
        .getThrottleTimeMs() > 0);
    assertEquals(0, as("free-fetcher", ConsumerServiceGrpc.newBlockingStub(broker.channel())).fetch(fetch)
        .getThrottleTimeMs());

    FetchPartitionsRequest fetchPartitions = FetchPartitionsRequest.newBuilder().addPartitions(fetch)
        .setMaxBytes(1 << 20).build();
    assertTrue(as("slow-multi-fetcher", ConsumerServiceGrpc.newBlockingStub(broker.channel()))
        .fetchPartitions(fetchPartitions).getThrottleTimeMs() > 0);
    assertEquals(0, as("free-fetcher", ConsumerServiceGrpc.newBlockingStub(broker.channel()))
        .fetchPartitions(fetchPartitions).getThrottleTimeMs());
  }

  @Test
  void aGroupMemberOverItsByteRateIsPausedAndThenGoesOn() throws Exception {
    setQuota("slow-member", "consumer_byte_rate");
    AtomicInteger records = new AtomicInteger();
    StreamObserver<GroupSubscribeRequest> requests = as("slow-member",
        GroupServiceGrpc.newStub(broker.channel())).groupSubscribe(new StreamObserver<>() {
          @Override
          public void onNext(GroupSubscribeResponse response) {
            if (response.hasRecords()) {
              records.addAndGet(response.getRecords().getRecordsCount());
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    // Credit for three records at once: what holds the member back is its quota alone, and only the end of
    // its pause (nothing the client sends) lets the next record out.
    requests.onNext(GroupSubscribeRequest.newBuilder().setStart(GroupSubscribeStart.newBuilder()
        .setGroupId("quota-group").addTopics(TOPIC).setSessionTimeoutMs(30_000)
        .setGrant(Credit.newBuilder().setRecords(3))).build());
    try {
      // The first 20 kB record puts it over its quota for seconds: it is paused, never failed.
      Eventually.assertEventually("the throttled member reads every record", Duration.ofSeconds(60),
          () -> records.get() >= 3);
    } finally {
      requests.onCompleted();
    }
  }

  /** The first message of a subscription from the start of the topic, which holds at least one 20 kB record. */
  private static SubscribeResponse firstMessage(String clientId) throws Exception {
    Context.CancellableContext call = Context.current().withCancellation();
    try {
      return call.call(() -> as(clientId, ConsumerServiceGrpc.newBlockingStub(broker.channel()))
          .subscribe(SubscribeRequest.newBuilder().setTopic(TOPIC).setStart(OffsetSpec.EARLIEST).build())
          .next());
    } finally {
      call.cancel(null);
    }
  }
}
