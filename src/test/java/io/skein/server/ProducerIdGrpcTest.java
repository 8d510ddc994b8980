package io.skein.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.InitProducerIdRequest;
import io.skein.proto.v1.InitProducerIdResponse;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProduceResponse;
import io.skein.proto.v1.ProducerServiceGrpc;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** InitProducerId over gRPC, and the ids it gives used as an idempotent producer would. */
class ProducerIdGrpcTest {
  static TestBroker broker;
  static ProducerServiceGrpc.ProducerServiceBlockingStub producer;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
    producer = ProducerServiceGrpc.newBlockingStub(broker.channel());
    AdminServiceGrpc.newBlockingStub(broker.channel()).createTopic(
        CreateTopicRequest.newBuilder().setName("idempotent").setPartitions(1).setReplicationFactor(1).build());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  void eachCallGetsANewProducerIdAtEpochZero() {
    InitProducerIdResponse first = producer.initProducerId(InitProducerIdRequest.getDefaultInstance());
    InitProducerIdResponse second = producer.initProducerId(InitProducerIdRequest.getDefaultInstance());

    assertTrue(first.getProducerId() >= 0, "producer id " + first.getProducerId());
    assertNotEquals(first.getProducerId(), second.getProducerId());
    assertEquals(0, first.getProducerEpoch());
    assertEquals(0, second.getProducerEpoch());
  }

  @Test
  void aTransactionalIdIsRefused() {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> producer.initProducerId(InitProducerIdRequest.newBuilder().setTransactionalId("orders-tx").build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    assertEquals("INVALID_REQUEST", ApiErrors.errorInfo(refused).orElseThrow().getReason());
    assertTrue(refused.getStatus().getDescription().contains("transactional id 'orders-tx'"),
        refused.getStatus().getDescription());
  }

  @Test
  void aBatchSentAgainWithTheGivenIdIsStoredOnce() {
    long id = producer.initProducerId(InitProducerIdRequest.getDefaultInstance()).getProducerId();
    ProduceRequest request = ProduceRequest.newBuilder().setTopic("idempotent").setPartition(0).setAcks(-1)
        .setRecords(Batches.idempotent(id, (short) 0, 0, "a", "b")).build();

    ProduceResponse stored = producer.produce(request);
    ProduceResponse retried = producer.produce(request);
    ProduceResponse next = producer.produce(request.toBuilder()
        .setRecords(Batches.idempotent(id, (short) 0, 2, "c")).build());

    assertEquals(stored.getBaseOffset(), retried.getBaseOffset());
    assertEquals(stored.getLastOffset(), retried.getLastOffset());
    assertEquals(stored.getLastOffset() + 1, next.getBaseOffset());
  }
}
