package io.skein.cluster;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import io.skein.broker.Caller;
import io.skein.partition.PartitionUpdates;
import io.skein.server.TestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two Controllers at once (a stand-in while the singleton's node was only slow) cannot both
 * decide: the journal stores each event under the next sequence number of the one persistence
 * id, so the one whose state is behind fails to persist, decides nothing, and comes back with
 * the state the other wrote.
 */
class ControllerFencingTest {

  static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of());
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static <T> T ask(ActorRef<Controller.Command> controller,
      akka.japi.function.Function<ActorRef<T>, Controller.Command> request, Duration timeout) throws Exception {
    ActorSystem<?> system = broker.node().system();
    return AskPattern.ask(controller, request, timeout, system.scheduler()).toCompletableFuture()
        .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
  }

  private static Controller.CreateTopic create(String name, ActorRef<Controller.TopicReply> replyTo) {
    return new Controller.CreateTopic(name, 1, 1, Map.of(), false, replyTo);
  }

  @Test
  void aControllerBehindTheJournalCannotPersistAndCatchesUp() throws Exception {
    ActorSystem<?> system = broker.node().system();
    ActorRef<Controller.Command> rival = system.systemActorOf(Controller.create(
        new ControllerSettings(broker.node().config().topicDefaults(), 1 << 20), new PartitionUpdates(system)),
        "rival-controller", Props.empty());
    // Recovered: it answers from the journal as it was.
    assertFalse(ask(rival, Controller.GetTopics::new, Duration.ofSeconds(20)).byName().containsKey("decided"));

    broker.node().broker().topics().createTopic(Caller.BROKER, "decided", 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    // The rival's next event takes the sequence number the singleton just used: it fails, unanswered.
    ExecutionException unanswered = assertThrows(ExecutionException.class,
        () -> ControllerFencingTest.<Controller.TopicReply>ask(rival, replyTo -> create("stale-decision", replyTo),
            Duration.ofSeconds(3)));
    assertInstanceOf(TimeoutException.class, unanswered.getCause());

    Map<String, ?> topics = broker.node().broker().topics().topics().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertTrue(topics.containsKey("decided") && !topics.containsKey("stale-decision"), topics.keySet().toString());
    // Restarted, the rival recovered what the singleton wrote, and decided nothing of its own.
    assertEventually("the fenced Controller caught up with the journal", Duration.ofSeconds(30), () -> {
      Map<String, ?> seen;
      try {
        seen = ask(rival, Controller.GetTopics::new, Duration.ofSeconds(5)).byName();
      } catch (Exception restarting) {
        return false;
      }
      return seen.containsKey("decided") && !seen.containsKey("stale-decision");
    });
  }

  @Test
  void aControllerAskedAboutALeaderItDidNotElectReadsTheJournalAgain() throws Exception {
    ActorSystem<?> system = broker.node().system();
    broker.node().broker().topics().createTopic(Caller.BROKER, "known", 1, 1, Map.of(), false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    ActorRef<Controller.Command> behind = system.systemActorOf(Controller.create(
        new ControllerSettings(broker.node().config().topicDefaults(), 1 << 20), new PartitionUpdates(system)),
        "controller-behind", Props.empty());
    assertTrue(ask(behind, Controller.GetTopics::new, Duration.ofSeconds(20)).byName().containsKey("known"));
    broker.node().broker().topics().createTopic(Caller.BROKER, "written-meanwhile", 1, 1, Map.of(),
        false).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);

    // A leader at an epoch this Controller never decided: another Controller did, so it re-reads.
    ExecutionException unanswered = assertThrows(ExecutionException.class,
        () -> ControllerFencingTest.<Controller.AlterIsrReply>ask(behind,
            replyTo -> new Controller.AlterIsr("known", 0, 0, 5, 0, List.of(0), replyTo), Duration.ofSeconds(3)));
    assertInstanceOf(TimeoutException.class, unanswered.getCause());
    assertEventually("the Controller read what was written meanwhile", Duration.ofSeconds(30), () -> {
      try {
        return ask(behind, Controller.GetTopics::new, Duration.ofSeconds(5)).byName().containsKey("written-meanwhile");
      } catch (Exception restarting) {
        return false;
      }
    });
  }
}
