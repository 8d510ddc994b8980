package io.skein.groups;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.client.Admin;
import io.skein.client.CommitFailedException;
import io.skein.client.Consumer;
import io.skein.client.ConsumerRebalanceListener;
import io.skein.client.ConsumerRecord;
import io.skein.client.OffsetAndMetadata;
import io.skein.client.Producer;
import io.skein.client.ProducerRecord;
import io.skein.client.RecordMetadata;
import io.skein.client.SkeinException;
import io.skein.client.TopicPartition;
import io.skein.proto.v1.ErrorCode;
import io.skein.server.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java client's consumer groups end to end against an in-process broker, with short timeouts. */
class GroupConsumerEndToEndTest {

  static final Map<String, Object> FAST_GROUPS = Map.of(
      "skein.group.min-session-timeout", "200ms",
      "skein.group.check-interval", "100ms",
      "skein.group.metadata-refresh", "300ms");
  static final int SESSION_MS = 1500;

  static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(FAST_GROUPS);
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  static Map<String, Object> groupConfig(TestBroker broker, String group) {
    Map<String, Object> config = new HashMap<>();
    config.put("bootstrap.servers", broker.bootstrap());
    config.put("group.id", group);
    config.put("client.id", group + "-client");
    config.put("auto.offset.reset", "earliest");
    config.put("enable.auto.commit", "false");
    config.put("session.timeout.ms", SESSION_MS);
    config.put("heartbeat.interval.ms", 300);
    config.put("fetch.max.wait.ms", 100);
    return config;
  }

  static void createTopic(TestBroker broker, String topic, int partitions) {
    try (Admin admin = Admin.create(broker.bootstrap())) {
      admin.createTopic(topic, partitions, 1, Map.of());
    }
  }

  /** Sends {@code count} records keyed key-i (round robin over partitions); returns where each landed. */
  static List<RecordMetadata> produce(TestBroker broker, String topic, int from, int count, int partitions) {
    List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
    try (Producer<String, String> producer = new Producer<>(Map.of("bootstrap.servers", broker.bootstrap()),
        new StringSerializer(), new StringSerializer())) {
      for (int i = from; i < from + count; i++) {
        sends.add(producer.send(new ProducerRecord<>(topic, i % partitions, null, "key-" + i, "v" + i, List.of()))
            .toCompletableFuture());
      }
      producer.flush();
    }
    return sends.stream().map(CompletableFuture::join).toList();
  }

  static Set<TopicPartition> union(Collection<GroupWorker> workers) {
    Set<TopicPartition> all = new HashSet<>();
    workers.forEach(w -> all.addAll(w.owned));
    return all;
  }

  static void assertNoFailure(Collection<GroupWorker> workers) {
    for (GroupWorker worker : workers) {
      assertNull(worker.failure(), () -> worker.name + " failed: " + worker.failure());
    }
  }

  @Test
  void aCrashedMembersPartitionsMoveWithinTheSessionTimeoutAndNoRecordIsSkipped() throws Exception {
    createTopic(broker, "crash-orders", 6);
    List<GroupWorker> workers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        workers.add(new GroupWorker("crash-" + i, groupConfig(broker, "crashers"), "crash-orders"));
      }
      assertEventually("two partitions each", Duration.ofSeconds(20),
          () -> workers.stream().allMatch(w -> w.owned.size() == 2) && union(workers).size() == 6);
      List<RecordMetadata> produced = new ArrayList<>(produce(broker, "crash-orders", 0, 600, 6));
      GroupWorker crashed = workers.get(0);
      assertEventually("the first records processed", Duration.ofSeconds(20), () -> crashed.processed.size() > 50);

      crashed.crash();
      List<GroupWorker> survivors = workers.subList(1, 3);
      long crashedAt = System.nanoTime();
      assertEventually("the crashed member's partitions move to the others", Duration.ofMillis(SESSION_MS * 3L),
          () -> survivors.stream().allMatch(w -> w.owned.size() == 3) && union(survivors).size() == 6);
      long movedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);
      assertTrue(movedAfterMs < SESSION_MS + 1000, "moved after " + movedAfterMs + " ms");
      produced.addAll(produce(broker, "crash-orders", 600, 600, 6));

      Set<String> expected = produced.stream().map(m -> m.partition() + "@" + m.offset()).collect(Collectors.toSet());
      assertEventually("every record processed at least once", Duration.ofSeconds(30), () -> {
        Set<String> seen = new HashSet<>();
        workers.forEach(w -> w.processed.forEach(p -> seen.add(p.partition().partition() + "@" + p.offset())));
        return seen.containsAll(expected);
      });
      Set<String> keys = new HashSet<>();
      workers.forEach(w -> w.processed.forEach(p -> keys.add(p.key())));
      assertEquals(1200, keys.size(), "every key processed");
      assertNoFailure(survivors);
    } finally {
      for (GroupWorker worker : workers) {
        worker.close();
      }
    }
  }

  @Test
  void whileAFourthMemberJoinsTheOthersKeepConsumingTheirRetainedPartitions() throws Exception {
    createTopic(broker, "coop", 6);
    CountDownLatch revocationStarted = new CountDownLatch(1);
    CountDownLatch releaseRevocation = new CountDownLatch(1);
    // Revocations while the first three members form the group are not the ones under test.
    java.util.concurrent.atomic.AtomicBoolean holdRevocations = new java.util.concurrent.atomic.AtomicBoolean();
    ConsumerRebalanceListener holdRevocation = new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (!holdRevocations.get()) {
          return;
        }
        revocationStarted.countDown();
        try {
          releaseRevocation.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
    };
    List<GroupWorker> workers = new ArrayList<>();
    CompletableFuture<Void> producing = new CompletableFuture<>();
    Thread producer = new Thread(() -> keepProducing("coop", 6, producing));
    try {
      for (int i = 0; i < 3; i++) {
        workers.add(new GroupWorker("coop-" + i, groupConfig(broker, "cooperative"), "coop", holdRevocation));
      }
      assertEventually("two partitions each", Duration.ofSeconds(20),
          () -> workers.stream().allMatch(w -> w.owned.size() == 2) && union(workers).size() == 6);
      producer.start();
      List<Set<TopicPartition>> before = workers.stream().map(w -> Set.copyOf(w.owned)).toList();
      workers.forEach(w -> w.revocations.clear());
      holdRevocations.set(true);

      GroupWorker fourth = new GroupWorker("coop-3", groupConfig(broker, "cooperative"), "coop");
      workers.add(fourth);
      assertTrue(revocationStarted.await(20, TimeUnit.SECONDS), "one member is asked to give a partition up");
      // While that member holds its revocation, the others go on reading all their partitions,
      // and the moving partition is not given to the newcomer yet.
      List<GroupWorker> others = workers.subList(0, 3).stream().filter(w -> w.revocations.isEmpty()).toList();
      assertEquals(2, others.size());
      for (GroupWorker other : others) {
        Map<TopicPartition, Long> counts = new HashMap<>();
        other.owned.forEach(p -> counts.put(p, other.count(p)));
        assertEquals(2, counts.size());
        assertEventually(other.name + " keeps receiving from each of its partitions", Duration.ofSeconds(10),
            () -> counts.entrySet().stream().allMatch(e -> other.count(e.getKey()) > e.getValue() + 10));
      }
      assertTrue(fourth.owned.isEmpty(), "the newcomer got a partition still owned by another: " + fourth.owned);
      releaseRevocation.countDown();

      assertEventually("6 partitions over 4 members", Duration.ofSeconds(20),
          () -> fourth.owned.size() == 1 && union(workers).size() == 6
              && workers.stream().allMatch(w -> w.owned.size() == 1 || w.owned.size() == 2));
      TopicPartition moved = fourth.owned.iterator().next();
      long countAtMove = fourth.count(moved);
      assertEventually("the newcomer reads the moved partition", Duration.ofSeconds(10),
          () -> fourth.count(moved) > countAtMove + 10);
      int revoked = 0;
      for (int i = 0; i < 3; i++) {
        GroupWorker worker = workers.get(i);
        for (Collection<TopicPartition> revocation : worker.revocations) {
          for (TopicPartition partition : revocation) {
            assertTrue(!worker.owned.contains(partition), worker.name + " was asked to revoke retained " + partition);
            assertTrue(before.get(i).contains(partition));
            revoked++;
          }
        }
        assertTrue(worker.losses.isEmpty(), worker.name + " lost " + worker.losses);
      }
      assertEquals(1, revoked, "exactly one partition moves");
      assertNoFailure(workers);
    } finally {
      releaseRevocation.countDown();
      producing.complete(null);
      producer.join();
      for (GroupWorker worker : workers) {
        worker.close();
      }
    }
  }

  @Test
  void twoGroupsOnOneTopicEachReadEveryRecord() throws Exception {
    createTopic(broker, "shared", 3);
    Set<String> expected = produce(broker, "shared", 0, 300, 3).stream()
        .map(m -> m.partition() + "@" + m.offset()).collect(Collectors.toSet());
    try (GroupWorker first = new GroupWorker("first", groupConfig(broker, "readers-a"), "shared");
        GroupWorker second = new GroupWorker("second", groupConfig(broker, "readers-b"), "shared")) {
      for (GroupWorker worker : List.of(first, second)) {
        assertEventually(worker.name + " reads every record", Duration.ofSeconds(20), () -> worker.processed.stream()
            .map(p -> p.partition().partition() + "@" + p.offset()).collect(Collectors.toSet()).equals(expected));
        assertEquals(300, worker.processed.size(), "nothing read twice without a rebalance");
      }
    }
  }

  @Test
  void committedOffsetsSurviveABrokerRestartAndANewConsumerResumesThere() throws Exception {
    try (TestBroker own = TestBroker.start(FAST_GROUPS)) {
      createTopic(own, "durable", 1);
      produce(own, "durable", 0, 100, 1);
      TopicPartition partition = new TopicPartition("durable", 0);
      try (Consumer<String, String> consumer = consumer(own, "resumers")) {
        consumer.subscribe(List.of("durable"));
        assertEquals(0, pollUntil(consumer, 1).get(0).offset());
        consumer.commitSync(Map.of(partition, new OffsetAndMetadata(40, "checkpoint")));
      }
      own.restart();
      try (Consumer<String, String> consumer = consumer(own, "resumers")) {
        assertEquals(Map.of(partition, new OffsetAndMetadata(40, "checkpoint")), consumer.committed(Set.of(partition)));
        consumer.subscribe(List.of("durable"));
        List<ConsumerRecord<String, String>> resumed = pollUntil(consumer, 60);
        assertEquals(40, resumed.get(0).offset(), "resumes at the committed offset");
        assertEquals("v40", resumed.get(0).value());
      }
    }
  }

  @Test
  void aConsumerThatStopsPollingLeavesItsCommitFailsClearlyAndItRejoins() throws Exception {
    createTopic(broker, "slow", 2);
    produce(broker, "slow", 0, 20, 2);
    Map<String, Object> config = groupConfig(broker, "slowpokes");
    config.put("max.poll.interval.ms", 1000);
    List<Collection<TopicPartition>> lost = new ArrayList<>();
    Set<TopicPartition> owned = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    try (Consumer<String, String> slow = consumer(config);
        GroupWorker other = new GroupWorker("other", groupConfig(broker, "slowpokes"), "slow")) {
      slow.subscribe(List.of("slow"), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          owned.removeAll(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          owned.addAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
          lost.add(List.copyOf(partitions));
          owned.removeAll(partitions);
        }
      });
      pollUntil(slow, 1);
      Set<TopicPartition> held = Set.copyOf(owned);
      assertTrue(!held.isEmpty());
      // No poll for longer than max.poll.interval.ms: the consumer leaves, the other takes over.
      assertEventually("the other member owns both partitions", Duration.ofSeconds(10), () -> other.owned.size() == 2);

      TopicPartition partition = held.iterator().next();
      CommitFailedException refused = assertThrows(CommitFailedException.class,
          () -> slow.commitSync(Map.of(partition, new OffsetAndMetadata(5))));
      assertTrue(refused.getMessage().contains("no longer a member of group slowpokes"), refused.getMessage());

      slow.poll(Duration.ofMillis(10));
      assertEquals(List.of(held), lost.stream().map(Set::copyOf).toList(), "its partitions are lost, in the next poll");
      long deadline = System.currentTimeMillis() + 20_000;
      while (owned.size() != 1 && System.currentTimeMillis() < deadline) {
        slow.poll(Duration.ofMillis(50));
      }
      assertEquals(1, owned.size(), "rejoined and got a partition back");
      assertNoFailure(List.of(other));
    }
  }

  @Test
  void groupMisuseGetsClearErrors() throws Exception {
    createTopic(broker, "misuse", 2);
    createTopic(broker, "misuse-other", 1);
    try (Consumer<String, String> noGroup = consumer(groupConfig(broker, ""))) {
      SkeinException empty = assertThrows(SkeinException.class, () -> noGroup.subscribe(List.of("misuse")));
      assertEquals(ErrorCode.INVALID_GROUP_ID, empty.errorCode());
      assertTrue(empty.getMessage().contains("group.id"), empty.getMessage());
    }
    try (Consumer<String, String> badGroup = consumer(groupConfig(broker, "bad\u0001group"))) {
      badGroup.subscribe(List.of("misuse"));
      SkeinException refused = assertThrows(SkeinException.class, () -> pollUntil(badGroup, 1));
      assertEquals(ErrorCode.INVALID_GROUP_ID, refused.errorCode(), refused.getMessage());
    }
    try (Admin admin = Admin.create(broker.bootstrap())) {
      SkeinException unknown = assertThrows(SkeinException.class, () -> admin.describeGroup("no-such-group"));
      assertEquals(ErrorCode.GROUP_ID_NOT_FOUND, unknown.errorCode());
      assertTrue(unknown.getMessage().contains("no-such-group"), unknown.getMessage());
    }
    produce(broker, "misuse", 0, 10, 2);
    try (Consumer<String, String> member = consumer(broker, "misusers")) {
      member.subscribe(List.of("misuse"));
      pollUntil(member, 1);
      SkeinException notMine = assertThrows(SkeinException.class,
          () -> member.commitSync(Map.of(new TopicPartition("misuse-other", 0), new OffsetAndMetadata(1))));
      assertEquals(ErrorCode.PARTITION_NOT_ASSIGNED, notMine.errorCode());
      assertTrue(notMine.getMessage().contains("misuse-other"), notMine.getMessage());
      assertThrows(IllegalStateException.class, () -> member.assign(List.of(new TopicPartition("misuse", 0))));
    }
  }

  static Consumer<String, String> consumer(TestBroker broker, String group) {
    return consumer(groupConfig(broker, group));
  }

  static Consumer<String, String> consumer(Map<String, Object> config) {
    return new Consumer<>(config, new StringDeserializer(), new StringDeserializer());
  }

  /** Polls until at least {@code count} records arrived, failing after a deadline. */
  static List<ConsumerRecord<String, String>> pollUntil(Consumer<String, String> consumer, int count) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 20_000;
    while (records.size() < count) {
      assertTrue(System.currentTimeMillis() < deadline, "only " + records.size() + " of " + count + " records in time");
      consumer.poll(Duration.ofMillis(100)).forEach(records::add);
    }
    return records;
  }

  /** Sends a record to every partition, over and over, until told to stop. */
  private static void keepProducing(String topic, int partitions, CompletableFuture<Void> stop) {
    try (Producer<String, String> producer = new Producer<>(Map.of("bootstrap.servers", broker.bootstrap(),
        "linger.ms", "5"), new StringSerializer(), new StringSerializer())) {
      for (int i = 0; !stop.isDone(); i++) {
        producer.send(new ProducerRecord<>(topic, i % partitions, null, "key-" + i, "v" + i, List.of()));
        if (i % 60 == 59) {
          producer.flush();
          try {
            stop.get(10, TimeUnit.MILLISECONDS); // paces the load, returning at once when stopped
          } catch (java.util.concurrent.TimeoutException notStopped) {
            // go on
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
  }
}
