package io.skein.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.FetchRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.server.TestBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The idempotent Java producer against a real in-process broker, whose partition leaders check sequences. */
class IdempotentProducerEndToEndTest {

  static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  /** Opens channels that throw away the next {@code answersToLose} ProduceStream answers. */
  private static ChannelFactory losingAnswers(AtomicInteger answersToLose) {
    ClientInterceptor interceptor = new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        ClientCall<ReqT, RespT> call = next.newCall(method, options);
        if (!method.equals(ProducerServiceGrpc.getProduceStreamMethod())) {
          return call;
        }
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(RespT message) {
                if (answersToLose.getAndUpdate(n -> Math.max(0, n - 1)) == 0) {
                  super.onMessage(message);
                }
              }
            }, headers);
          }
        };
      }
    };
    return address -> ManagedChannelBuilder.forAddress(address.host(), address.port())
        .usePlaintext().intercept(interceptor).build();
  }

  private static List<RecordBatch> batches(String topic) {
    var response = ConsumerServiceGrpc.newBlockingStub(broker.channel())
        .fetch(FetchRequest.newBuilder().setTopic(topic).setPartition(0).setOffset(0).setMaxWaitMs(0).build());
    List<RecordBatch> batches = new ArrayList<>();
    MemoryRecords.readableRecords(ByteBuffer.wrap(response.getRecords().toByteArray())).batches()
        .forEach(batches::add);
    return batches;
  }

  @Test
  void aBatchWhoseAnswerWasLostIsStoredOnceAndEveryBatchCarriesTheProducerId() throws Exception {
    try (Admin admin = Admin.create(broker.bootstrap())) {
      admin.createTopic("lost-answers", 1, 1, Map.of());
    }
    AtomicInteger answersToLose = new AtomicInteger();
    try (Producer<String, String> producer = new Producer<>(
        Map.of("bootstrap.servers", broker.bootstrap(), "request.timeout.ms", "1000", "retry.backoff.ms", "10"),
        new StringSerializer(), new StringSerializer(), losingAnswers(answersToLose))) {
      assertEquals(0, producer.send(new ProducerRecord<>("lost-answers", 0, null, "first"))
          .toCompletableFuture().get(10, TimeUnit.SECONDS).offset());
      answersToLose.set(1);
      // Stored, its answer lost: the request times out, the stream breaks, the batch is resent.
      assertEquals(1, producer.send(new ProducerRecord<>("lost-answers", 0, null, "second"))
          .toCompletableFuture().get(10, TimeUnit.SECONDS).offset());
      assertEquals(2, producer.send(new ProducerRecord<>("lost-answers", 0, null, "third"))
          .toCompletableFuture().get(10, TimeUnit.SECONDS).offset());
    }
    assertEquals(0, answersToLose.get(), "an answer was lost");

    List<RecordBatch> batches = batches("lost-answers");
    List<String> values = new ArrayList<>();
    for (RecordBatch batch : batches) {
      for (Record record : batch) {
        values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
      }
    }
    assertEquals(List.of("first", "second", "third"), values);
    long producerId = batches.get(0).producerId();
    assertNotEquals(RecordBatch.NO_PRODUCER_ID, producerId);
    for (int i = 0; i < batches.size(); i++) {
      assertEquals(producerId, batches.get(i).producerId());
      assertEquals(i, batches.get(i).baseSequence());
    }
  }

  @Test
  void twoProducersGetDistinctProducerIds() throws Exception {
    try (Admin admin = Admin.create(broker.bootstrap())) {
      admin.createTopic("two-producers", 1, 1, Map.of());
    }
    for (int i = 0; i < 2; i++) {
      try (Producer<String, String> producer = new Producer<>(Map.of("bootstrap.servers", broker.bootstrap()),
          new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("two-producers", 0, null, "v" + i)).toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
      }
    }
    List<RecordBatch> batches = batches("two-producers");
    assertEquals(2, batches.size());
    assertTrue(batches.get(0).hasProducerId());
    assertNotEquals(batches.get(0).producerId(), batches.get(1).producerId());
    assertEquals(0, batches.get(1).baseSequence(), "each producer id starts its own sequences");
  }
}
