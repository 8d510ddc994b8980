package io.skein.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import io.skein.security.quota.QuotaEntity;
import io.skein.security.quota.QuotaEntity.Name;
import io.skein.security.quota.QuotaKey;
import io.skein.testing.JournalSystems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster's client quotas in their journal: set, removed, every node's copy told, recovered after a restart. */
class QuotaStoreTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final QuotaEntity ALICE = QuotaEntity.user(Name.of("alice"));
  private static final QuotaEntity DEFAULT_CLIENT = QuotaEntity.userAndClientId(Name.of("bob"), Name.DEFAULT);
  private static final QuotaEntity CLIENT = QuotaEntity.clientId(Name.of("app"));

  @TempDir
  Path dataDir;

  private static long alter(ActorTestKit testKit, ActorRef<QuotaStore.Command> store,
      QuotaStore.Alteration... alterations) {
    TestProbe<QuotaStore.Version> probe = testKit.createTestProbe();
    store.tell(new QuotaStore.Alter(List.of(alterations), probe.ref()));
    return probe.expectMessageClass(QuotaStore.Version.class, WAIT).version();
  }

  private static void reach(Quotas copy, long version) throws Exception {
    copy.whenAt(version).toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @Test
  void quotasStandAcrossRestartsAndReachEveryCopy() throws Exception {
    ActorTestKit testKit = JournalSystems.start(dataDir);
    try {
      Quotas copy = new Quotas();
      testKit.spawn(QuotaStore.localCopy(copy));
      ActorRef<QuotaStore.Command> store = testKit.spawn(QuotaStore.create());

      long set = alter(testKit, store,
          new QuotaStore.Alteration(ALICE, Map.of(QuotaKey.PRODUCER_BYTE_RATE, 1024.0,
              QuotaKey.REQUEST_PERCENTAGE, 12.5), Set.of()),
          new QuotaStore.Alteration(DEFAULT_CLIENT, Map.of(QuotaKey.CONSUMER_BYTE_RATE, 2048.0), Set.of()),
          new QuotaStore.Alteration(CLIENT, Map.of(QuotaKey.PRODUCER_BYTE_RATE, 10.0), Set.of()));
      reach(copy, set);
      assertEquals(Map.of(QuotaKey.PRODUCER_BYTE_RATE, 1024.0, QuotaKey.REQUEST_PERCENTAGE, 12.5),
          copy.configs().of(ALICE));
      assertEquals(1024.0, copy.configs().bound(QuotaKey.PRODUCER_BYTE_RATE, "alice", "any").orElseThrow().limit());
      assertEquals(2048.0, copy.configs().bound(QuotaKey.CONSUMER_BYTE_RATE, "bob", "x").orElseThrow().limit());

      long removed = alter(testKit, store,
          new QuotaStore.Alteration(ALICE, Map.of(), Set.of(QuotaKey.REQUEST_PERCENTAGE)),
          new QuotaStore.Alteration(CLIENT, Map.of(), Set.of(QuotaKey.PRODUCER_BYTE_RATE)));
      assertTrue(removed > set);
      reach(copy, removed);
      assertEquals(Map.of(QuotaKey.PRODUCER_BYTE_RATE, 1024.0), copy.configs().of(ALICE));
      assertEquals(Set.of(ALICE, DEFAULT_CLIENT), copy.configs().entries().keySet(), "an entity left without keys goes");
      assertEquals(removed, alter(testKit, store), "no alteration is no change");
    } finally {
      testKit.shutdownTestKit();
    }
    ActorTestKit restarted = JournalSystems.start(dataDir);
    try {
      Quotas copy = new Quotas();
      restarted.spawn(QuotaStore.localCopy(copy));
      ActorRef<QuotaStore.Command> store = restarted.spawn(QuotaStore.create());
      TestProbe<QuotaStore.Version> probe = restarted.createTestProbe();
      store.tell(new QuotaStore.GetVersion(probe.ref()));
      reach(copy, probe.expectMessageClass(QuotaStore.Version.class, WAIT).version());
      assertEquals(Map.of(QuotaKey.PRODUCER_BYTE_RATE, 1024.0), copy.configs().of(ALICE));
      assertEquals(Map.of(QuotaKey.CONSUMER_BYTE_RATE, 2048.0), copy.configs().of(DEFAULT_CLIENT));
    } finally {
      restarted.shutdownTestKit();
    }
  }
}
