package io.skein.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.proto.v1.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The producer's idempotence (enable.idempotence) against a fake broker that checks sequences as a leader does. */
class IdempotentProducerTest {

  private FakeBroker broker;
  private final List<Producer<String, String>> producers = new ArrayList<>();

  @BeforeEach
  void startBroker() throws Exception {
    broker = new FakeBroker();
    broker.createTopic("t", 3);
  }

  @AfterEach
  void stop() {
    producers.forEach(p -> p.close(Duration.ZERO));
    broker.close();
  }

  private Producer<String, String> producer(Object... overrides) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", FakeBroker.bootstrap());
    for (int i = 0; i < overrides.length; i += 2) {
      config.put((String) overrides[i], overrides[i + 1]);
    }
    Producer<String, String> producer =
        new Producer<>(config, new StringSerializer(), new StringSerializer(), broker.channelFactory());
    producers.add(producer);
    return producer;
  }

  private static RecordMetadata await(CompletionStage<RecordMetadata> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static SkeinException failure(CompletionStage<RecordMetadata> stage) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10, TimeUnit.SECONDS));
    return assertInstanceOf(SkeinException.class, e.getCause());
  }

  private List<String> values(int partition) {
    List<String> values = new ArrayList<>();
    for (Record record : broker.records("t", partition)) {
      values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
    }
    return values;
  }

  @Test
  void theDefaultProducerNumbersItsBatchesPerPartition() throws Exception {
    Producer<String, String> producer = producer("linger.ms", 0);
    for (int i = 0; i < 3; i++) {
      await(producer.send(new ProducerRecord<>("t", 0, null, "a" + i)));
      await(producer.send(new ProducerRecord<>("t", 1, null, "b" + i)));
    }

    assertEquals(1, broker.producerIdsGiven.get(), "one producer id, asked for once");
    for (int partition : new int[] {0, 1}) {
      List<RecordBatch> batches = broker.batches("t", partition);
      int nextSequence = 0;
      for (RecordBatch batch : batches) {
        assertEquals(1000, batch.producerId());
        assertEquals(0, batch.producerEpoch());
        assertEquals(nextSequence, batch.baseSequence(), "partition " + partition);
        nextSequence = batch.lastSequence() + 1;
      }
      assertEquals(3, nextSequence);
    }
  }

  @Test
  void aBatchStoredButWhoseAnswerWasLostIsStoredOnce() throws Exception {
    Producer<String, String> producer = producer("retry.backoff.ms", 10);
    await(producer.send(new ProducerRecord<>("t", 0, null, "first")));
    broker.answersToLose.set(1);

    RecordMetadata second = await(producer.send(new ProducerRecord<>("t", 0, null, "second")));

    assertEquals(1, second.offset(), "the retry is answered with the offset of the first append");
    assertEquals(List.of("first", "second"), values(0));
    assertEquals(2, broker.produceStreamsOpened.get(), "the answer was lost with its stream");
  }

  @Test
  void orderIsKeptWithFiveBatchesInFlightUnderRetries() throws Exception {
    // batch.size 1: every record is a batch of its own, so up to five are in flight.
    Producer<String, String> producer = producer("linger.ms", 0, "batch.size", 1, "retry.backoff.ms", 1);
    await(producer.send(new ProducerRecord<>("t", 0, null, "v0")));
    broker.produceErrors.add(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    broker.answersToLose.set(1);
    broker.produceErrors.add(ErrorCode.REQUEST_TIMED_OUT);

    List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
    for (int i = 1; i < 200; i++) {
      sent.add(producer.send(new ProducerRecord<>("t", 0, null, "v" + i)).toCompletableFuture());
    }
    producer.flush();

    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      expected.add("v" + i);
    }
    assertEquals(expected, values(0), "each record once, in the order sent");
    for (int i = 0; i < sent.size(); i++) {
      assertEquals(i + 1, sent.get(i).get(10, TimeUnit.SECONDS).offset());
    }
    int stored = broker.batches("t", 0).size();
    assertTrue(broker.produceRequests.size() >= stored + 3,
        "each of the three injected failures is resent: " + broker.produceRequests.size() + " requests for "
            + stored + " batches");
  }

  @Test
  void aSequenceGapAtTheLeaderStartsOverUnderANewProducerIdAndResendsTheRefusedBatch() throws Exception {
    Producer<String, String> producer = producer("retry.backoff.ms", 10);
    await(producer.send(new ProducerRecord<>("t", 0, null, "v0")));
    // The leader refuses the batch right after the last acknowledged one: it lost sequences.
    broker.produceErrors.add(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);

    assertEquals(1, await(producer.send(new ProducerRecord<>("t", 0, null, "v1"))).offset());

    assertEquals(List.of("v0", "v1"), values(0));
    RecordBatch resent = broker.batches("t", 0).get(1);
    assertEquals(1001, resent.producerId(), "written again under a new producer id");
    assertEquals(0, resent.baseSequence());
  }

  @Test
  void aFailedBatchDoesNotBlockTheNextOnes() throws Exception {
    Producer<String, String> producer = producer("retry.backoff.ms", 10);
    await(producer.send(new ProducerRecord<>("t", 0, null, "v0")));
    broker.produceErrors.add(ErrorCode.INVALID_PRODUCER_EPOCH);
    assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH,
        failure(producer.send(new ProducerRecord<>("t", 0, null, "v1"))).errorCode());
    broker.produceErrors.add(ErrorCode.CORRUPT_MESSAGE);
    assertEquals(ErrorCode.CORRUPT_MESSAGE,
        failure(producer.send(new ProducerRecord<>("t", 0, null, "v2"))).errorCode());

    // Each failure left a sequence the leader will never see: the next batches go under a new id.
    assertEquals(1, await(producer.send(new ProducerRecord<>("t", 0, null, "v3"))).offset());

    assertEquals(List.of("v0", "v3"), values(0));
    assertEquals(3, broker.producerIdsGiven.get());
    assertEquals(0, broker.batches("t", 0).get(1).baseSequence());
  }

  @Test
  void aProducerIdRefusedForGoodFailsTheRecordsSayingHowToSendWithoutOne() {
    broker.producerIdError = ErrorCode.INVALID_REQUEST;
    Producer<String, String> producer = producer();

    SkeinException error = failure(producer.send(new ProducerRecord<>("t", 0, null, "v")));

    assertEquals(ErrorCode.INVALID_REQUEST, error.errorCode());
    assertTrue(error.getMessage().contains("enable.idempotence=false"), error.getMessage());
    assertTrue(broker.produceRequests.isEmpty(), "nothing is sent without the producer id");
  }

  @Test
  void acksOtherThanAllTurnsIdempotenceOffUnlessItIsAskedFor() throws Exception {
    Producer<String, String> producer = producer("acks", "1");
    await(producer.send(new ProducerRecord<>("t", 0, null, "v")));

    assertFalse(broker.batches("t", 0).get(0).hasProducerId());
    assertEquals(0, broker.producerIdsGiven.get());
  }

  @Test
  void idempotenceCanBeTurnedOff() throws Exception {
    Producer<String, String> producer = producer("enable.idempotence", "false");
    await(producer.send(new ProducerRecord<>("t", 0, null, "v")));

    assertFalse(broker.batches("t", 0).get(0).hasProducerId());
    assertEquals(0, broker.producerIdsGiven.get());
  }

  @Test
  void configsThatRuleIdempotenceOutAreErrorsWhenItIsAskedFor() {
    var acks = assertThrows(IllegalArgumentException.class, () -> producer("enable.idempotence", true, "acks", "1"));
    assertTrue(acks.getMessage().contains("Must set acks to all"), acks.getMessage());
    var retries = assertThrows(IllegalArgumentException.class,
        () -> producer("enable.idempotence", "true", "retries", 0));
    assertTrue(retries.getMessage().contains("retries"), retries.getMessage());
    var inFlight = assertThrows(IllegalArgumentException.class,
        () -> producer("enable.idempotence", "true", "max.in.flight.requests.per.connection", 6));
    assertTrue(inFlight.getMessage().contains("max.in.flight.requests.per.connection to at most 5"),
        inFlight.getMessage());
    var notBoolean = assertThrows(IllegalArgumentException.class, () -> producer("enable.idempotence", "yes"));
    assertTrue(notBoolean.getMessage().contains("enable.idempotence"), notBoolean.getMessage());
  }

  @Test
  void moreThanFiveInFlightWithoutAskingForIdempotenceSendsWithoutIt() throws Exception {
    Producer<String, String> producer = producer("max.in.flight.requests.per.connection", 10);
    await(producer.send(new ProducerRecord<>("t", 0, null, "v")));

    assertFalse(broker.batches("t", 0).get(0).hasProducerId());
  }
}
