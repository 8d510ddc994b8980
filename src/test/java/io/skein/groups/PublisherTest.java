package io.skein.groups;

import static io.skein.groups.GroupConsumerEndToEndTest.createTopic;
import static io.skein.groups.GroupConsumerEndToEndTest.groupConfig;
import static io.skein.groups.GroupConsumerEndToEndTest.produce;
import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.Admin;
import io.skein.client.ConsumerRecord;
import io.skein.client.OffsetAndMetadata;
import io.skein.client.SkeinStreams;
import io.skein.client.TopicPartition;
import io.skein.server.TestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** The Flow publisher honours demand and commits what it delivered. */
class PublisherTest {

  @Test
  void deliversAtMostWhatWasRequestedAndCommitsOnCancel() throws Exception {
    try (TestBroker broker = TestBroker.start(GroupConsumerEndToEndTest.FAST_GROUPS)) {
      createTopic(broker, "streamed", 2);
      produce(broker, "streamed", 0, 100, 2);
      Map<String, Object> config = groupConfig(broker, "streamers");
      config.put("enable.auto.commit", "true");
      config.put("max.poll.records", 7);
      Flow.Publisher<ConsumerRecord<String, String>> publisher =
          SkeinStreams.publisher(config, new StringDeserializer(), new StringDeserializer(), List.of("streamed"));

      ConcurrentLinkedQueue<ConsumerRecord<String, String>> received = new ConcurrentLinkedQueue<>();
      CompletableFuture<Flow.Subscription> subscribed = new CompletableFuture<>();
      CompletableFuture<Throwable> failed = new CompletableFuture<>();
      publisher.subscribe(new Flow.Subscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription subscription) {
          subscribed.complete(subscription);
        }

        @Override
        public void onNext(ConsumerRecord<String, String> record) {
          received.add(record);
        }

        @Override
        public void onError(Throwable throwable) {
          failed.complete(throwable);
        }

        @Override
        public void onComplete() {
          failed.complete(new AssertionError("completed"));
        }
      });
      Flow.Subscription subscription = subscribed.get(10, TimeUnit.SECONDS);
      assertTrue(received.isEmpty(), "nothing before a request");
      subscription.request(10);
      assertEventually("10 records", Duration.ofSeconds(20), () -> received.size() == 10);
      // Demand is exhausted: nothing more arrives while the records keep waiting in the topic.
      assertNull(failed.copy().completeOnTimeout(null, 500, TimeUnit.MILLISECONDS).get(), "no error");
      assertEquals(10, received.size(), "at most what was requested");
      subscription.request(90);
      assertEventually("all 100 records", Duration.ofSeconds(20), () -> received.size() == 100);
      subscription.cancel();

      try (Admin admin = Admin.create(broker.bootstrap())) {
        assertEventually("what was delivered is committed when cancelled", Duration.ofSeconds(10), () -> {
          Map<TopicPartition, OffsetAndMetadata> committed = admin.listGroupOffsets("streamers");
          return committed.size() == 2 && committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum() == 100;
        });
      }
      assertNull(failed.getNow(null));
    }
  }
}
