package io.skein.server.kafka;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.TestProbe;
import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.group.GroupCoordinator;
import io.skein.metadata.PartitionKey;
import io.skein.server.TestBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka's consumer group protocol (KIP-848) against a broker, ConsumerGroupHeartbeat by
 * ConsumerGroupHeartbeat as kafka-clients' consumer sends them: member epochs, server-side
 * assignment, revocation before reassignment, fencing, leaving, static members, regex
 * subscriptions and metadata changes, and one protocol per group.
 */
class KafkaConsumerGroupHeartbeatTest {

  private static final short VERSION = 1;
  private static TestBroker node;
  private static Broker broker;
  private final List<KafkaTestClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestBroker.start(Map.of(
        "skein.group.min-session-timeout", "500ms",
        "skein.group.check-interval", "100ms",
        "skein.group.metadata-refresh", "200ms",
        "skein.group.consumer-heartbeat-interval", "700ms",
        "skein.group.consumer-session-timeout", "5s"));
    broker = node.node().broker();
    for (String topic : List.of("hb-events", "hb-static", "hb-leave", "hb-expiry", "hb-grow", "hb-commit")) {
      broker.topics().createTopic(Caller.BROKER, topic, 4, 1, Map.of(), false).toCompletableFuture().get(30,
          TimeUnit.SECONDS);
    }
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
  void apiVersionsAdvertisesTheConsumerGroupApis() throws IOException {
    ApiVersionsResponseData versions = connect().call((short) 3, new ApiVersionsRequestData()
        .setClientSoftwareName("test").setClientSoftwareVersion("1"));
    assertEquals(1, versions.apiKeys().find(ApiKeys.CONSUMER_GROUP_HEARTBEAT.id).maxVersion());
    assertEquals(1, versions.apiKeys().find(ApiKeys.CONSUMER_GROUP_DESCRIBE.id).maxVersion());
  }

  @Test
  void aSecondMemberGetsPartitionsOnlyAfterTheFirstRevokedThem() throws Exception {
    String group = "hb-revoke";
    KafkaTestClient client = connect();
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();

    ConsumerGroupHeartbeatResponseData aJoined = client.call(VERSION, join(group, a, "hb-events"));
    assertEquals(Errors.NONE.code(), aJoined.errorCode());
    assertEquals(a, aJoined.memberId());
    assertEquals(700, aJoined.heartbeatIntervalMs());
    int epoch1 = aJoined.memberEpoch();
    assertTrue(epoch1 > 0);
    assertEquals(partitions("hb-events", 0, 1, 2, 3), assigned(aJoined));
    ConsumerGroupHeartbeatResponseData aStable = client.call(VERSION,
        heartbeat(group, a, epoch1, owned("hb-events", 0, 1, 2, 3)));
    assertEquals(epoch1, aStable.memberEpoch());
    assertNull(aStable.assignment(), "an unchanged assignment is not sent again");

    // B joins: its target is held by A, so it gets nothing yet, but the new epoch.
    ConsumerGroupHeartbeatResponseData bJoined = client.call(VERSION, join(group, b, "hb-events"));
    int epoch2 = bJoined.memberEpoch();
    assertTrue(epoch2 > epoch1);
    assertEquals(Set.of(), assigned(bJoined));

    // A is asked to give two partitions up, keeping its epoch until it has.
    ConsumerGroupHeartbeatResponseData aRevoking = client.call(VERSION, heartbeat(group, a, epoch1, null));
    assertEquals(epoch1, aRevoking.memberEpoch());
    Set<PartitionKey> kept = assigned(aRevoking);
    assertEquals(2, kept.size());
    ConsumerGroupHeartbeatResponseData bWaiting = client.call(VERSION, heartbeat(group, b, epoch2, owned(Set.of())));
    assertEquals(Errors.NONE.code(), bWaiting.errorCode());
    assertNull(bWaiting.assignment(), "nothing is given to B while A still owns it");
    assertEquals("Reconciling", describe(client, group).groupState());

    ConsumerGroupHeartbeatResponseData aRevoked = client.call(VERSION, heartbeat(group, a, epoch1, owned(kept)));
    assertEquals(epoch2, aRevoked.memberEpoch(), "revoked: A reaches the new epoch");
    assertNull(aRevoked.assignment(), "with the partitions it kept");
    ConsumerGroupHeartbeatResponseData bAssigned = client.call(VERSION, heartbeat(group, b, epoch2, null));
    Set<PartitionKey> bOwns = assigned(bAssigned);
    assertEquals(2, bOwns.size());
    Set<PartitionKey> all = new HashSet<>(kept);
    all.addAll(bOwns);
    assertEquals(partitions("hb-events", 0, 1, 2, 3), all);

    // A heartbeat from an older epoch with partitions the member no longer owns is fenced;
    // an unknown member is told so.
    assertEquals(Errors.FENCED_MEMBER_EPOCH.code(), client.<ConsumerGroupHeartbeatResponseData>call(VERSION,
        heartbeat(group, a, epoch1, owned("hb-events", 0, 1, 2, 3))).errorCode());
    assertEquals(Errors.FENCED_MEMBER_EPOCH.code(), client.<ConsumerGroupHeartbeatResponseData>call(VERSION,
        heartbeat(group, b, epoch2 + 7, null)).errorCode());
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), client.<ConsumerGroupHeartbeatResponseData>call(VERSION,
        heartbeat(group, "nobody", epoch2, null)).errorCode());

    ConsumerGroupDescribeResponseData.DescribedGroup described = describe(client, group);
    assertEquals(Errors.NONE.code(), described.errorCode());
    assertEquals("Stable", described.groupState());
    assertEquals(epoch2, described.groupEpoch());
    assertEquals(epoch2, described.assignmentEpoch());
    assertEquals("uniform", described.assignorName());
    assertEquals(Set.of(a, b), new HashSet<>(described.members().stream().map(m -> m.memberId()).toList()));
    assertTrue(described.members().stream().allMatch(m -> m.memberEpoch() == epoch2
        && m.subscribedTopicNames().equals(List.of("hb-events"))
        && m.assignment().topicPartitions().get(0).partitions().size() == 2));

    ListGroupsResponseData listed = client.call((short) 5, new ListGroupsRequestData());
    ListGroupsResponseData.ListedGroup listedGroup = listed.groups().stream().filter(g -> g.groupId().equals(group))
        .findFirst().orElseThrow();
    assertEquals("consumer", listedGroup.groupType());
    assertEquals("consumer", listedGroup.protocolType());
    assertEquals("Stable", listedGroup.groupState());
  }

  @Test
  void aLeavingMembersPartitionsGoToTheOthers() throws Exception {
    String group = "hb-leave-group";
    KafkaTestClient client = connect();
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    Member first = new Member(client, group, a, "hb-leave");
    first.joinGroup();
    Member second = new Member(client, group, b, "hb-leave");
    second.joinGroup();
    assertEventually("the members split the partitions", Duration.ofSeconds(10),
        () -> first.beat().size() == 2 && second.beat().size() == 2);

    ConsumerGroupHeartbeatResponseData left = client.call(VERSION, heartbeat(group, b, -1, null));
    assertEquals(Errors.NONE.code(), left.errorCode());
    assertEquals(-1, left.memberEpoch());
    assertEventually("the remaining member owns everything", Duration.ofSeconds(10),
        () -> first.beat().equals(partitions("hb-leave", 0, 1, 2, 3)));
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), client.<ConsumerGroupHeartbeatResponseData>call(VERSION,
        heartbeat(group, b, second.epoch, null)).errorCode());
  }

  @Test
  void aMemberThatStopsHeartbeatingIsRemovedAfterTheSessionTimeout() throws Exception {
    String group = "hb-expiry-group";
    KafkaTestClient client = connect();
    Member first = new Member(client, group, UUID.randomUUID().toString(), "hb-expiry");
    first.joinGroup();
    Member silent = new Member(client, group, UUID.randomUUID().toString(), "hb-expiry");
    silent.joinGroup();
    assertEventually("the members split the partitions", Duration.ofSeconds(10),
        () -> first.beat().size() == 2 && silent.beat().size() == 2);
    assertEventually("the silent member's partitions come back", Duration.ofSeconds(20),
        () -> first.beat().size() == 4);
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), client.<ConsumerGroupHeartbeatResponseData>call(VERSION,
        heartbeat(group, silent.memberId, silent.epoch, null)).errorCode());
  }

  @Test
  void aStaticMemberThatComesBackKeepsItsAssignment() throws Exception {
    String group = "hb-static-group";
    KafkaTestClient client = connect();
    String first = UUID.randomUUID().toString();
    ConsumerGroupHeartbeatResponseData joined = client.call(VERSION,
        join(group, first, "hb-static").setInstanceId("instance-1"));
    Set<PartitionKey> assignment = assigned(joined);
    assertEquals(4, assignment.size());

    ConsumerGroupHeartbeatResponseData left = client.call(VERSION, heartbeat(group, first, -2, null));
    assertEquals(Errors.NONE.code(), left.errorCode());
    assertEquals(-2, left.memberEpoch());

    String next = UUID.randomUUID().toString();
    ConsumerGroupHeartbeatResponseData back = client.call(VERSION,
        join(group, next, "hb-static").setInstanceId("instance-1"));
    assertEquals(Errors.NONE.code(), back.errorCode());
    assertEquals(joined.memberEpoch(), back.memberEpoch(), "no new epoch: nothing changed");
    assertEquals(assignment, assigned(back));

    ConsumerGroupHeartbeatResponseData twin = client.call(VERSION,
        join(group, UUID.randomUUID().toString(), "hb-static").setInstanceId("instance-1"));
    assertEquals(Errors.UNRELEASED_INSTANCE_ID.code(), twin.errorCode());
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), client.<ConsumerGroupHeartbeatResponseData>call(VERSION,
        heartbeat(group, first, joined.memberEpoch(), null)).errorCode(), "the old incarnation is gone");
  }

  @Test
  void badRequestsAreRefused() throws Exception {
    KafkaTestClient client = connect();
    assertEquals(Errors.UNSUPPORTED_ASSIGNOR.code(), client.<ConsumerGroupHeartbeatResponseData>call(VERSION,
        join("hb-bad", UUID.randomUUID().toString(), "hb-events").setServerAssignor("sticky")).errorCode());
    assertEquals(Errors.INVALID_REGULAR_EXPRESSION.code(), client.<ConsumerGroupHeartbeatResponseData>call(
        VERSION, join("hb-bad", UUID.randomUUID().toString(), null).setSubscribedTopicRegex("hb-(")).errorCode());
    assertEquals(Errors.INVALID_REQUEST.code(), client.<ConsumerGroupHeartbeatResponseData>call(VERSION,
        join("hb-bad", UUID.randomUUID().toString(), null)).errorCode());
    assertEquals(Errors.INVALID_GROUP_ID.code(), client.<ConsumerGroupHeartbeatResponseData>call(VERSION,
        join("", UUID.randomUUID().toString(), "hb-events")).errorCode());
    assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), describe(client, "hb-never").errorCode());
  }

  @Test
  void newPartitionsAndNewTopicsMatchingARegexAreAssigned() throws Exception {
    String group = "hb-grow-group";
    KafkaTestClient client = connect();
    String memberId = UUID.randomUUID().toString();
    ConsumerGroupHeartbeatResponseData joined = client.call(VERSION,
        join(group, memberId, null).setSubscribedTopicRegex("hb-grow.*").setServerAssignor("range"));
    assertEquals(partitions("hb-grow", 0, 1, 2, 3), assigned(joined));
    AtomicReference<ConsumerGroupHeartbeatResponseData> last = new AtomicReference<>(joined);

    broker.topics().createPartitions(Caller.BROKER, "hb-grow", 6, false).toCompletableFuture().get(10,
        TimeUnit.SECONDS);
    Set<PartitionKey> grown = partitions("hb-grow", 0, 1, 2, 3, 4, 5);
    assertEventually("the new partitions are assigned", Duration.ofSeconds(10),
        () -> grown.equals(beat(client, group, memberId, last)));

    broker.topics().createTopic(Caller.BROKER, "hb-grow-more", 1, 1, Map.of(), false).toCompletableFuture().get(30,
        TimeUnit.SECONDS);
    Set<PartitionKey> more = new HashSet<>(grown);
    more.add(new PartitionKey("hb-grow-more", 0));
    assertEventually("the new topic matching the regex is assigned", Duration.ofSeconds(10),
        () -> more.equals(beat(client, group, memberId, last)));
    assertEquals("range", describe(client, group).assignorName());
  }

  @Test
  void oneProtocolPerGroup() throws Exception {
    KafkaTestClient client = connect();
    String consumerGroup = "hb-protocol-consumer";
    client.call(VERSION, join(consumerGroup, UUID.randomUUID().toString(), "hb-events"));
    JoinGroupResponseData classicJoin = client.call((short) 3, classicJoin(consumerGroup));
    assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), classicJoin.errorCode());
    TestProbe<GroupCoordinator.ToMember> session = TestProbe.create(node.node().system());
    GroupCoordinator.of(node.node().system(), consumerGroup).tell(new GroupCoordinator.Join(1, "", "grpc-client", "h",
        List.of("hb-events"), "", 10_000, 10_000, "", session.ref()));
    GroupCoordinator.Rejected rejected = assertInstanceOf(GroupCoordinator.Rejected.class,
        session.receiveMessage(Duration.ofSeconds(10)));
    assertEquals(io.skein.common.ErrorCode.INCONSISTENT_GROUP_PROTOCOL, rejected.failure().code());
    // DescribeGroups shows a KIP-848 group's members as consumers' subscriptions and assignments.
    DescribeGroupsResponseData.DescribedGroup described = client.<DescribeGroupsResponseData>call((short) 5,
        new DescribeGroupsRequestData().setGroups(List.of(consumerGroup))).groups().get(0);
    assertEquals("consumer", described.protocolType());
    assertEquals(4, ConsumerProtocol.deserializeAssignment(java.nio.ByteBuffer.wrap(
        described.members().get(0).memberAssignment())).partitions().size());

    String nativeGroup = "hb-protocol-native";
    TestProbe<GroupCoordinator.ToMember> nativeSession = TestProbe.create(node.node().system());
    GroupCoordinator.of(node.node().system(), nativeGroup).tell(new GroupCoordinator.Join(1, "", "grpc-client", "h",
        List.of("hb-events"), "", 10_000, 10_000, "", nativeSession.ref()));
    nativeSession.expectMessageClass(GroupCoordinator.Joined.class, Duration.ofSeconds(10));
    assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), client.<ConsumerGroupHeartbeatResponseData>call(
        VERSION, join(nativeGroup, UUID.randomUUID().toString(), "hb-events")).errorCode());

    String classicGroup = "hb-protocol-classic";
    JoinGroupResponseData classicMember = client.call((short) 3, classicJoin(classicGroup));
    assertEquals(Errors.NONE.code(), classicMember.errorCode());
    ConsumerGroupHeartbeatResponseData refused = client.call(VERSION,
        join(classicGroup, UUID.randomUUID().toString(), "hb-events"));
    assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), refused.errorCode());
    assertTrue(refused.errorMessage().contains("classic"), refused.errorMessage());
    assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), describe(client, classicGroup).errorCode(),
        "Admin clients then describe it with DescribeGroups");
    ListGroupsResponseData listed = client.call((short) 5,
        new ListGroupsRequestData().setTypesFilter(List.of("classic")));
    assertEquals(List.of(classicGroup), listed.groups().stream().map(g -> g.groupId())
        .filter(id -> id.startsWith("hb-protocol")).toList());
  }

  @Test
  void membersCommitWithTheirMemberEpoch() throws Exception {
    String group = "hb-commit-group";
    KafkaTestClient client = connect();
    String memberId = UUID.randomUUID().toString();
    ConsumerGroupHeartbeatResponseData joined = client.call(VERSION, join(group, memberId, "hb-commit"));
    int epoch = joined.memberEpoch();
    assertEquals(Errors.NONE.code(), commit(client, group, memberId, epoch, 0, 42));
    assertEquals(Errors.STALE_MEMBER_EPOCH.code(), commit(client, group, memberId, epoch - 1, 0, 43));
    assertEquals(Errors.FENCED_MEMBER_EPOCH.code(), commit(client, group, memberId, epoch + 1, 0, 44));
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commit(client, group, "nobody", epoch, 0, 45));
    assertEquals(42, broker.groups().fetchOffsets(Caller.BROKER, group, "", -1, List.of(new PartitionKey("hb-commit",
        0)))
        .toCompletableFuture().get(10, TimeUnit.SECONDS).get(0).offset(), "what gRPC's FetchOffsets reads");

    // A second member: the first gives two partitions up and moves to a new epoch. A commit
    // still at the old epoch (it crossed the heartbeat's answer) is accepted for the partitions
    // it kept, and refused for those it gave up (KIP-1251).
    client.call(VERSION, join(group, UUID.randomUUID().toString(), "hb-commit"));
    Set<PartitionKey> kept = assigned(client.call(VERSION, heartbeat(group, memberId, epoch, null)));
    ConsumerGroupHeartbeatResponseData revoked = client.call(VERSION, heartbeat(group, memberId, epoch, owned(kept)));
    assertTrue(revoked.memberEpoch() > epoch);
    for (int p = 0; p < 4; p++) {
      short expected = kept.contains(new PartitionKey("hb-commit", p)) ? Errors.NONE.code()
          : Errors.STALE_MEMBER_EPOCH.code();
      assertEquals(expected, commit(client, group, memberId, epoch, p, 50), "partition " + p);
    }
  }

  // ---- a member that heartbeats like kafka-clients --------------------------------------

  /** Heartbeats with what it owns, revoking (dropping) what it is no longer assigned. */
  private final class Member {
    final KafkaTestClient client;
    final String group;
    final String memberId;
    final String topic;
    int epoch;
    Set<PartitionKey> owns = Set.of();

    Member(KafkaTestClient client, String group, String memberId, String topic) {
      this.client = client;
      this.group = group;
      this.memberId = memberId;
      this.topic = topic;
    }

    void joinGroup() throws IOException {
      apply(client.call(VERSION, join(group, memberId, topic)));
    }

    Set<PartitionKey> beat() {
      try {
        apply(client.call(VERSION, heartbeat(group, memberId, epoch, owned(owns))));
        return owns;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void apply(ConsumerGroupHeartbeatResponseData response) {
      assertEquals(Errors.NONE.code(), response.errorCode(), response.errorMessage());
      epoch = response.memberEpoch();
      if (response.assignment() != null) {
        owns = assigned(response);
      }
    }
  }

  // ---- requests -------------------------------------------------------------------------

  private Set<PartitionKey> beat(KafkaTestClient client, String group, String memberId,
      AtomicReference<ConsumerGroupHeartbeatResponseData> last) {
    try {
      ConsumerGroupHeartbeatResponseData previous = last.get();
      ConsumerGroupHeartbeatResponseData next = client.call(VERSION,
          heartbeat(group, memberId, previous.memberEpoch(), owned(assigned(previous))));
      assertEquals(Errors.NONE.code(), next.errorCode(), next.errorMessage());
      if (next.assignment() == null) {
        next.setAssignment(previous.assignment());
      }
      last.set(next);
      return assigned(next);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ConsumerGroupHeartbeatRequestData join(String group, String memberId, String topic) {
    return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(memberId).setMemberEpoch(0)
        .setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(topic == null ? null : List.of(topic))
        .setTopicPartitions(List.of());
  }

  private static ConsumerGroupHeartbeatRequestData heartbeat(String group, String memberId, int epoch,
      List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned) {
    return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(memberId).setMemberEpoch(epoch)
        .setTopicPartitions(owned);
  }

  private static List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned(String topic, Integer... partitions) {
    return List.of(new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(topicId(topic))
        .setPartitions(List.of(partitions)));
  }

  private static List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned(Set<PartitionKey> partitions) {
    Map<String, List<Integer>> byTopic = new java.util.TreeMap<>();
    partitions.forEach(p -> byTopic.computeIfAbsent(p.topic(), t -> new ArrayList<>()).add(p.partition()));
    List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned = new ArrayList<>();
    byTopic.forEach((topic, numbers) -> owned.add(new ConsumerGroupHeartbeatRequestData.TopicPartitions()
        .setTopicId(topicId(topic)).setPartitions(numbers)));
    return owned;
  }

  private static Set<PartitionKey> assigned(ConsumerGroupHeartbeatResponseData response) {
    assertEquals(Errors.NONE.code(), response.errorCode(), response.errorMessage());
    Set<PartitionKey> result = new TreeSet<>(io.skein.group.assign.Assignor.PARTITION_ORDER);
    response.assignment().topicPartitions().forEach(t -> t.partitions().forEach(p ->
        result.add(new PartitionKey(topicName(t.topicId()), p))));
    return result;
  }

  private static Set<PartitionKey> partitions(String topic, int... numbers) {
    Set<PartitionKey> result = new HashSet<>();
    for (int n : numbers) {
      result.add(new PartitionKey(topic, n));
    }
    return result;
  }

  private static Uuid topicId(String topic) {
    try {
      return TopicIds.toKafka(broker.topics().topic(topic).toCompletableFuture().get(10, TimeUnit.SECONDS).topicId());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String topicName(Uuid topicId) {
    try {
      return broker.topics().topicById(TopicIds.toSkein(topicId)).toCompletableFuture().get(10, TimeUnit.SECONDS)
          .orElseThrow().name();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private ConsumerGroupDescribeResponseData.DescribedGroup describe(KafkaTestClient client, String group)
      throws IOException {
    ConsumerGroupDescribeResponseData response = client.call(VERSION,
        new ConsumerGroupDescribeRequestData().setGroupIds(List.of(group)));
    return response.groups().get(0);
  }

  private short commit(KafkaTestClient client, String group, String memberId, int epoch, int partition, long offset)
      throws IOException {
    OffsetCommitResponseData response = client.call((short) 9, new OffsetCommitRequestData().setGroupId(group)
        .setMemberId(memberId).setGenerationIdOrMemberEpoch(epoch).setTopics(List.of(new OffsetCommitRequestTopic()
            .setName("hb-commit").setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(partition)
                .setCommittedOffset(offset))))));
    return response.topics().get(0).partitions().get(0).errorCode();
  }

  private static JoinGroupRequestData classicJoin(String group) {
    JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
    java.nio.ByteBuffer subscription = ConsumerProtocol.serializeSubscription(
        new ConsumerPartitionAssignor.Subscription(List.of("hb-events")));
    byte[] metadata = new byte[subscription.remaining()];
    subscription.get(metadata);
    protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
    return new JoinGroupRequestData().setGroupId(group).setMemberId("").setSessionTimeoutMs(10_000)
        .setRebalanceTimeoutMs(10_000).setProtocolType("consumer").setProtocols(protocols);
  }

  private KafkaTestClient connect() throws IOException {
    KafkaTestClient client = new KafkaTestClient(new InetSocketAddress("127.0.0.1", node.node().kafkaPort()));
    clients.add(client);
    return client;
  }
}
