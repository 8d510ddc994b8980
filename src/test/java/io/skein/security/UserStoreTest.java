package io.skein.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import io.skein.common.ErrorCode;
import io.skein.testing.JournalSystems;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's users in their journal: configured users seeded once, changes and deletions that
 * stand, a deletion of a missing credential refused, every node's copy told each change, and
 * the state recovered after a restart.
 */
class UserStoreTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dataDir;

  /** A single-node actor system with the broker's real (H2) journal in {@code dataDir}. */
  private ActorTestKit startSystem() throws Exception {
    return JournalSystems.start(dataDir);
  }

  private static long seed(ActorTestKit testKit, ActorRef<UserStore.Command> store, Map<String, String> passwords) {
    TestProbe<UserStore.Version> probe = testKit.createTestProbe();
    store.tell(new UserStore.Seed(UserCredentials.salt(passwords, 4096), probe.ref()));
    return probe.expectMessageClass(UserStore.Version.class, WAIT).version();
  }

  private static UserStore.Altered alter(ActorTestKit testKit, ActorRef<UserStore.Command> store,
      UserStore.CredentialChange... changes) {
    TestProbe<UserStore.Altered> probe = testKit.createTestProbe();
    store.tell(new UserStore.Alter(List.of(changes), probe.ref()));
    return probe.expectMessageClass(UserStore.Altered.class, WAIT);
  }

  private static UserStore.CredentialChange put(String user, ScramMechanism mechanism, String password) {
    return UserStore.CredentialChange.put(user, ScramCredential.create(mechanism, password, 4096,
        new SecureRandom()));
  }

  /** A node's copy, once it holds {@code version}. */
  private static UserCredentials at(UserCredentials copy, long version) throws Exception {
    copy.whenAt(version).toCompletableFuture().get(15, TimeUnit.SECONDS);
    return copy;
  }

  @Test
  void configuredUsersAreSeededOnceAndChangesStandAcrossRestarts() throws Exception {
    ActorTestKit testKit = startSystem();
    try {
      UserCredentials copy = new UserCredentials();
      testKit.spawn(UserStore.localCopy(copy));
      ActorRef<UserStore.Command> store = testKit.spawn(UserStore.create());

      long seeded = seed(testKit, store, Map.of("alice", "alice-secret", "bob", "bob-secret"));
      assertTrue(at(copy, seeded).check("alice", "alice-secret").isPresent());
      assertTrue(copy.check("bob", "bob-secret").isPresent());
      assertEquals(seeded, seed(testKit, store, Map.of("alice", "another-secret")), "seeded names are not seeded again");

      UserStore.Altered changed = alter(testKit, store, put("alice", ScramMechanism.SCRAM_SHA_512, "alice-new"),
          UserStore.CredentialChange.remove("bob", ScramMechanism.SCRAM_SHA_256),
          UserStore.CredentialChange.remove("carol", ScramMechanism.SCRAM_SHA_512));
      assertEquals(Map.of("carol", ErrorCode.RESOURCE_NOT_FOUND), Map.of("carol", changed.refused().get("carol").code()));
      assertEquals(Set.of("carol"), changed.refused().keySet(), "the others' changes are made");
      at(copy, changed.version());
      assertTrue(copy.check("alice", "alice-new").isPresent());
      assertFalse(copy.check("alice", "alice-secret").isPresent());
      assertTrue(copy.scram("bob", ScramMechanism.SCRAM_SHA_256).isEmpty());
      assertTrue(copy.scram("bob", ScramMechanism.SCRAM_SHA_512).isPresent());

      UserStore.Altered deleted = alter(testKit, store,
          UserStore.CredentialChange.remove("bob", ScramMechanism.SCRAM_SHA_512));
      assertTrue(deleted.refused().isEmpty());
      assertFalse(at(copy, deleted.version()).users().containsKey("bob"));
    } finally {
      testKit.shutdownTestKit();
    }

    ActorTestKit restarted = startSystem();
    try {
      UserCredentials copy = new UserCredentials();
      restarted.spawn(UserStore.localCopy(copy));
      ActorRef<UserStore.Command> store = restarted.spawn(UserStore.create());
      long version = seed(restarted, store, Map.of("alice", "alice-secret", "bob", "bob-secret", "dan", "dan-secret"));
      at(copy, version);
      assertTrue(copy.check("alice", "alice-new").isPresent(), "a changed password is not seeded over");
      assertFalse(copy.users().containsKey("bob"), "a deleted configured user is not created again");
      assertTrue(copy.check("dan", "dan-secret").isPresent(), "a newly configured user is created");
    } finally {
      restarted.shutdownTestKit();
    }
  }

  @Test
  void whatTravelsBetweenNodesKeepsEveryCredentialByte() throws Exception {
    ActorTestKit testKit = startSystem();
    try {
      Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
      UserStore.UsersChanged sent = new UserStore.UsersChanged(7, UserCredentials.salt(Map.of("alice", "s"), 4096));
      Serializer serializer = serialization.findSerializerFor(sent);
      UserStore.UsersChanged received = (UserStore.UsersChanged) serialization.deserialize(
          serialization.serialize(sent).get(), serializer.identifier(), Serializers.manifestFor(serializer, sent)).get();
      assertEquals(7, received.version());
      ScramCredential before = sent.users().get("alice").get(ScramMechanism.SCRAM_SHA_512);
      ScramCredential after = received.users().get("alice").get(ScramMechanism.SCRAM_SHA_512);
      assertArrayEquals(before.salt(), after.salt());
      assertArrayEquals(before.storedKey(), after.storedKey());
      assertArrayEquals(before.serverKey(), after.serverKey());
      assertEquals(before.iterations(), after.iterations());
      assertTrue(after.matches("s"));
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
