package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.group.GroupCoordinator;
import io.skein.metadata.PartitionKey;
import io.skein.server.TestBroker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka's classic group protocol against a broker, request by request as kafka-clients'
 * consumer coordinator sends them: several members on their own connections, join phases
 * that wait for members, leader-side assignment, fencing, session expiry, and offsets that
 * Kafka and Skein's request layer (what gRPC uses) share.
 */
class KafkaClassicGroupTest {

  private static final int SESSION_MS = 1_000;
  private static TestBroker node;
  private static Broker broker;
  private final AtomicInteger correlation = new AtomicInteger();
  private final List<KafkaTestClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestBroker.start(Map.of(
        "skein.group.min-session-timeout", "500ms",
        "skein.group.check-interval", "100ms"));
    broker = node.node().broker();
    broker.topics().createTopic(Caller.BROKER, "events", 2, 1, Map.of(), false).toCompletableFuture().get(30,
        TimeUnit.SECONDS);
    broker.topics().createTopic(Caller.BROKER, "other", 1, 1, Map.of(), false).toCompletableFuture().get(30,
        TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @AfterEach
  void closeClients() throws IOException {
    for (KafkaTestClient c : clients) {
      c.close();
    }
  }

  @Test
  void findCoordinatorAnswersThisBrokerForGroupsAndNotForTransactions() throws IOException {
    KafkaTestClient client = connect();
    FindCoordinatorResponseData v3 = call(client, (short) 3,
        new FindCoordinatorRequestData().setKey("g").setKeyType(CoordinatorType.GROUP.id()));
    assertEquals(Errors.NONE.code(), v3.errorCode());
    assertEquals("127.0.0.1", v3.host());
    assertEquals(node.node().kafkaPort(), v3.port());
    assertEquals(node.node().config().brokerId(), v3.nodeId());

    FindCoordinatorResponseData batched = call(client, (short) 6, new FindCoordinatorRequestData()
        .setCoordinatorKeys(List.of("a", "b")).setKeyType(CoordinatorType.GROUP.id()));
    assertEquals(List.of("a", "b"), batched.coordinators().stream().map(c -> c.key()).toList());
    assertTrue(batched.coordinators().stream().allMatch(c -> c.errorCode() == 0 && c.port() == node.node().kafkaPort()));

    FindCoordinatorResponseData txn = call(client, (short) 4, new FindCoordinatorRequestData()
        .setCoordinatorKeys(List.of("tx")).setKeyType(CoordinatorType.TRANSACTION.id()));
    assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), txn.coordinators().get(0).errorCode());
  }

  @Test
  void twoMembersJoinTheLeaderAssignsAndARejoinRebalances() throws Exception {
    String group = "two-members";
    KafkaTestClient a = connect();
    KafkaTestClient b = connect();
    String aId = memberIdRequired(a, group);
    JoinGroupResponseData first = call(a, (short) 9, join(group, aId, "range"));
    assertEquals(Errors.NONE.code(), first.errorCode());
    assertEquals(aId, first.leader());
    assertEquals(List.of(aId), first.members().stream().map(m -> m.memberId()).toList());
    int generation1 = first.generationId();
    SyncGroupResponseData aSynced = call(a, (short) 5, sync(group, aId, generation1, Map.of(aId, assignment(0, 1))));
    assertEquals(Errors.NONE.code(), aSynced.errorCode());
    assertArrayEquals(assignment(0, 1), aSynced.assignment());
    assertEquals("range", aSynced.protocolName());

    // B's join waits for A to rejoin; A learns of the rebalance from its heartbeat.
    String bId = memberIdRequired(b, group);
    RequestHeader bJoin = send(b, (short) 9, join(group, bId, "range"));
    assertEventually("A's heartbeat asks it to rejoin", Duration.ofSeconds(10),
        () -> heartbeatError(a, group, aId, generation1) == Errors.REBALANCE_IN_PROGRESS.code());
    JoinGroupResponseData aRejoined = call(a, (short) 9, join(group, aId, "range"));
    JoinGroupResponseData bJoined = (JoinGroupResponseData) b.receive(bJoin).data();
    int generation2 = aRejoined.generationId();
    assertEquals(generation1 + 1, generation2);
    assertEquals(generation2, bJoined.generationId());
    assertEquals(aId, aRejoined.leader());
    assertEquals(aId, bJoined.leader());
    assertEquals(2, aRejoined.members().size(), "the leader gets every member's metadata");
    assertEquals(0, bJoined.members().size(), "followers get no metadata");

    // The follower's sync waits for the leader's assignment.
    RequestHeader bSync = send(b, (short) 5, sync(group, bId, generation2, Map.of()));
    call(a, (short) 5, sync(group, aId, generation2, Map.of(aId, assignment(0), bId, assignment(1))));
    SyncGroupResponseData bSynced = (SyncGroupResponseData) b.receive(bSync).data();
    assertEquals(Errors.NONE.code(), bSynced.errorCode());
    assertArrayEquals(assignment(1), bSynced.assignment());

    assertEquals(Errors.NONE.code(), this.<HeartbeatResponseData>call(b, (short) 4,
        heartbeat(group, bId, generation2)).errorCode());
    assertEquals(Errors.ILLEGAL_GENERATION.code(), this.<HeartbeatResponseData>call(b, (short) 4,
        heartbeat(group, bId, generation1)).errorCode());
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), this.<HeartbeatResponseData>call(b, (short) 4,
        heartbeat(group, "nobody", generation2)).errorCode());

    // Described as Kafka describes a classic consumer group.
    DescribeGroupsResponseData.DescribedGroup described = this.<DescribeGroupsResponseData>call(a, (short) 5,
        new DescribeGroupsRequestData().setGroups(List.of(group))).groups().get(0);
    assertEquals("Stable", described.groupState());
    assertEquals("consumer", described.protocolType());
    assertEquals("range", described.protocolData());
    assertEquals(2, described.members().size());
    ConsumerPartitionAssignor.Assignment bAssignment = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(
        described.members().stream().filter(m -> m.memberId().equals(bId)).findFirst().orElseThrow()
            .memberAssignment()));
    assertEquals(List.of(new TopicPartition("events", 1)), bAssignment.partitions());

    // Skein's own describe (gRPC's DescribeGroup, `skein groups --describe`) shows the Kafka members.
    GroupCoordinator.Description skein = broker.groups().describeGroup(Caller.BROKER, group).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).group();
    assertEquals("STABLE", skein.state());
    assertEquals(generation2, skein.generation());
    assertEquals(java.util.Set.of(new PartitionKey("events", 1)), skein.owned().get(bId));
    assertEquals(List.of("events"), skein.members().stream().filter(m -> m.memberId().equals(bId)).findFirst()
        .orElseThrow().topics());

    // Deleting a group with members, or the offsets of a subscribed topic, is refused.
    DeleteGroupsResponseData deleted = call(a, (short) 2, new DeleteGroupsRequestData().setGroupsNames(List.of(group)));
    assertEquals(Errors.NON_EMPTY_GROUP.code(), deleted.results().find(group).errorCode());
    assertEquals(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code(), this.<OffsetDeleteResponseData>call(a, (short) 0,
        offsetDelete(group, "events", 0)).topics().find("events").partitions().find(0).errorCode());

    // B leaves (batched v5): A is told to rejoin and gets the group alone.
    LeaveGroupResponseData left = call(b, (short) 5, new LeaveGroupRequestData().setGroupId(group)
        .setMembers(List.of(new MemberIdentity().setMemberId(bId), new MemberIdentity().setMemberId("ghost"))));
    assertEquals(Errors.NONE.code(), left.errorCode());
    assertEquals(List.of(Errors.NONE.code(), Errors.UNKNOWN_MEMBER_ID.code()),
        left.members().stream().map(LeaveGroupResponseData.MemberResponse::errorCode).toList());
    assertEquals(Errors.REBALANCE_IN_PROGRESS.code(), this.<HeartbeatResponseData>call(a, (short) 4,
        heartbeat(group, aId, generation2)).errorCode());
    JoinGroupResponseData alone = call(a, (short) 9, join(group, aId, "range"));
    assertEquals(generation2 + 1, alone.generationId());
    assertEquals(1, alone.members().size());
  }

  @Test
  void aMemberThatStopsHeartbeatingIsRemovedAfterItsSessionTimeout() throws IOException {
    String group = "expiry";
    KafkaTestClient a = connect();
    KafkaTestClient b = connect();
    String aId = memberIdRequired(a, group);
    JoinGroupResponseData aJoined = call(a, (short) 9, join(group, aId, "range"));
    call(a, (short) 5, sync(group, aId, aJoined.generationId(), Map.of(aId, assignment(0, 1))));
    String bId = memberIdRequired(b, group);
    RequestHeader bJoin = send(b, (short) 9, join(group, bId, "range"));
    call(a, (short) 9, join(group, aId, "range"));
    int generation = ((JoinGroupResponseData) b.receive(bJoin).data()).generationId();
    call(a, (short) 5, sync(group, aId, generation, Map.of(aId, assignment(0), bId, assignment(1))));

    // Only A heartbeats; B, silent past its session timeout, is removed and A must rejoin.
    assertEventually("B's expiry starts a rebalance", Duration.ofSeconds(10),
        () -> heartbeatError(a, group, aId, generation) == Errors.REBALANCE_IN_PROGRESS.code());
    JoinGroupResponseData alone = call(a, (short) 9, join(group, aId, "range"));
    assertEquals(List.of(aId), alone.members().stream().map(m -> m.memberId()).toList());
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), this.<HeartbeatResponseData>call(b, (short) 4,
        heartbeat(group, bId, generation)).errorCode());
  }

  @Test
  void aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsLeftOut() throws IOException {
    String group = "slow-rejoin";
    KafkaTestClient a = connect();
    KafkaTestClient b = connect();
    String aId = memberIdRequired(a, group);
    int generation1 = this.<JoinGroupResponseData>call(a, (short) 9, join(group, aId, "range").setRebalanceTimeoutMs(1_500))
        .generationId();
    call(a, (short) 5, sync(group, aId, generation1, Map.of(aId, assignment(0, 1))));

    // B joins; A keeps heartbeating (so its session lives) but never rejoins.
    String bId = memberIdRequired(b, group);
    RequestHeader bJoin = send(b, (short) 9, join(group, bId, "range").setRebalanceTimeoutMs(1_500));
    assertEventually("A's heartbeat asks it to rejoin", Duration.ofSeconds(10),
        () -> heartbeatError(a, group, aId, generation1) == Errors.REBALANCE_IN_PROGRESS.code());
    JoinGroupResponseData bJoined = (JoinGroupResponseData) b.receive(bJoin).data();
    assertEquals(Errors.NONE.code(), bJoined.errorCode());
    assertEquals(bId, bJoined.leader(), "the leader that did not rejoin is replaced");
    assertEquals(List.of(bId), bJoined.members().stream().map(m -> m.memberId()).toList());
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), heartbeatError(a, group, aId, bJoined.generationId()));

    // A sync during the next join phase is refused; one of an old generation too.
    assertEquals(Errors.ILLEGAL_GENERATION.code(), this.<SyncGroupResponseData>call(b, (short) 5,
        sync(group, bId, generation1, Map.of())).errorCode());
  }

  @Test
  void aLeaderThatNeverSyncsIsRemovedAfterTheRebalanceTimeout() throws IOException {
    String group = "no-sync";
    KafkaTestClient a = connect();
    String aId = memberIdRequired(a, group);
    JoinGroupResponseData joined = call(a, (short) 9, join(group, aId, "range").setRebalanceTimeoutMs(1_000));
    assertEquals(aId, joined.leader());
    // Heartbeats keep its session alive, but without its SyncGroup the group cannot complete.
    assertEquals(Errors.NONE.code(), heartbeatError(a, group, aId, joined.generationId()));
    assertEventually("the leader is removed", Duration.ofSeconds(10),
        () -> heartbeatError(a, group, aId, joined.generationId()) == Errors.UNKNOWN_MEMBER_ID.code());
    assertEquals("Empty", this.<DescribeGroupsResponseData>call(a, (short) 5,
        new DescribeGroupsRequestData().setGroups(List.of(group))).groups().get(0).groupState());
  }

  @Test
  void aStaticMemberBackUnderANewIdKeepsItsAssignmentAndFencesItsOldSelf() throws IOException {
    String group = "static";
    KafkaTestClient before = connect();
    JoinGroupResponseData first = call(before, (short) 9, join(group, "", "range").setGroupInstanceId("i-a"));
    assertEquals(Errors.NONE.code(), first.errorCode(), "a static member needs no member-id round");
    assertEquals("i-a", first.members().get(0).groupInstanceId());
    call(before, (short) 5, sync(group, first.memberId(), first.generationId(), Map.of(first.memberId(),
        assignment(0, 1))).setGroupInstanceId("i-a"));

    // The consumer restarts: a new member id, the same generation and assignment, no rebalance.
    KafkaTestClient after = connect();
    JoinGroupResponseData back = call(after, (short) 9, join(group, "", "range").setGroupInstanceId("i-a"));
    assertEquals(Errors.NONE.code(), back.errorCode());
    assertTrue(!back.memberId().equals(first.memberId()));
    assertEquals(first.generationId(), back.generationId());
    SyncGroupResponseData synced = call(after, (short) 5, sync(group, back.memberId(), back.generationId(), Map.of())
        .setGroupInstanceId("i-a"));
    assertArrayEquals(assignment(0, 1), synced.assignment());

    assertEquals(Errors.FENCED_INSTANCE_ID.code(), this.<HeartbeatResponseData>call(before, (short) 4,
        heartbeat(group, first.memberId(), first.generationId()).setGroupInstanceId("i-a")).errorCode());
    assertEquals(Errors.NONE.code(), this.<HeartbeatResponseData>call(after, (short) 4,
        heartbeat(group, back.memberId(), back.generationId()).setGroupInstanceId("i-a")).errorCode());
    DescribeGroupsResponseData.DescribedGroup described = this.<DescribeGroupsResponseData>call(after, (short) 5,
        new DescribeGroupsRequestData().setGroups(List.of(group))).groups().get(0);
    assertEquals("i-a", described.members().get(0).groupInstanceId());

    // It leaves by its instance id alone.
    LeaveGroupResponseData left = call(after, (short) 5, new LeaveGroupRequestData().setGroupId(group)
        .setMembers(List.of(new MemberIdentity().setMemberId("").setGroupInstanceId("i-a"))));
    assertEquals(Errors.NONE.code(), left.members().get(0).errorCode());
    assertEquals("Empty", this.<DescribeGroupsResponseData>call(after, (short) 5,
        new DescribeGroupsRequestData().setGroups(List.of(group))).groups().get(0).groupState());
  }

  @Test
  void membersMustShareAProtocolAndOldJoinsNeedNoSecondRound() throws IOException {
    String group = "protocols";
    KafkaTestClient a = connect();
    // Before v4 a join without a member id joins at once.
    JoinGroupResponseData joined = call(a, (short) 3, join(group, "", "range"));
    assertEquals(Errors.NONE.code(), joined.errorCode());
    assertTrue(!joined.memberId().isEmpty());
    JoinGroupResponseData other = call(connect(), (short) 3, join(group, "", "roundrobin"));
    assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), other.errorCode());
    JoinGroupResponseData noProtocol = call(connect(), (short) 3, join(group, ""));
    assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), noProtocol.errorCode());
    JoinGroupResponseData unknown = call(connect(), (short) 9, join(group, "made-up", "range"));
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), unknown.errorCode());
  }

  @Test
  void theGroupUsesTheProtocolEveryMemberSupports() throws IOException {
    String group = "votes";
    KafkaTestClient a = connect();
    KafkaTestClient b = connect();
    JoinGroupResponseData aJoined = call(a, (short) 3, join(group, "", "range", "roundrobin"));
    assertEquals("range", aJoined.protocolName(), "alone, the member's first choice");
    call(a, (short) 3, sync(group, aJoined.memberId(), aJoined.generationId(), Map.of()));
    RequestHeader bJoin = send(b, (short) 3, join(group, "", "roundrobin", "sticky"));
    assertEventually("A's heartbeat asks it to rejoin", Duration.ofSeconds(10),
        () -> heartbeatError(a, group, aJoined.memberId(), aJoined.generationId())
            == Errors.REBALANCE_IN_PROGRESS.code());
    JoinGroupResponseData aRejoined = call(a, (short) 3, join(group, aJoined.memberId(), "range", "roundrobin"));
    JoinGroupResponseData bJoined = (JoinGroupResponseData) b.receive(bJoin).data();
    assertEquals("roundrobin", aRejoined.protocolName());
    assertEquals("roundrobin", bJoined.protocolName());
    // SyncGroup v5 names the protocol: another one is refused.
    SyncGroupResponseData wrong = call(b, (short) 5, sync(group, bJoined.memberId(), bJoined.generationId(), Map.of()));
    assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), wrong.errorCode());
  }

  @Test
  void commitsAreFencedByGenerationAndSharedWithTheRequestLayer() throws Exception {
    String group = "offsets";
    KafkaTestClient a = connect();
    String aId = memberIdRequired(a, group);
    JoinGroupResponseData joined = call(a, (short) 9, join(group, aId, "range"));
    int generation = joined.generationId();
    call(a, (short) 5, sync(group, aId, generation, Map.of(aId, assignment(0, 1))));

    OffsetCommitResponseData stale = call(a, (short) 9, commit(group, aId, generation - 1, "events", 0, 5));
    assertEquals(Errors.ILLEGAL_GENERATION.code(), stale.topics().get(0).partitions().get(0).errorCode());
    OffsetCommitResponseData simple = call(a, (short) 9, commit(group, "", -1, "events", 0, 5));
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), simple.topics().get(0).partitions().get(0).errorCode());
    OffsetCommitResponseData ok = call(a, (short) 9, commit(group, aId, generation, "events", 0, 42));
    assertEquals(Errors.NONE.code(), ok.topics().get(0).partitions().get(0).errorCode());

    // What Kafka committed, the request layer (gRPC's FetchOffsets) reads.
    List<GroupCoordinator.CommittedOffset> seen = broker.groups()
        .fetchOffsets(Caller.BROKER, group, "", -1, List.of(new PartitionKey("events",
            0))).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(42, seen.get(0).offset());
    assertEquals("meta", seen.get(0).metadata());

    // Batched fetch (v8) of two groups: one with offsets, one that does not exist.
    OffsetFetchResponseData fetched = call(a, (short) 8, new OffsetFetchRequestData().setGroups(List.of(
        new OffsetFetchRequestGroup().setGroupId(group).setTopics(List.of(
            new OffsetFetchRequestTopics().setName("events").setPartitionIndexes(List.of(0, 1)))),
        new OffsetFetchRequestGroup().setGroupId("no-such-group").setTopics(null))));
    OffsetFetchResponseData.OffsetFetchResponseGroup mine = fetched.groups().get(0);
    assertEquals(Errors.NONE.code(), mine.errorCode());
    assertEquals(List.of(42L, -1L), mine.topics().get(0).partitions().stream().map(p -> p.committedOffset()).toList());
    assertEquals(Errors.NONE.code(), fetched.groups().get(1).errorCode());
    assertEquals(0, fetched.groups().get(1).topics().size());
  }

  @Test
  void offsetsCommittedThroughTheRequestLayerAreFetchedOverKafka() throws Exception {
    String group = "from-grpc";
    broker.groups().commitOffsets(Caller.BROKER, group, "", -1, List.of(new GroupCoordinator.OffsetToCommit("other",
        0, 7, "x"),
        new GroupCoordinator.OffsetToCommit("events", 1, 9, ""))).toCompletableFuture().get(10, TimeUnit.SECONDS);
    KafkaTestClient client = connect();
    OffsetFetchResponseData all = call(client, (short) 7, new OffsetFetchRequestData().setGroupId(group).setTopics(null));
    Map<String, Long> byTopic = new java.util.TreeMap<>();
    all.topics().forEach(t -> byTopic.put(t.name(), t.partitions().get(0).committedOffset()));
    assertEquals(Map.of("events", 9L, "other", 7L), byTopic);
    assertEquals("x", all.topics().stream().filter(t -> t.name().equals("other")).findFirst().orElseThrow()
        .partitions().get(0).metadata());

    // A group without members is listed, its offsets deleted, and the group deleted.
    ListGroupsResponseData listed = call(client, (short) 5, new ListGroupsRequestData().setStatesFilter(List.of("empty")));
    assertTrue(listed.groups().stream().anyMatch(g -> g.groupId().equals(group) && g.groupType().equals("classic")),
        listed.toString());
    assertEquals(Errors.NONE.code(), this.<OffsetDeleteResponseData>call(client, (short) 0,
        offsetDelete(group, "other", 0)).topics().find("other").partitions().find(0).errorCode());
    OffsetFetchResponseData left = call(client, (short) 7, new OffsetFetchRequestData().setGroupId(group).setTopics(null));
    assertEquals(List.of("events"), left.topics().stream().map(t -> t.name()).toList());
    DeleteGroupsResponseData deleted = call(client, (short) 3, new DeleteGroupsRequestData().setGroupsNames(List.of(group)));
    assertEquals(Errors.NONE.code(), deleted.results().find(group).errorCode());
    DescribeGroupsResponseData gone = call(client, (short) 6, new DescribeGroupsRequestData().setGroups(List.of(group)));
    assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), gone.groups().get(0).errorCode());
  }

  @Test
  void classicAndSkeinMembersDoNotMixInOneGroup() throws IOException {
    TestProbe<GroupCoordinator.ToMember> session = TestProbe.create(node.node().system());
    GroupCoordinator.of(node.node().system(), "native").tell(new GroupCoordinator.Join(1, "", "grpc-client", "h",
        List.of("events"), "", 10_000, 10_000, "", session.ref()));
    session.expectMessageClass(GroupCoordinator.Joined.class, Duration.ofSeconds(10));
    KafkaTestClient client = connect();
    JoinGroupResponseData refused = call(client, (short) 3, join("native", "", "range"));
    assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), refused.errorCode());
    // A Skein group is listed and described as Kafka shows KIP-848 consumer groups.
    DescribeGroupsResponseData.DescribedGroup described = this.<DescribeGroupsResponseData>call(client, (short) 5,
        new DescribeGroupsRequestData().setGroups(List.of("native"))).groups().get(0);
    assertEquals("consumer", described.protocolType());
    assertEquals(List.of("events"), ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(
        described.members().get(0).memberMetadata())).topics());

    String classic = "classic-first";
    call(client, (short) 3, join(classic, "", "range"));
    TestProbe<GroupCoordinator.ToMember> late = TestProbe.create(node.node().system());
    GroupCoordinator.of(node.node().system(), classic).tell(new GroupCoordinator.Join(1, "", "grpc-client", "h",
        List.of("events"), "", 10_000, 10_000, "", late.ref()));
    GroupCoordinator.Rejected rejected = assertInstanceOf(GroupCoordinator.Rejected.class,
        late.receiveMessage(Duration.ofSeconds(10)));
    assertEquals(io.skein.common.ErrorCode.INCONSISTENT_GROUP_PROTOCOL, rejected.failure().code());
  }

  // ---- requests -------------------------------------------------------------------------

  private KafkaTestClient connect() throws IOException {
    KafkaTestClient client = new KafkaTestClient(new InetSocketAddress("127.0.0.1", node.node().kafkaPort()));
    clients.add(client);
    return client;
  }

  private RequestHeader send(KafkaTestClient client, short version, ApiMessage request) throws IOException {
    RequestHeader header = KafkaTestClient.header(ApiKeys.forId(request.apiKey()), version,
        correlation.incrementAndGet());
    client.write(KafkaTestClient.frame(request, header));
    return header;
  }

  @SuppressWarnings("unchecked")
  private <R extends ApiMessage> R call(KafkaTestClient client, short version, ApiMessage request) throws IOException {
    RequestHeader header = send(client, version, request);
    return (R) client.receive(header).data();
  }

  private short heartbeatError(KafkaTestClient client, String group, String memberId, int generation) {
    try {
      return this.<HeartbeatResponseData>call(client, (short) 4, heartbeat(group, memberId, generation)).errorCode();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The first JoinGroup round (v4+): the member id to join with. */
  private String memberIdRequired(KafkaTestClient client, String group) throws IOException {
    JoinGroupResponseData response = call(client, (short) 9, join(group, "", "range"));
    assertEquals(Errors.MEMBER_ID_REQUIRED.code(), response.errorCode());
    assertTrue(!response.memberId().isEmpty());
    return response.memberId();
  }

  /** A consumer's join subscribed to "events", with its assignors in order of preference. */
  private static JoinGroupRequestData join(String group, String memberId, String... assignors) {
    JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
    for (String assignor : assignors) {
      protocols.add(new JoinGroupRequestProtocol().setName(assignor).setMetadata(bytes(
          ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of("events"))))));
    }
    return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setSessionTimeoutMs(SESSION_MS)
        .setRebalanceTimeoutMs(10_000).setProtocolType("consumer").setProtocols(protocols);
  }

  private static SyncGroupRequestData sync(String group, String memberId, int generation, Map<String, byte[]> plan) {
    List<SyncGroupRequestAssignment> assignments = new ArrayList<>();
    plan.forEach((member, bytes) -> assignments.add(new SyncGroupRequestAssignment().setMemberId(member)
        .setAssignment(bytes)));
    return new SyncGroupRequestData().setGroupId(group).setMemberId(memberId).setGenerationId(generation)
        .setProtocolType("consumer").setProtocolName("range").setAssignments(assignments);
  }

  private static HeartbeatRequestData heartbeat(String group, String memberId, int generation) {
    return new HeartbeatRequestData().setGroupId(group).setMemberId(memberId).setGenerationId(generation);
  }

  private static OffsetCommitRequestData commit(String group, String memberId, int generation, String topic,
      int partition, long offset) {
    return new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId).setGenerationIdOrMemberEpoch(generation)
        .setTopics(List.of(new OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
            new OffsetCommitRequestPartition().setPartitionIndex(partition).setCommittedOffset(offset)
                .setCommittedMetadata("meta")))));
  }

  private static OffsetDeleteRequestData offsetDelete(String group, String topic, int partition) {
    OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestTopicCollection();
    topics.add(new OffsetDeleteRequestTopic().setName(topic).setPartitions(List.of(
        new OffsetDeleteRequestPartition().setPartitionIndex(partition))));
    return new OffsetDeleteRequestData().setGroupId(group).setTopics(topics);
  }

  private static byte[] assignment(int... partitions) {
    List<TopicPartition> assigned = new ArrayList<>();
    for (int p : partitions) {
      assigned.add(new TopicPartition("events", p));
    }
    return bytes(ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(assigned)));
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
}
