package io.skein.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.PatternType;
import io.skein.security.Acl.Permission;
import io.skein.security.Acl.ResourceType;
import io.skein.testing.JournalSystems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster's ACLs in their journal: added, deleted by filter, every node's copy told, recovered after a restart. */
class AclStoreTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final Acl ALICE_READS = new Acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice",
      "*", Operation.READ, Permission.ALLOW);
  private static final Acl BOB_WRITES = new Acl(ResourceType.TOPIC, "orders-", PatternType.PREFIXED, "User:bob",
      "*", Operation.WRITE, Permission.ALLOW);
  private static final Acl GROUP = new Acl(ResourceType.GROUP, "*", PatternType.LITERAL, "User:*", "*",
      Operation.READ, Permission.ALLOW);

  @TempDir
  Path dataDir;

  private static long create(ActorTestKit testKit, ActorRef<AclStore.Command> store, Acl... acls) {
    TestProbe<AclStore.Version> probe = testKit.createTestProbe();
    store.tell(new AclStore.Create(List.of(acls), probe.ref()));
    return probe.expectMessageClass(AclStore.Version.class, WAIT).version();
  }

  private static void reach(Acls copy, long version) throws Exception {
    copy.whenAt(version).toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @Test
  void aclsStandAcrossRestartsAndReachEveryCopy() throws Exception {
    ActorTestKit testKit = JournalSystems.start(dataDir);
    try {
      Acls copy = new Acls();
      testKit.spawn(AclStore.localCopy(copy));
      ActorRef<AclStore.Command> store = testKit.spawn(AclStore.create());

      long created = create(testKit, store, ALICE_READS, BOB_WRITES, GROUP);
      reach(copy, created);
      assertEquals(Set.of(ALICE_READS, BOB_WRITES, GROUP), copy.all());
      assertEquals(created, create(testKit, store, ALICE_READS), "an ACL already there is no change");

      TestProbe<AclStore.Deleted> probe = testKit.createTestProbe();
      AclFilter topicsMatchingOrdersEu = new AclFilter(ResourceType.TOPIC, "orders-eu", PatternType.MATCH, null,
          null, Operation.ANY, Permission.ANY);
      AclFilter nothing = new AclFilter(ResourceType.CLUSTER, null, PatternType.ANY, null, null, Operation.ANY,
          Permission.ANY);
      store.tell(new AclStore.Delete(List.of(topicsMatchingOrdersEu, nothing), probe.ref()));
      AclStore.Deleted deleted = probe.expectMessageClass(AclStore.Deleted.class, WAIT);
      assertEquals(List.of(List.of(BOB_WRITES), List.of()), deleted.matched());
      reach(copy, deleted.version());
      assertEquals(Set.of(ALICE_READS, GROUP), copy.all());
    } finally {
      testKit.shutdownTestKit();
    }
    ActorTestKit restarted = JournalSystems.start(dataDir);
    try {
      Acls copy = new Acls();
      restarted.spawn(AclStore.localCopy(copy));
      ActorRef<AclStore.Command> store = restarted.spawn(AclStore.create());
      TestProbe<AclStore.Version> probe = restarted.createTestProbe();
      store.tell(new AclStore.GetVersion(probe.ref()));
      reach(copy, probe.expectMessageClass(AclStore.Version.class, WAIT).version());
      assertEquals(Set.of(ALICE_READS, GROUP), copy.all());
    } finally {
      restarted.shutdownTestKit();
    }
  }
}
