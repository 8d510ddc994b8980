package io.skein.console;

import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.skein.broker.Broker;
import io.skein.broker.Caller;
import io.skein.group.GroupCoordinator;
import io.skein.server.TestBroker;
import io.skein.metrics.PrometheusText;
import io.skein.testing.FreePorts;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's JSON API against a real broker: answers, and errors with their HTTP statuses. */
class ConsoleApiTest {

  private static TestBroker broker;
  private static ConsoleHttp http;
  private static int managementPort;

  @BeforeAll
  static void start() throws Exception {
    int port = FreePorts.on("127.0.0.1");
    broker = TestBroker.start(Map.of("skein.management.enabled", true, "akka.management.http.hostname", "127.0.0.1",
        "akka.management.http.port", port, "skein.metrics.history.interval", "1s"));
    managementPort = port;
    http = new ConsoleHttp(port);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Broker requests() {
    return broker.node().broker();
  }

  private static void produce(String topic, int partition, List<SimpleRecord> records) throws Exception {
    requests().partitions().produce(Caller.BROKER, topic, partition, -1, 0, CompressionType.NONE, records)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertError(ConsoleHttp.Answer answer, int status, String error) {
    assertEquals(status, answer.status(), answer.body());
    assertEquals(error, answer.json().get("error").asText(), answer.body());
    assertFalse(answer.json().get("message").asText().isEmpty(), answer.body());
  }

  @Test
  void describesTheCluster() {
    ConsoleHttp.Answer cluster = http.get("/console/api/cluster");
    assertEquals(200, cluster.status(), cluster.body());
    int self = broker.node().config().brokerId();
    assertEquals(self, cluster.json().get("controllerId").asInt());
    assertEquals(1, cluster.json().get("brokers").size());
    assertTrue(cluster.json().get("brokers").get(0).get("controller").asBoolean());
    assertFalse(cluster.json().get("clusterId").asText().isEmpty());
  }

  @Test
  void createsDescribesAltersAndDeletesATopic() {
    ConsoleHttp.Answer created = http.post("/console/api/topics",
        "{\"name\":\"console-orders\",\"partitions\":3,\"configs\":{\"retention.ms\":\"3600000\"}}");
    assertEquals(201, created.status(), created.body());
    assertEquals(3, created.json().get("partitions").size());
    assertEquals("TOPIC_OVERRIDE", config(created.json(), "retention.ms").get("source").asText());

    assertError(http.post("/console/api/topics", "{\"name\":\"console-orders\"}"), 409, "TOPIC_ALREADY_EXISTS");
    assertError(http.post("/console/api/topics", "{\"name\":\"bad-config\",\"configs\":{\"retention.ms\":\"soon\"}}"),
        400, "INVALID_CONFIG");
    assertError(http.post("/console/api/topics", "{\"partitions\":1}"), 400, "INVALID_REQUEST");
    assertError(http.post("/console/api/topics", "not json"), 400, "INVALID_REQUEST");

    ConsoleHttp.Answer topics = http.get("/console/api/topics");
    assertEquals(200, topics.status());
    boolean listed = false;
    for (JsonNode topic : topics.json()) {
      listed |= topic.get("name").asText().equals("console-orders") && topic.get("partitions").asInt() == 3;
    }
    assertTrue(listed, topics.body());

    ConsoleHttp.Answer described = http.get("/console/api/topics/console-orders");
    assertEquals(200, described.status(), described.body());
    JsonNode partition = described.json().get("partitions").get(0);
    assertEquals(broker.node().config().brokerId(), partition.get("leader").asInt());
    assertEquals(0, partition.get("highWatermark").asLong());

    ConsoleHttp.Answer altered = http.patch("/console/api/topics/console-orders/configs",
        "{\"set\":{\"cleanup.policy\":\"compact\"},\"delete\":[\"retention.ms\"]}");
    assertEquals(200, altered.status(), altered.body());
    assertEquals("compact", config(altered.json(), "cleanup.policy").get("value").asText());
    assertEquals("TOPIC_OVERRIDE", config(altered.json(), "cleanup.policy").get("source").asText());
    assertFalse(config(altered.json(), "retention.ms").get("source").asText().equals("TOPIC_OVERRIDE"));
    assertError(http.patch("/console/api/topics/console-orders/configs", "{\"set\":{\"no.such.config\":\"1\"}}"),
        400, "INVALID_CONFIG");
    assertError(http.patch("/console/api/topics/console-orders/configs", "{}"), 400, "INVALID_REQUEST");

    assertError(http.delete("/console/api/topics/console-orders"), 400, "INVALID_REQUEST");
    assertError(http.delete("/console/api/topics/console-orders?confirm=other"), 400, "INVALID_REQUEST");
    assertEquals(200, http.delete("/console/api/topics/console-orders?confirm=console-orders").status());
    assertError(http.get("/console/api/topics/console-orders"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
  }

  private static JsonNode config(JsonNode topicOrConfigs, String name) {
    JsonNode configs = topicOrConfigs.has("configs") ? topicOrConfigs.get("configs") : topicOrConfigs;
    for (JsonNode config : configs) {
      if (config.get("name").asText().equals(name)) {
        return config;
      }
    }
    throw new AssertionError("no config " + name + " in " + configs);
  }

  @Test
  void browsesMessagesByOffsetTimeAndNewestShowingJsonTextAndBinary() throws Exception {
    assertEquals(201, http.post("/console/api/topics", "{\"name\":\"console-browse\",\"partitions\":2}").status());
    Header[] headers = {new RecordHeader("trace", utf8("abc"))};
    produce("console-browse", 1, List.of(
        new SimpleRecord(1_000L, utf8("k1"), utf8("{\"id\":1,\"items\":[2,3]}"), headers),
        new SimpleRecord(2_000L, null, utf8("plain text"), new Header[0]),
        new SimpleRecord(3_000L, utf8("k3"), new byte[] {0, 1, (byte) 0xfe}, new Header[0])));

    ConsoleHttp.Answer all = http.get("/console/api/topics/console-browse/messages?partition=1&offset=0");
    assertEquals(200, all.status(), all.body());
    JsonNode messages = all.json().get("messages");
    assertEquals(3, messages.size(), all.body());
    assertEquals(3, all.json().get("nextOffset").asLong());
    JsonNode first = messages.get(0);
    assertEquals("JSON", first.get("value").get("format").asText());
    assertTrue(first.get("value").get("text").asText().contains("\n"), "pretty-printed: " + first);
    assertEquals("k1", first.get("key").get("text").asText());
    assertEquals(1_000L, first.get("timestamp").asLong());
    assertEquals("trace", first.get("headers").get(0).get("key").asText());
    assertEquals("abc", first.get("headers").get(0).get("value").get("text").asText());
    assertEquals("NULL", messages.get(1).get("key").get("format").asText());
    assertEquals("TEXT", messages.get(1).get("value").get("format").asText());
    assertEquals("BINARY", messages.get(2).get("value").get("format").asText());
    assertEquals("00 01 fe", messages.get(2).get("value").get("text").asText());

    JsonNode newest = http.get("/console/api/topics/console-browse/messages?partition=1&limit=1").json();
    assertEquals(2, newest.get("messages").get(0).get("offset").asLong(), newest.toString());
    JsonNode fromTime = http.get("/console/api/topics/console-browse/messages?partition=1&timestamp=1500").json();
    assertEquals(1, fromTime.get("messages").get(0).get("offset").asLong(), fromTime.toString());
    assertEquals(2, fromTime.get("messages").size());
    JsonNode paged = http.get("/console/api/topics/console-browse/messages?partition=1&offset=0&limit=2").json();
    assertEquals(2, paged.get("messages").size());
    assertEquals(2, paged.get("nextOffset").asLong());
    JsonNode atEnd = http.get("/console/api/topics/console-browse/messages?partition=1&offset=3&wait=100").json();
    assertEquals(0, atEnd.get("messages").size());
    assertEquals(3, atEnd.get("nextOffset").asLong());
    assertEquals(0, http.get("/console/api/topics/console-browse/messages?partition=0").json()
        .get("messages").size());

    assertError(http.get("/console/api/topics/console-browse/messages?partition=1&limit=0"), 400, "INVALID_REQUEST");
    assertError(http.get("/console/api/topics/console-browse/messages?offset=abc"), 400, "INVALID_REQUEST");
    assertError(http.get("/console/api/topics/console-browse/messages?offset=1&timestamp=1"), 400, "INVALID_REQUEST");
    assertError(http.get("/console/api/topics/console-browse/messages?partition=7"), 404,
        "UNKNOWN_TOPIC_OR_PARTITION");
    assertError(http.get("/console/api/topics/no-such-topic/messages"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
  }

  @Test
  void readsAGroupsLagAndResetsItsOffsets() throws Exception {
    assertEquals(201, http.post("/console/api/topics", "{\"name\":\"console-lag\",\"partitions\":1}").status());
    produce("console-lag", 0, List.of(new SimpleRecord(0L, utf8("a"), utf8("1")), new SimpleRecord(0L, utf8("b"), utf8("2")),
        new SimpleRecord(0L, utf8("c"), utf8("3")), new SimpleRecord(0L, utf8("d"), utf8("4"))));
    requests().groups().commitOffsets(Caller.BROKER, "console-readers", "", -1,
        List.of(new GroupCoordinator.OffsetToCommit("console-lag", 0, 1, ""))).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    ConsoleHttp.Answer groups = http.get("/console/api/groups");
    assertEquals(200, groups.status(), groups.body());
    assertTrue(groups.body().contains("\"console-readers\""), groups.body());

    ConsoleHttp.Answer group = http.get("/console/api/groups/console-readers");
    assertEquals(200, group.status(), group.body());
    assertEquals(3, group.json().get("totalLag").asLong(), group.body());
    JsonNode lag = group.json().get("lags").get(0);
    assertEquals(1, lag.get("committedOffset").asLong());
    assertEquals(4, lag.get("highWatermark").asLong());

    ConsoleHttp.Answer preview = http.post("/console/api/groups/console-readers/reset", "{\"to\":\"latest\"}");
    assertEquals(200, preview.status(), preview.body());
    assertEquals(4, preview.json().get(0).get("offset").asLong());
    assertEquals(3, http.get("/console/api/groups/console-readers").json().get("totalLag").asLong(),
        "a preview commits nothing");
    ConsoleHttp.Answer reset = http.post("/console/api/groups/console-readers/reset",
        "{\"to\":\"offset\",\"value\":2,\"execute\":true}");
    assertEquals(200, reset.status(), reset.body());
    assertEquals(2, http.get("/console/api/groups/console-readers").json().get("totalLag").asLong());

    assertError(http.post("/console/api/groups/console-readers/reset", "{\"to\":\"yesterday\"}"), 400,
        "INVALID_REQUEST");
    assertError(http.post("/console/api/groups/console-readers/reset", "{\"to\":\"offset\"}"), 400, "INVALID_REQUEST");
    assertError(http.get("/console/api/groups/no-such-group"), 404, "GROUP_ID_NOT_FOUND");
  }

  @Test
  void servesTheAppAndItsChartLibraryFromTheJar() {
    ConsoleHttp.Answer page = http.get("/console/");
    assertEquals(200, page.status());
    assertTrue(page.body().contains("<title>Skein console</title>"), page.body());
    assertEquals(200, http.get("/console/app.js").status());
    assertEquals(200, http.get("/console/pages/messages.js").status());
    ConsoleHttp.Answer uplot = http.get("/console/vendor/uplot/uPlot.esm.js");
    assertEquals(200, uplot.status());
    assertTrue(uplot.body().contains("uPlot"));
    assertError(http.get("/console/api/nothing-here"), 404, "NOT_FOUND");
  }

  @Test
  void chartsOpenWithTheBrokersHistoryOfATopicAndAGroup() throws Exception {
    assertEquals(201, http.post("/console/api/topics", "{\"name\":\"console-history\",\"partitions\":2}").status());
    produce("console-history", 0, List.of(new SimpleRecord(0L, utf8("a"), utf8("1")),
        new SimpleRecord(0L, utf8("b"), utf8("2"))));
    produce("console-history", 1, List.of(new SimpleRecord(0L, utf8("c"), utf8("3"))));
    assertEventually("two samples of the topic after its records", Duration.ofSeconds(20), () -> {
      JsonNode history = http.get("/console/api/topics/console-history/history").json();
      int last = history.get("timestamps").size() - 1;
      return last >= 1 && history.get("endOffsets").get(last).asLong() == 3
          && history.get("endOffsets").get(last - 1).asLong() == 3;
    });
    JsonNode history = http.get("/console/api/topics/console-history/history").json();
    int last = history.get("timestamps").size() - 1;
    assertTrue(history.get("sizeBytes").get(last).asLong() > 0, history.toString());
    assertEquals(0, history.get("timestamps").get(last).asLong() % 1000, "samples on the interval: " + history);
    assertTrue(history.get("timestamps").get(last).asLong() > history.get("timestamps").get(last - 1).asLong());
    JsonNode none = http.get("/console/api/topics/no-such-topic/history").json();
    assertEquals(0, none.get("timestamps").size(), "no series for what does not exist: " + none);

    requests().groups().commitOffsets(Caller.BROKER, "console-history-readers", "", -1,
        List.of(new GroupCoordinator.OffsetToCommit("console-history", 0, 1, ""))).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    // The group gauges' refresh samples groups, every 5 s.
    assertEventually("a sample of the group's lag", Duration.ofSeconds(20), () -> {
      JsonNode lags = http.get("/console/api/groups/console-history-readers/history").json().get("totalLag");
      return lags.size() > 0 && lags.get(lags.size() - 1).asLong() == 1;
    });
  }

  @Test
  void aPollOfTheTopicsAsksEachBrokerOnceNotEachPartitionLeader() {
    assertEquals(201, http.post("/console/api/topics", "{\"name\":\"console-many\",\"partitions\":12}").status());
    // Past the freshness of an earlier answer, a poll asks the one broker once (asking each partition
    // leader, as describing the topics does, was a request per partition: 12 for this topic alone).
    assertEventually("a fresh poll asks the broker once", Duration.ofSeconds(10), () -> {
      double before = logRequests();
      ConsoleHttp.Answer topics = http.get("/console/api/topics");
      assertEquals(200, topics.status(), topics.body());
      return logRequests() - before == 1;
    });
    // Many pages polling share the answers: at most one per broker per freshness interval.
    double before = logRequests();
    long start = System.nanoTime();
    for (int poll = 0; poll < 10; poll++) {
      assertEquals(200, http.get("/console/api/topics").status());
      assertEquals(200, http.get("/console/api/topics/console-many").status());
    }
    long intervals = (System.nanoTime() - start) / ClusterLogs.FRESH_FOR.toNanos();
    double asked = logRequests() - before;
    assertTrue(asked <= 1 + intervals, asked + " requests for 20 polls over " + intervals + " intervals");
  }

  private static double logRequests() {
    return PrometheusText.scrape("127.0.0.1", managementPort).sum("skein_console_log_requests_total");
  }
}
