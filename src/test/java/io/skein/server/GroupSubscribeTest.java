package io.skein.server;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.Credit;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.GroupSubscribeCommit;
import io.skein.proto.v1.GroupSubscribeRequest;
import io.skein.proto.v1.GroupSubscribeResponse;
import io.skein.proto.v1.GroupSubscribeStart;
import io.skein.proto.v1.PartitionOffset;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.proto.v1.Record;
import io.skein.proto.v1.RevocationDone;
import io.skein.proto.v1.TopicPartitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GroupSubscribe members: the broker runs their sessions, streams their partitions within credit, moves them. */
class GroupSubscribeTest {

  static final String TOPIC = "group-subscribe";
  static final int PARTITIONS = 4;

  static TestBroker broker;
  static ProducerServiceGrpc.ProducerServiceBlockingStub producer;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
    producer = ProducerServiceGrpc.newBlockingStub(broker.channel());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  static void create(String topic, int partitions) {
    AdminServiceGrpc.newBlockingStub(broker.channel()).createTopic(CreateTopicRequest.newBuilder().setName(topic)
        .setPartitions(partitions).setReplicationFactor(1).build());
  }

  /** Produces {@code count} records to every partition, values "p:n" from {@code first}. */
  static void produce(String topic, int partitions, int first, int count) {
    for (int p = 0; p < partitions; p++) {
      ProduceRequest.Builder request = ProduceRequest.newBuilder().setTopic(topic).setPartition(p).setAcks(-1);
      for (int n = first; n < first + count; n++) {
        request.addPlainRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8(p + ":" + n)));
      }
      producer.produce(request.build());
    }
  }

  /** A member: what it received, what it owns, and where it is in each partition. */
  static final class Member implements StreamObserver<GroupSubscribeResponse> {
    final List<String> values = Collections.synchronizedList(new ArrayList<>());
    final Set<Integer> owned = ConcurrentHashMap.newKeySet();
    final Map<Integer, Long> next = new ConcurrentHashMap<>();
    final List<GroupSubscribeResponse> commits = Collections.synchronizedList(new ArrayList<>());
    /** Records that came for a partition the member did not own at the time. */
    final List<String> strays = Collections.synchronizedList(new ArrayList<>());
    volatile int revocations;
    volatile boolean joined;
    final StreamObserver<GroupSubscribeRequest> requests;

    Member(String group, String topic, long credit) {
      requests = GroupServiceGrpc.newStub(broker.channel()).groupSubscribe(this);
      requests.onNext(GroupSubscribeRequest.newBuilder().setStart(GroupSubscribeStart.newBuilder()
          .setGroupId(group).addTopics(topic).setSessionTimeoutMs(10_000)
          .setGrant(Credit.newBuilder().setRecords(credit))).build());
    }

    /** Commits where it is in the given partitions, then (for a revocation) says it is done. */
    synchronized void commit(long correlationId, List<Integer> partitions, String topic) {
      GroupSubscribeCommit.Builder commit = GroupSubscribeCommit.newBuilder();
      for (int p : partitions) {
        if (next.containsKey(p)) {
          commit.addOffsets(PartitionOffset.newBuilder().setTopic(topic).setPartition(p).setOffset(next.get(p)));
        }
      }
      requests.onNext(GroupSubscribeRequest.newBuilder().setCorrelationId(correlationId).setCommit(commit).build());
    }

    @Override
    public synchronized void onNext(GroupSubscribeResponse response) {
      switch (response.getKindCase()) {
        case JOINED -> joined = true;
        case ASSIGNMENT -> {
          owned.clear();
          response.getAssignment().getPartitionsList().forEach(t -> owned.addAll(t.getPartitionsList()));
        }
        case REVOCATION -> {
          List<Integer> revoked = new ArrayList<>();
          response.getRevocation().getPartitionsList().forEach(t -> revoked.addAll(t.getPartitionsList()));
          owned.removeAll(revoked);
          commit(1000 + revocations, revoked, response.getRevocation().getPartitions(0).getTopic());
          requests.onNext(GroupSubscribeRequest.newBuilder().setRevocationDone(RevocationDone.getDefaultInstance())
              .build());
          revocations++;
        }
        case RECORDS -> {
          if (!owned.contains(response.getRecords().getPartition())) {
            strays.add(response.getRecords().getPartition() + " not in " + owned);
          }
          for (Record record : response.getRecords().getRecordsList()) {
            values.add(record.getValue().toStringUtf8());
            next.put(response.getRecords().getPartition(), record.getOffset() + 1);
          }
        }
        case COMMITTED, ERROR -> commits.add(response);
        default -> { }
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    void leave() {
      requests.onCompleted();
    }
  }

  static Set<String> expected(int partitions, int first, int count) {
    Set<String> values = new HashSet<>();
    for (int p = 0; p < partitions; p++) {
      for (int n = first; n < first + count; n++) {
        values.add(p + ":" + n);
      }
    }
    return values;
  }

  @Test
  void twoMembersShareThePartitionsCommitAndHandOverWithoutLosingOrRepeatingRecords() {
    create(TOPIC, PARTITIONS);
    produce(TOPIC, PARTITIONS, 0, 5);
    Member first = new Member("gs-group", TOPIC, 1_000);
    assertEventually("the first member reads every partition", Duration.ofSeconds(30),
        () -> first.values.size() == PARTITIONS * 5);
    assertEquals(expected(PARTITIONS, 0, 5), new HashSet<>(first.values));
    first.commit(1, List.of(0, 1, 2, 3), TOPIC);

    Member second = new Member("gs-group", TOPIC, 1_000);
    assertEventually("the partitions are shared", Duration.ofSeconds(60),
        () -> first.owned.size() == 2 && second.owned.size() == 2 && first.revocations == 1);
    assertTrue(second.values.isEmpty(), "the second member starts where the first committed: " + second.values);

    produce(TOPIC, PARTITIONS, 5, 5);
    assertEventually("each reads its own partitions' new records", Duration.ofSeconds(30),
        () -> first.values.size() + second.values.size() == PARTITIONS * 10);
    Set<String> all = new HashSet<>(first.values);
    all.addAll(second.values);
    assertEquals(expected(PARTITIONS, 0, 10), all, "none lost");
    assertEquals(PARTITIONS * 10, first.values.size() + second.values.size(), "none read twice");
    first.commit(2, List.copyOf(first.owned), TOPIC);
    assertEventually("the commit is answered", Duration.ofSeconds(30),
        () -> first.commits.stream().anyMatch(c -> c.getCorrelationId() == 2));
    first.commits.stream().filter(c -> c.getCorrelationId() == 2).forEach(c -> {
      assertTrue(c.hasCommitted(), c.toString());
      c.getCommitted().getResultsList().forEach(r -> assertEquals(ErrorCode.NONE, r.getError().getCode()));
    });

    first.leave();
    assertEventually("the second member takes every partition over", Duration.ofSeconds(60),
        () -> second.owned.size() == PARTITIONS);
    produce(TOPIC, PARTITIONS, 10, 2);
    assertEventually("it reads them from the first member's commits", Duration.ofSeconds(30),
        () -> second.values.size() >= PARTITIONS * 2 + (PARTITIONS * 10 - first.values.size()));
    Set<String> afterLeave = new HashSet<>(second.values);
    assertTrue(afterLeave.containsAll(expected(PARTITIONS, 10, 2)), second.values.toString());
    assertEquals(second.values.size(), afterLeave.size(), "nothing twice: " + second.values);
    assertEquals(List.of(), first.strays, "records only of owned partitions");
    assertEquals(List.of(), second.strays, "records only of owned partitions");
    second.leave();
  }

  @Test
  void aMemberGetsNoMoreRecordsThanItsCredit() {
    create("group-credit", 2);
    produce("group-credit", 2, 0, 10);
    Member member = new Member("gs-credit", "group-credit", 3);
    assertEventually("the credit's records arrive", Duration.ofSeconds(30), () -> member.values.size() == 3);
    member.requests.onNext(GroupSubscribeRequest.newBuilder().setGrant(Credit.newBuilder().setRecords(4)).build());
    assertEventually("the next grant's records arrive", Duration.ofSeconds(30), () -> member.values.size() == 7);
    member.commit(5, List.of(0, 1), "group-credit");
    assertEventually("the commit is answered", Duration.ofSeconds(30), () -> !member.commits.isEmpty());
    assertEquals(7, member.values.size(), "no record beyond the credit: " + member.values);
    member.leave();
  }
}
