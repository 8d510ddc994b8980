package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.skein.metrics.MetricsSetup;
import io.skein.server.TestBroker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/** A produce to a partition that does not exist is counted under its error name. */
class KafkaRequestMetricsTest {

  @Test
  void aProduceToAnUnknownTopicCountsItsPartitionsError() throws IOException {
    try (TestBroker broker = TestBroker.start(Map.of());
        KafkaTestClient client = new KafkaTestClient(new InetSocketAddress("127.0.0.1", broker.node().kafkaPort()))) {
      ProduceRequestData request = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
      ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("no-such-topic");
      topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(
          MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)))));
      request.topicData().add(topic);
      var header = KafkaTestClient.header(ApiKeys.PRODUCE, (short) 12, 1);
      client.write(KafkaTestClient.frame(request, header));
      ProduceResponseData response = (ProduceResponseData) client.receive(header).data();
      assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
          response.responses().iterator().next().partitionResponses().get(0).errorCode());

      MeterRegistry registry = MetricsSetup.metricsOf(broker.node().system()).registry();
      Counter errors = registry.find("skein.request.errors")
          .tags("listener", "kafka", "api", "Produce", "error", "UNKNOWN_TOPIC_OR_PARTITION").counter();
      assertNotNull(errors, "the error is counted under its name");
      assertEquals(1, errors.count());
      assertEquals(1, registry.get("skein.requests").tags("listener", "kafka", "api", "Produce").counter().count());
    }
  }
}
