package io.skein.group;

import static io.skein.group.TestMember.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.skein.api.ApiErrors;
import io.skein.metadata.PartitionKey;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.CommitOffsetsRequest;
import io.skein.proto.v1.CommitOffsetsResponse;
import io.skein.proto.v1.CreateTopicRequest;
import io.skein.proto.v1.DeleteGroupRequest;
import io.skein.proto.v1.DeleteTopicRequest;
import io.skein.proto.v1.DescribeGroupRequest;
import io.skein.proto.v1.DescribeGroupResponse;
import io.skein.proto.v1.ErrorCode;
import io.skein.proto.v1.FetchOffsetsRequest;
import io.skein.proto.v1.GroupServiceGrpc;
import io.skein.proto.v1.GroupState;
import io.skein.proto.v1.ListGroupsRequest;
import io.skein.proto.v1.PartitionLag;
import io.skein.proto.v1.PartitionOffset;
import io.skein.proto.v1.ProduceRequest;
import io.skein.proto.v1.ProducerServiceGrpc;
import io.skein.proto.v1.ResetOffsetsRequest;
import io.skein.proto.v1.ResetOffsetsResponse;
import io.skein.server.Batches;
import io.skein.server.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Consumer groups end to end over gRPC on one in-process broker. */
class GroupGrpcTest {

  /** Short timeouts so that failures and rebalances happen within a test's patience. */
  static final Map<String, Object> FAST_GROUPS = Map.of(
      "skein.group.min-session-timeout", "200ms",
      "skein.group.check-interval", "100ms",
      "skein.group.metadata-refresh", "300ms");
  static final int SESSION_MS = 1500;

  static TestBroker broker;
  static GroupServiceGrpc.GroupServiceBlockingStub groups;
  static AdminServiceGrpc.AdminServiceBlockingStub admin;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(FAST_GROUPS);
    groups = GroupServiceGrpc.newBlockingStub(broker.channel());
    admin = AdminServiceGrpc.newBlockingStub(broker.channel());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  static void createTopic(AdminServiceGrpc.AdminServiceBlockingStub admin, String name, int partitions) {
    admin.createTopic(CreateTopicRequest.newBuilder().setName(name).setPartitions(partitions)
        .setReplicationFactor(1).build());
  }

  static List<TestMember> joinAll(String group, String topic, int count, String assignor) {
    List<TestMember> members = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      members.add(TestMember.join(broker.channel(), group, topic, SESSION_MS, assignor));
    }
    return members;
  }

  static void awaitSplit(List<TestMember> members, int partitions, int each) {
    await(() -> {
      Set<PartitionKey> union = new HashSet<>();
      int total = 0;
      for (TestMember m : members) {
        if (m.owned().size() < each || m.owned().size() > each + 1) {
          return false;
        }
        union.addAll(m.owned());
        total += m.owned().size();
      }
      return union.size() == partitions && total == partitions;
    }, "partitions split over " + members.size() + " members");
  }

  static DescribeGroupResponse describe(String group) {
    return groups.describeGroup(DescribeGroupRequest.newBuilder().setGroupId(group).build());
  }

  static StatusRuntimeException assertError(ErrorCode expected, Status.Code status, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(status, e.getStatus().getCode(), e.toString());
    assertEquals(expected, ApiErrors.errorCode(e), e.toString());
    return e;
  }

  static CommitOffsetsResponse commit(String group, String memberId, int generation, String topic, int partition,
      long offset) {
    return groups.commitOffsets(CommitOffsetsRequest.newBuilder().setGroupId(group).setMemberId(memberId)
        .setGeneration(generation).addOffsets(PartitionOffset.newBuilder().setTopic(topic).setPartition(partition)
            .setOffset(offset)).build());
  }

  @Test
  void threeMembersSplitSixPartitionsAndAClosedStreamHandsItsPartitionsToTheOthers() {
    createTopic(admin, "split", 6);
    List<TestMember> members = joinAll("splitters", "split", 3, "");
    try {
      awaitSplit(members, 6, 2);
      await(() -> describe("splitters").getState() == GroupState.STABLE, "stable");
      DescribeGroupResponse described = describe("splitters");
      assertEquals("cooperative-sticky", described.getAssignor());
      assertEquals(3, described.getMembersCount());
      assertTrue(described.getMembers(0).getHost().startsWith("127.0.0.1:"), described.getMembers(0).getHost());

      TestMember gone = members.get(0);
      Set<PartitionKey> freed = gone.owned();
      List<Integer> revocationsBefore = members.stream().map(m -> m.revocations().size()).toList();
      gone.closeStream();
      List<TestMember> rest = members.subList(1, 3);
      // Well within the session timeout: closing the stream is leaving.
      await(() -> rest.stream().allMatch(m -> m.owned().size() == 3), "the closed member's partitions move",
          Duration.ofMillis(SESSION_MS));
      Set<PartitionKey> union = new HashSet<>();
      rest.forEach(m -> union.addAll(m.owned()));
      assertTrue(union.containsAll(freed));
      // Nobody else lost anything: the survivors were not asked to give partitions up.
      for (int i = 1; i < 3; i++) {
        assertEquals(revocationsBefore.get(i), members.get(i).revocations().size(), members.get(i).revocations().toString());
      }
    } finally {
      members.forEach(TestMember::close);
    }
  }

  @Test
  void aSilentMemberTimesOutAndIsToldSo() {
    createTopic(admin, "silence", 4);
    List<TestMember> members = joinAll("quiet", "silence", 2, "");
    try {
      awaitSplit(members, 4, 2);
      members.get(0).silence();
      await(() -> members.get(1).owned().size() == 4, "the silent member's partitions move",
          Duration.ofMillis(SESSION_MS * 4L));
      await(() -> members.get(0).gotError(ErrorCode.UNKNOWN_MEMBER_ID) && members.get(0).ended(),
          "the silent member is told it is out");
    } finally {
      members.forEach(TestMember::close);
    }
  }

  @Test
  void aFourthMemberOnlyTakesWhatMovesAndTheOthersKeepConsuming() {
    createTopic(admin, "sticky", 6);
    List<TestMember> members = joinAll("sticky-group", "sticky", 3, "cooperative-sticky");
    try {
      awaitSplit(members, 6, 2);
      await(() -> describe("sticky-group").getState() == GroupState.STABLE, "stable");
      List<Set<PartitionKey>> before = members.stream().map(TestMember::owned).toList();
      List<Integer> revocationsBefore = members.stream().map(m -> m.revocations().size()).toList();

      TestMember fourth = TestMember.join(broker.channel(), "sticky-group", "sticky", SESSION_MS, "cooperative-sticky");
      members.add(fourth);
      awaitSplit(members, 6, 1);
      await(() -> describe("sticky-group").getState() == GroupState.STABLE, "stable again");

      int moved = 0;
      for (int i = 0; i < 3; i++) {
        TestMember m = members.get(i);
        Set<PartitionKey> now = m.owned();
        assertTrue(before.get(i).containsAll(now), "an existing member gained a partition");
        List<Set<PartitionKey>> newRevocations = m.revocations().subList(revocationsBefore.get(i), m.revocations().size());
        for (Set<PartitionKey> revoked : newRevocations) {
          for (PartitionKey p : revoked) {
            assertFalse(now.contains(p), "revoked a partition the member keeps: " + p);
            moved++;
          }
        }
      }
      assertEquals(1, moved, "6 partitions over 4 members: exactly one moves");
      assertEquals(1, fourth.owned().size());
    } finally {
      members.forEach(TestMember::close);
    }
  }

  @Test
  void commitsAreFencedByGenerationMemberAndOwnership() {
    createTopic(admin, "fenced", 2);
    TestMember first = TestMember.join(broker.channel(), "fence", "fenced", SESSION_MS, "");
    TestMember second = null;
    try {
      await(() -> first.owned().size() == 2, "first owns both");
      int oldGeneration = first.generation();
      String firstId = first.memberId();
      second = TestMember.join(broker.channel(), "fence", "fenced", SESSION_MS, "");
      TestMember s = second;
      await(() -> first.owned().size() == 1 && s.owned().size() == 1, "split");
      PartitionKey mine = first.owned().iterator().next();
      PartitionKey theirs = s.owned().iterator().next();

      // A zombie still on the old generation cannot commit over the live owner.
      StatusRuntimeException stale = assertError(ErrorCode.ILLEGAL_GENERATION, Status.Code.FAILED_PRECONDITION,
          () -> commit("fence", firstId, oldGeneration, "fenced", mine.partition(), 5));
      assertTrue(stale.getMessage().contains("generation"), stale.getMessage());
      assertError(ErrorCode.UNKNOWN_MEMBER_ID, Status.Code.FAILED_PRECONDITION,
          () -> commit("fence", "nobody", first.generation(), "fenced", 0, 5));
      assertError(ErrorCode.UNKNOWN_MEMBER_ID, Status.Code.FAILED_PRECONDITION,
          () -> commit("fence", "", -1, "fenced", 0, 5));

      // The current generation commits its own partition, not the other member's.
      CommitOffsetsResponse ok = commit("fence", firstId, first.generation(), "fenced", mine.partition(), 5);
      assertEquals(ErrorCode.NONE, ok.getResults(0).getError().getCode());
      CommitOffsetsResponse notMine = commit("fence", firstId, first.generation(), "fenced", theirs.partition(), 7);
      assertEquals(ErrorCode.PARTITION_NOT_ASSIGNED, notMine.getResults(0).getError().getCode());
      assertTrue(notMine.getResults(0).getError().getMessage().contains(theirs.toString()),
          notMine.getResults(0).getError().getMessage());

      var fetched = groups.fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId("fence").build());
      assertEquals(1, fetched.getOffsetsCount());
      assertEquals(5, fetched.getOffsets(0).getOffset());
      assertEquals(mine.partition(), fetched.getOffsets(0).getPartition());
      assertError(ErrorCode.ILLEGAL_GENERATION, Status.Code.FAILED_PRECONDITION,
          () -> groups.fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId("fence").setMemberId(firstId)
              .setGeneration(oldGeneration).build()));
    } finally {
      first.close();
      if (second != null) {
        second.close();
      }
    }
  }

  @Test
  void describeShowsLagAgainstTheHighWatermark() {
    createTopic(admin, "lagging", 1);
    var producer = ProducerServiceGrpc.newBlockingStub(broker.channel());
    producer.produce(ProduceRequest.newBuilder().setTopic("lagging").setAcks(1)
        .setRecords(Batches.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")).build());
    TestMember member = TestMember.join(broker.channel(), "laggards", "lagging", SESSION_MS, "");
    try {
      await(() -> member.owned().size() == 1, "assigned");
      commit("laggards", member.memberId(), member.generation(), "lagging", 0, 4);
      PartitionLag lag = describe("laggards").getPartitions(0);
      assertEquals(member.memberId(), lag.getMemberId());
      assertEquals(4, lag.getCommittedOffset());
      assertEquals(10, lag.getHighWatermark());
      assertEquals(6, lag.getLag());
      assertTrue(lag.getLagMs() >= 0 && lag.getLagMs() < 60_000, "lag in time: " + lag.getLagMs());

      commit("laggards", member.memberId(), member.generation(), "lagging", 0, 10);
      PartitionLag caughtUp = describe("laggards").getPartitions(0);
      assertEquals(0, caughtUp.getLag());
      assertEquals(-1, caughtUp.getLagMs());
    } finally {
      member.close();
    }
  }

  @Test
  void administrationOfGroups() {
    createTopic(admin, "admin-topic", 2);
    var producer = ProducerServiceGrpc.newBlockingStub(broker.channel());
    producer.produce(ProduceRequest.newBuilder().setTopic("admin-topic").setPartition(1).setAcks(1)
        .setRecords(Batches.of("a", "b", "c")).build());

    assertError(ErrorCode.GROUP_ID_NOT_FOUND, Status.Code.NOT_FOUND, () -> describe("no-such-group"));
    assertError(ErrorCode.GROUP_ID_NOT_FOUND, Status.Code.NOT_FOUND,
        () -> groups.deleteGroup(DeleteGroupRequest.newBuilder().setGroupId("no-such-group").build()));
    assertError(ErrorCode.GROUP_ID_NOT_FOUND, Status.Code.NOT_FOUND,
        () -> groups.resetOffsets(ResetOffsetsRequest.newBuilder().setGroupId("no-such-group").setToEarliest(true).build()));
    assertError(ErrorCode.INVALID_GROUP_ID, Status.Code.INVALID_ARGUMENT, () -> describe(""));
    assertError(ErrorCode.INVALID_GROUP_ID, Status.Code.INVALID_ARGUMENT, () -> commit("", "", -1, "admin-topic", 0, 1));

    TestMember member = TestMember.join(broker.channel(), "admins", "admin-topic", SESSION_MS, "range");
    await(() -> member.owned().size() == 2, "assigned");
    assertTrue(groups.listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList().stream()
        .anyMatch(g -> g.getGroupId().equals("admins") && g.getMembers() == 1));
    commit("admins", member.memberId(), member.generation(), "admin-topic", 1, 1);
    StatusRuntimeException busy = assertError(ErrorCode.NON_EMPTY_GROUP, Status.Code.FAILED_PRECONDITION,
        () -> groups.resetOffsets(ResetOffsetsRequest.newBuilder().setGroupId("admins").setToLatest(true).build()));
    assertTrue(busy.getMessage().contains("active member"), busy.getMessage());
    assertError(ErrorCode.NON_EMPTY_GROUP, Status.Code.FAILED_PRECONDITION,
        () -> groups.deleteGroup(DeleteGroupRequest.newBuilder().setGroupId("admins").build()));

    member.leave();
    await(() -> describe("admins").getState() == GroupState.EMPTY, "empty after leave");
    member.close();

    ResetOffsetsResponse dryRun = groups.resetOffsets(ResetOffsetsRequest.newBuilder().setGroupId("admins")
        .setToLatest(true).build());
    assertFalse(dryRun.getExecuted());
    assertEquals(2, dryRun.getChangesCount());
    assertEquals(1, dryRun.getChanges(1).getPreviousOffset());
    assertEquals(3, dryRun.getChanges(1).getOffset());
    assertEquals(1, offsetOf("admins", 1), "a dry run changes nothing");

    ResetOffsetsResponse executed = groups.resetOffsets(ResetOffsetsRequest.newBuilder().setGroupId("admins")
        .setToOffset(99).setExecute(true).build());
    assertTrue(executed.getExecuted());
    assertEquals(3, offsetOf("admins", 1), "to-offset is clamped to the high watermark");
    groups.resetOffsets(ResetOffsetsRequest.newBuilder().setGroupId("admins").addTopics("admin-topic")
        .setToEarliest(true).setExecute(true).build());
    assertEquals(0, offsetOf("admins", 1));

    groups.deleteGroup(DeleteGroupRequest.newBuilder().setGroupId("admins").build());
    assertError(ErrorCode.GROUP_ID_NOT_FOUND, Status.Code.NOT_FOUND, () -> describe("admins"));
    await(() -> groups.listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList().stream()
        .noneMatch(g -> g.getGroupId().equals("admins")), "deleted group not listed");
  }

  @Test
  void offsetsOfADeletedTopicAreDropped() {
    createTopic(admin, "doomed", 1);
    commit("orphans", "", -1, "doomed", 0, 0);
    createTopic(admin, "kept", 1);
    commit("orphans", "", -1, "kept", 0, 0);
    admin.deleteTopic(DeleteTopicRequest.newBuilder().setName("doomed").build());
    await(() -> groups.fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId("orphans").build())
        .getOffsetsList().stream().noneMatch(o -> o.getTopic().equals("doomed")), "offsets of the deleted topic dropped");
    assertEquals(1, groups.fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId("orphans").build()).getOffsetsCount());
  }

  @Test
  void newPartitionsAndNewTopicsMatchingAPatternAreAssigned() {
    createTopic(admin, "pat-a", 2);
    TestMember member = TestMember.join(broker.channel(), io.skein.proto.v1.JoinGroup.newBuilder()
        .setGroupId("patterns").setTopicPattern("pat-.*").setSessionTimeoutMs(SESSION_MS));
    try {
      await(() -> member.owned().size() == 2, "the existing matching topic");
      createTopic(admin, "pat-b", 3);
      createTopic(admin, "other", 1);
      await(() -> member.owned().size() == 5, "the new matching topic, within the metadata refresh");
      assertTrue(member.owned().stream().allMatch(p -> p.topic().startsWith("pat-")));
    } finally {
      member.close();
    }
  }

  @Test
  void aSessionStreamRejectsRequestsBeforeJoinAndBadGroupIds() {
    TestMember member = new TestMember(broker.channel());
    try {
      member.send(io.skein.proto.v1.GroupRequest.newBuilder().setHeartbeat(
          io.skein.proto.v1.Heartbeat.newBuilder().setMemberId("x")));
      await(() -> member.gotError(ErrorCode.UNKNOWN_MEMBER_ID), "heartbeat before join rejected");
      member.send(io.skein.proto.v1.GroupRequest.newBuilder().setJoin(
          io.skein.proto.v1.JoinGroup.newBuilder().setGroupId("").addTopics("t")));
      await(() -> member.gotError(ErrorCode.INVALID_GROUP_ID), "empty group id rejected");
    } finally {
      member.close();
    }
  }

  static long offsetOf(String group, int partition) {
    return groups.fetchOffsets(FetchOffsetsRequest.newBuilder().setGroupId(group).build()).getOffsetsList().stream()
        .filter(o -> o.getPartition() == partition).findFirst().orElseThrow().getOffset();
  }
}
