package io.skein.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import com.typesafe.config.ConfigFactory;
import io.skein.cluster.Controller;
import io.skein.common.ErrorCode;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The coordinator's behaviour on its own: a fake Controller, probes as member sessions. */
class GroupCoordinatorTest {

  static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("""
          akka.actor.serialization-bindings { "io.skein.common.CborSerializable" = jackson-cbor }
          """)
      .withFallback(PersistenceTestKitPlugin.getInstance().config())
      .withFallback(PersistenceTestKitSnapshotPlugin.config())
      .withFallback(ConfigFactory.load()));

  static final GroupSettings SETTINGS = new GroupSettings(Duration.ofMillis(100), Duration.ofMinutes(1),
      Duration.ofSeconds(45), Duration.ofSeconds(30), Duration.ofDays(7), Duration.ofMillis(200),
      Duration.ofMillis(50), 32, Duration.ofSeconds(5), Duration.ofSeconds(45), Duration.ofSeconds(3));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** A Controller that knows one topic with the given partitions. */
  static ActorRef<Controller.Command> controllerWith(String topic, int partitions) {
    List<ReplicaAssignment> assignments = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      assignments.add(new ReplicaAssignment(List.of(0), 0, 0, List.of(0)));
    }
    Topic t = new Topic(topic, "id-" + topic, assignments, Map.of());
    Behavior<Controller.Command> fake = Behaviors.receiveMessage(cmd -> {
      if (cmd instanceof Controller.GetTopics get) {
        get.replyTo().tell(new Controller.Topics(Map.of(topic, t)));
      }
      return Behaviors.same();
    });
    return testKit.spawn(fake);
  }

  static ActorRef<GroupCoordinator.Command> coordinator(String group, ActorRef<Controller.Command> controller,
      TestProbe<GroupRegistry.Command> registry) {
    return testKit.spawn(GroupCoordinator.create(group, SETTINGS, controller, registry.ref(),
        self -> testKit.stop(self)));
  }

  static GroupCoordinator.Join join(String memberId, String topic, int sessionMs, int rebalanceMs,
      TestProbe<GroupCoordinator.ToMember> session) {
    return new GroupCoordinator.Join(1, memberId, "c", "h", List.of(topic), "", sessionMs, rebalanceMs, "", session.ref());
  }

  /** Skips messages until one of the type arrives. */
  static <T extends GroupCoordinator.ToMember> T expect(TestProbe<GroupCoordinator.ToMember> probe, Class<T> type) {
    return probe.fishForMessage(Duration.ofSeconds(5), m -> type.isInstance(m)
        ? akka.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : akka.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore())
        .stream().filter(type::isInstance).map(type::cast).reduce((a, b) -> b).orElseThrow();
  }

  static Set<PartitionKey> untilOwning(TestProbe<GroupCoordinator.ToMember> probe, int count) {
    while (true) {
      GroupCoordinator.Assigned a = expect(probe, GroupCoordinator.Assigned.class);
      if (a.partitions().size() == count) {
        return new HashSet<>(a.partitions());
      }
    }
  }

  @Test
  void aSecondMemberGetsPartitionsOnlyAfterTheFirstReleasesThem() {
    TestProbe<GroupRegistry.Command> registry = testKit.createTestProbe();
    var group = coordinator("two-phase", controllerWith("t", 4), registry);
    TestProbe<GroupCoordinator.ToMember> a = testKit.createTestProbe();
    TestProbe<GroupCoordinator.ToMember> b = testKit.createTestProbe();

    group.tell(join("", "t", 10_000, 10_000, a));
    String aId = expect(a, GroupCoordinator.Joined.class).memberId();
    assertEquals(4, untilOwning(a, 4).size());
    assertEquals(new GroupRegistry.Register("two-phase"), registry.expectMessageClass(GroupRegistry.Register.class));

    group.tell(join("", "t", 10_000, 10_000, b));
    String bId = expect(b, GroupCoordinator.Joined.class).memberId();
    GroupCoordinator.Revoked revoked = expect(a, GroupCoordinator.Revoked.class);
    assertEquals(2, revoked.partitions().size());
    // Until a releases them, b has nothing that a still holds.
    GroupCoordinator.Assigned pending = expect(b, GroupCoordinator.Assigned.class);
    assertTrue(pending.partitions().isEmpty() && pending.pending(), pending.toString());

    // A commit for a partition being revoked is still allowed, with the new generation.
    TestProbe<GroupCoordinator.CommitReply> replies = testKit.createTestProbe();
    PartitionKey moving = revoked.partitions().get(0);
    group.tell(new GroupCoordinator.Commit(7, aId, revoked.generation(),
        List.of(new GroupCoordinator.OffsetToCommit(moving.topic(), moving.partition(), 42, "")), a.ref(), replies.ref()));
    GroupCoordinator.CommitReply committed = replies.receiveMessage();
    assertEquals(null, committed.failure());
    assertEquals(null, committed.results().get(0).failure());

    group.tell(new GroupCoordinator.AckRevocation(8, aId, revoked.generation(), revoked.partitions(), a.ref()));
    GroupCoordinator.Assigned got = expect(b, GroupCoordinator.Assigned.class);
    assertEquals(new HashSet<>(revoked.partitions()), new HashSet<>(got.added()));
    assertTrue(!got.pending());
    assertTrue(bId.startsWith("c-"));
  }

  @Test
  void aMemberThatDoesNotReleaseWithinTheRebalanceTimeoutIsRemoved() {
    TestProbe<GroupRegistry.Command> registry = testKit.createTestProbe();
    var group = coordinator("stubborn", controllerWith("t", 2), registry);
    TestProbe<GroupCoordinator.ToMember> a = testKit.createTestProbe();
    TestProbe<GroupCoordinator.ToMember> b = testKit.createTestProbe();
    group.tell(join("", "t", 10_000, 300, a));
    expect(a, GroupCoordinator.Joined.class);
    untilOwning(a, 2);
    group.tell(join("", "t", 10_000, 300, b));
    expect(a, GroupCoordinator.Revoked.class);
    // a never acknowledges: after its rebalance timeout it is out, and b gets everything.
    GroupCoordinator.Rejected out = expect(a, GroupCoordinator.Rejected.class);
    assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, out.failure().code());
    assertEquals(0, out.correlationId());
    untilOwning(b, 2);
  }

  @Test
  void aRestartedCoordinatorKeepsTheGenerationAndAdoptsTheMembersSessions() {
    TestProbe<GroupRegistry.Command> registry = testKit.createTestProbe();
    var controller = controllerWith("t", 3);
    var group = coordinator("moving", controller, registry);
    TestProbe<GroupCoordinator.ToMember> a = testKit.createTestProbe();
    group.tell(join("", "t", 10_000, 10_000, a));
    String aId = expect(a, GroupCoordinator.Joined.class).memberId();
    untilOwning(a, 3);
    TestProbe<GroupCoordinator.Description> describe = testKit.createTestProbe();
    group.tell(new GroupCoordinator.Describe(describe.ref()));
    int generation = describe.receiveMessage().generation();

    testKit.stop(group);
    var restarted = coordinator("moving", controller, registry);
    restarted.tell(new GroupCoordinator.Describe(describe.ref()));
    GroupCoordinator.Description after = describe.receiveMessage();
    assertEquals(generation, after.generation());
    assertEquals("STABLE", after.state());

    // The member's session keeps heartbeating: it is adopted and told where it stands.
    restarted.tell(new GroupCoordinator.Heartbeat(3, aId, generation, a.ref()));
    GroupCoordinator.Assigned resync = expect(a, GroupCoordinator.Assigned.class);
    assertEquals(3, resync.partitions().size());
    assertEquals(generation, resync.generation());
    assertEquals(generation, expect(a, GroupCoordinator.Acked.class).generation());

    // A stranger is not.
    TestProbe<GroupCoordinator.ToMember> stranger = testKit.createTestProbe();
    restarted.tell(new GroupCoordinator.Heartbeat(4, "stranger", generation, stranger.ref()));
    assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, expect(stranger, GroupCoordinator.Rejected.class).failure().code());
  }

  @Test
  void anotherStreamJoiningWithTheSameMemberIdFencesTheFirst() {
    TestProbe<GroupRegistry.Command> registry = testKit.createTestProbe();
    var group = coordinator("fencing", controllerWith("t", 1), registry);
    TestProbe<GroupCoordinator.ToMember> first = testKit.createTestProbe();
    TestProbe<GroupCoordinator.ToMember> second = testKit.createTestProbe();
    group.tell(join("", "t", 10_000, 10_000, first));
    String id = expect(first, GroupCoordinator.Joined.class).memberId();
    untilOwning(first, 1);
    group.tell(join(id, "t", 10_000, 10_000, second));
    assertEquals(id, expect(second, GroupCoordinator.Joined.class).memberId());
    assertEquals(ErrorCode.FENCED_MEMBER, expect(first, GroupCoordinator.Rejected.class).failure().code());
    untilOwning(second, 1);
    group.tell(new GroupCoordinator.Heartbeat(9, id, 1, first.ref()));
    assertEquals(ErrorCode.FENCED_MEMBER, expect(first, GroupCoordinator.Rejected.class).failure().code());
  }

  @Test
  void offsetsOfAnEmptyGroupExpireAndTheGroupDeletesItself() {
    GroupSettings shortRetention = new GroupSettings(Duration.ofMillis(100), Duration.ofMinutes(1),
        Duration.ofSeconds(45), Duration.ofSeconds(30), Duration.ofMillis(300), Duration.ofMillis(200),
        Duration.ofMillis(50), 32, Duration.ofSeconds(5), Duration.ofSeconds(45), Duration.ofSeconds(3));
    TestProbe<GroupRegistry.Command> registry = testKit.createTestProbe();
    var group = testKit.spawn(GroupCoordinator.create("fleeting", shortRetention, controllerWith("t", 1),
        registry.ref(), self -> testKit.stop(self)));
    TestProbe<GroupCoordinator.CommitReply> replies = testKit.createTestProbe();
    group.tell(new GroupCoordinator.Commit(1, "", -1, List.of(new GroupCoordinator.OffsetToCommit("t", 0, 5, "")),
        null, replies.ref()));
    assertEquals(null, replies.receiveMessage().failure());
    registry.expectMessage(new GroupRegistry.Register("fleeting"));
    // After the retention the offsets expire, the empty group deletes itself and unregisters.
    registry.expectMessage(Duration.ofSeconds(5), new GroupRegistry.Unregister("fleeting"));
    var restarted = testKit.spawn(GroupCoordinator.create("fleeting", shortRetention, controllerWith("t", 1),
        registry.ref(), self -> { }));
    TestProbe<GroupCoordinator.Description> describe = testKit.createTestProbe();
    restarted.tell(new GroupCoordinator.Describe(describe.ref()));
    assertEquals(ErrorCode.GROUP_ID_NOT_FOUND, describe.receiveMessage().failure().code());
  }

  @Test
  void badJoinsAreRejected() {
    TestProbe<GroupRegistry.Command> registry = testKit.createTestProbe();
    var group = coordinator("picky", controllerWith("t", 1), registry);
    TestProbe<GroupCoordinator.ToMember> probe = testKit.createTestProbe();
    group.tell(join("", "t", 10, 1000, probe));
    assertEquals(ErrorCode.INVALID_SESSION_TIMEOUT, expect(probe, GroupCoordinator.Rejected.class).failure().code());
    group.tell(new GroupCoordinator.Join(2, "", "c", "h", List.of(), "", 1000, 1000, "", probe.ref()));
    assertEquals(ErrorCode.INVALID_REQUEST, expect(probe, GroupCoordinator.Rejected.class).failure().code());
    group.tell(new GroupCoordinator.Join(3, "", "c", "h", List.of("t"), "", 1000, 1000, "sticky-ish", probe.ref()));
    assertEquals(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, expect(probe, GroupCoordinator.Rejected.class).failure().code());
  }
}
