package io.skein.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.Config;
import io.skein.node.BrokerConfig;
import io.skein.partition.PartitionUpdates;
import io.skein.partition.ReplicationConfig;
import io.skein.testing.JournalSystems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster id: created once by the first ask, persisted in the Controller's journal. */
class ControllerClusterIdTest {

  @TempDir
  Path dataDir;

  /** A single-node actor system with the broker's real (H2) journal in {@code dataDir}. */
  private ActorTestKit startSystem() throws Exception {
    return JournalSystems.start(dataDir);
  }

  private static String ask(ActorTestKit testKit, ActorRef<Controller.Command> controller, String proposed) {
    TestProbe<Controller.ClusterId> probe = testKit.createTestProbe();
    controller.tell(new Controller.GetClusterId(proposed, probe.ref()));
    return probe.expectMessageClass(Controller.ClusterId.class, Duration.ofSeconds(15)).id();
  }

  private static ActorRef<Controller.Command> spawnController(ActorTestKit testKit) {
    Config config = testKit.system().settings().config();
    ControllerSettings settings = new ControllerSettings(
        BrokerConfig.from(config).topicDefaults(), ReplicationConfig.largestReplicatedBatch(config));
    return testKit.spawn(Controller.create(settings, new PartitionUpdates(testKit.system())));
  }

  @Test
  void theFirstAskCreatesTheIdWhichSurvivesRestartsAndRecovery() throws Exception {
    ActorTestKit testKit = startSystem();
    String id;
    try {
      ActorRef<Controller.Command> controller = spawnController(testKit);
      id = ask(testKit, controller, null);
      assertNotNull(id);
      assertEquals(id, ask(testKit, controller, null), "a second ask gets the same id");
      assertEquals(id, ask(testKit, controller, "another-id"), "a proposal does not replace an existing id");

      testKit.stop(controller, Duration.ofSeconds(15));
      assertEquals(id, ask(testKit, spawnController(testKit), "another-id"), "recovered from the journal");
    } finally {
      testKit.shutdownTestKit();
    }

    ActorTestKit restarted = startSystem();
    try {
      assertEquals(id, ask(restarted, spawnController(restarted), null), "recovered after a restart");
    } finally {
      restarted.shutdownTestKit();
    }
  }

  @Test
  void aClusterWithoutAnIdAdoptsTheFirstProposal() throws Exception {
    ActorTestKit testKit = startSystem();
    try {
      ActorRef<Controller.Command> controller = spawnController(testKit);
      assertEquals("upgraded-broker-id", ask(testKit, controller, "upgraded-broker-id"));
      assertEquals("upgraded-broker-id", ask(testKit, controller, "second-broker-id"));
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
