package io.skein.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import io.skein.metrics.ChartHistory;
import io.skein.metrics.NodeMetrics;
import io.skein.partition.LocalLeaderLogs;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A broker's answers to any broker's console, every message serialized as between brokers
 * (serialize-messages): its leaders' logs and its share of a chart's history.
 */
class NodeLogsTest {

  private static final ActorTestKit TESTKIT = ActorTestKit.create(ConfigFactory.parseString("""
          akka.actor.serialize-messages = on
          akka.actor.serialization-bindings { "io.skein.common.CborSerializable" = jackson-cbor }
          """).withFallback(ConfigFactory.load()));
  private static final long HOUR = 3_600_000;

  @AfterAll
  static void shutdown() {
    TESTKIT.shutdownTestKit();
  }

  @Test
  void answersItsLeadersLogsAndItsHistoryOfASeries() {
    // Sampled every hour, so the node's own sampling does not replace what the test records.
    ChartHistory history = NodeMetrics.from(ConfigFactory.parseString("""
        skein.metrics { enabled = off, partitions.enabled = off, history { interval = 1 hour, length = 2 hours } }
        """)).history();
    ActorRef<NodeLogs.Command> node =
        TESTKIT.spawn(NodeLogs.create(7, LocalLeaderLogs.get(TESTKIT.system()), history));

    TestProbe<NodeLogs.Logs> logs = TESTKIT.createTestProbe();
    node.tell(new NodeLogs.GetLogs(logs.ref()));
    NodeLogs.Logs answer = logs.receiveMessage();
    assertEquals(7, answer.brokerId());
    assertTrue(answer.partitions().isEmpty(), "this node leads no partition");

    history.topics().record(5 * HOUR + 1_234, Map.of("orders", new long[] {42, 4096}));
    history.groups().record(5 * HOUR + 1_234, Map.of("readers", new long[] {5}));
    TestProbe<NodeLogs.History> histories = TESTKIT.createTestProbe();
    node.tell(new NodeLogs.GetHistory(NodeLogs.Series.TOPIC, "orders", histories.ref()));
    NodeLogs.History topic = histories.receiveMessage();
    assertArrayEquals(new long[] {5 * HOUR}, topic.timesMs());
    assertArrayEquals(new long[] {42}, topic.values()[0]);
    assertArrayEquals(new long[] {4096}, topic.values()[1]);
    node.tell(new NodeLogs.GetHistory(NodeLogs.Series.GROUP, "readers", histories.ref()));
    assertArrayEquals(new long[] {5}, histories.receiveMessage().values()[0]);
    node.tell(new NodeLogs.GetHistory(NodeLogs.Series.TOPIC, "no-such-topic", histories.ref()));
    NodeLogs.History none = histories.receiveMessage();
    assertEquals(0, none.timesMs().length);
    assertEquals(2, none.values().length, "still two columns, empty");
  }
}
