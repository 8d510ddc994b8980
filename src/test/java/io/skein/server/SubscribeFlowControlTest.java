package io.skein.server;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.ConsumerServiceGrpc;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.OffsetSpec;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.proto.v1.SubscribeRequest;
import io.skein.proto.v1.SubscribeResponse;
import io.skein.server.grpc.SubscribeStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;

/** A Subscribe stream to a client that stops reading holds the broker to a bounded amount of data. */
class SubscribeFlowControlTest {

  static final int BATCHES = 48;
  static final int VALUE_SIZE = 1_000_000;

  @Test
  void aSlowSubscriberDoesNotMakeTheBrokerBufferWithoutBound() throws Exception {
    try (TestBroker broker = TestBroker.start(Map.of())) {
      AdminServiceGrpc.newBlockingStub(broker.channel()).createTopic(CreateTopicRequest.newBuilder()
          .setName("firehose").setPartitions(1).setReplicationFactor(1).build());
      var producer = ProducerServiceGrpc.newBlockingStub(broker.channel());
      for (int i = 0; i < BATCHES; i++) {
        producer.produce(ProduceRequest.newBuilder().setTopic("firehose").setAcks(1)
            .setRecords(Batches.withValueSize(VALUE_SIZE)).build());
      }
      long produced = (long) BATCHES * VALUE_SIZE;

      AtomicLong received = new AtomicLong();
      AtomicLong recordsReceived = new AtomicLong();
      AtomicReference<ClientCallStreamObserver<SubscribeRequest>> call = new AtomicReference<>();
      ConsumerServiceGrpc.newStub(broker.channel()).subscribe(
          SubscribeRequest.newBuilder().setTopic("firehose").setStart(OffsetSpec.EARLIEST).setMaxBytes(1 << 20).build(),
          new ClientResponseObserver<SubscribeRequest, SubscribeResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
              // The application takes one message and then stops reading.
              requestStream.disableAutoRequestWithInitial(1);
              call.set(requestStream);
            }

            @Override
            public void onNext(SubscribeResponse response) {
              received.incrementAndGet();
              MemoryRecords.readableRecords(response.getRecords().asReadOnlyByteBuffer()).records()
                  .forEach(r -> recordsReceived.incrementAndGet());
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });

      // The broker stops reading the log once the transport is full, and waits for the client.
      assertEventually("the subscription waits for its client", Duration.ofSeconds(30),
          () -> broker.node().grpc().subscriptions().stream().anyMatch(s -> s.waitingForClient() && !s.readInFlight()));
      List<SubscribeStream.Snapshot> stalled = broker.node().grpc().subscriptions();
      long sentWhileStalled = stalled.get(0).bytesSent();
      assertTrue(received.get() <= 1, "the client asked for one message");
      assertTrue(sentWhileStalled <= 8L * VALUE_SIZE,
          "the broker handed " + sentWhileStalled + " bytes to a client that read one message of " + produced);

      // Once the client reads again, the stream resumes where it stopped and nothing is lost.
      call.get().request(Integer.MAX_VALUE);
      assertEventually("every record arrives", Duration.ofSeconds(60), () -> recordsReceived.get() == BATCHES);
      call.get().cancel("done", null);
    }
  }
}
