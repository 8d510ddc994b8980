package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.server.TestBroker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.tools.ConsoleProducer;
import org.apache.kafka.tools.ConsumerPerformance;
import org.apache.kafka.tools.ProducerPerformance;
import org.apache.kafka.tools.TopicCommand;
import org.apache.kafka.tools.consumer.ConsoleConsumer;
import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka's own command-line tools, run through their entry points as a user would run
 * {@code bin/kafka-*.sh}: console producer and consumer, consumer groups, configs and the
 * performance tools. Each run must exit with 0; the tests read what it printed.
 */
class KafkaCommandLineToolsTest {

  private static final int NOT_EXITED = Integer.MIN_VALUE;
  private static TestBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = TestBroker.start(Map.of("skein.group.min-session-timeout", "500ms", "skein.group.check-interval", "100ms"));
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  /**
   * Runs a tool's main with stdin {@code input}; what it printed, after checking it exited
   * with 0 (or returned), and ran the shutdown hooks it registered. Only the calling thread's
   * output is captured: the broker in this JVM logs too.
   */
  static String run(String tool, ToolMain main, String input, String... args) {
    AtomicInteger exitCode = new AtomicInteger(NOT_EXITED);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    InputStream originalIn = System.in;
    Exit.setExitProcedure((code, message) -> exitCode.compareAndSet(NOT_EXITED, code));
    List<Runnable> shutdownHooks = new ArrayList<>();
    Exit.setShutdownHookAdder((name, hook) -> shutdownHooks.add(hook));
    System.setOut(thisThreadTo(out, originalOut));
    System.setErr(thisThreadTo(err, originalErr));
    System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
    try {
      main.run(args);
      // What the JVM would run on exit: console-producer closes (and so flushes) its producer only there.
      shutdownHooks.forEach(Runnable::run);
    } catch (Exception e) {
      throw new AssertionError(tool + " " + String.join(" ", args) + " failed", e);
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
      System.setIn(originalIn);
      Exit.resetExitProcedure();
      Exit.resetShutdownHookAdder();
    }
    String output = out.toString(StandardCharsets.UTF_8);
    assertTrue(exitCode.get() == 0 || exitCode.get() == NOT_EXITED, tool + " " + String.join(" ", args) + " printed: " + output
        + "\nand on stderr: " + err.toString(StandardCharsets.UTF_8));
    return output;
  }

  /** A stream that sends the calling thread's writes to {@code captured} and other threads' to {@code others}. */
  private static PrintStream thisThreadTo(ByteArrayOutputStream captured, PrintStream others) {
    Thread tool = Thread.currentThread();
    return new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) {
        if (Thread.currentThread() == tool) {
          captured.write(bytes, offset, length);
        } else {
          others.write(bytes, offset, length);
        }
      }
    }, true, StandardCharsets.UTF_8);
  }

  /** A tool's static main. */
  interface ToolMain {
    void run(String[] args) throws Exception;
  }

  private static String[] withBootstrap(String... args) {
    List<String> all = new ArrayList<>(List.of("--bootstrap-server", broker.kafkaBootstrap()));
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }

  private static String kafkaTopics(String... args) {
    return run("kafka-topics", TopicCommand::main, "", withBootstrap(args));
  }

  private static void consoleProduce(String topic, String lines) {
    run("kafka-console-producer", ConsoleProducer::main, lines, withBootstrap("--topic", topic,
        "--property", "parse.key=true", "--property", "key.separator=:"));
  }

  /** The consumed records, one a line; without the notice that {@code --property} is deprecated (for {@code --formatter-property}). */
  private static String consoleConsume(String... args) {
    return run("kafka-console-consumer", ConsoleConsumer::main, "", withBootstrap(args)).lines()
        .filter(line -> !line.startsWith("Option --property is deprecated"))
        .collect(Collectors.joining("\n"));
  }

  private static String consumerGroups(String... args) {
    return run("kafka-consumer-groups", ConsumerGroupCommand::main, "", withBootstrap(args));
  }

  /** The rows of a kafka-consumer-groups table for this topic, partition first, as whitespace-split columns. */
  private static Map<Integer, List<String>> rowsFor(String table, String topic) {
    return table.lines().map(line -> Arrays.asList(line.trim().split("\\s+")))
        .filter(columns -> columns.size() > 3 && columns.get(1).equals(topic))
        .collect(Collectors.toMap(columns -> Integer.parseInt(columns.get(2)), columns -> columns));
  }

  /** The committed offset of each partition, as kafka-consumer-groups --describe prints it. */
  private static Map<Integer, String> committed(String group, String topic) {
    Map<Integer, List<String>> rows = rowsFor(consumerGroups("--describe", "--group", group), topic);
    return rows.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(3)));
  }

  @Test
  void consoleToolsProduceAndConsumeKeyedRecordsInAGroup() {
    kafkaTopics("--create", "--topic", "tools-console", "--partitions", "2", "--replication-factor", "1");
    consoleProduce("tools-console", "k1:one\nk2:two\nk3:three\nk4:four\n");

    String consumed = consoleConsume("--topic", "tools-console", "--from-beginning", "--max-messages", "4",
        "--timeout-ms", "30000", "--group", "tools-console-readers", "--property", "print.key=true",
        "--property", "key.separator=:");
    assertEquals(List.of("k1:one", "k2:two", "k3:three", "k4:four"), consumed.lines().sorted().toList());

    assertTrue(consumerGroups("--list").lines().anyMatch("tools-console-readers"::equals));
    String described = consumerGroups("--describe", "--group", "tools-console-readers");
    Map<Integer, List<String>> rows = rowsFor(described, "tools-console");
    assertEquals(2, rows.size(), described);
    long total = 0;
    for (List<String> row : rows.values()) {
      assertEquals(row.get(3), row.get(4), "current offset is the log end: " + described);
      assertEquals("0", row.get(5), "no lag: " + described);
      total += Long.parseLong(row.get(4));
    }
    assertEquals(4, total, described);

    consoleProduce("tools-console", "k5:five\n");
    String behind = consumerGroups("--describe", "--group", "tools-console-readers");
    long lag = rowsFor(behind, "tools-console").values().stream().mapToLong(row -> Long.parseLong(row.get(5))).sum();
    assertEquals(1, lag, behind);
    String rest = consoleConsume("--topic", "tools-console", "--max-messages", "1", "--timeout-ms", "30000",
        "--group", "tools-console-readers");
    assertEquals("five", rest.strip());
  }

  @Test
  void consumerGroupOffsetsAreResetDeletedAndTheGroupRemoved() {
    kafkaTopics("--create", "--topic", "tools-reset", "--partitions", "1", "--replication-factor", "1");
    consoleProduce("tools-reset", "a:0\nb:1\nc:2\nd:3\ne:4\n");
    consoleConsume("--topic", "tools-reset", "--from-beginning", "--max-messages", "5", "--timeout-ms", "30000",
        "--group", "tools-reset-group");
    assertEquals(Map.of(0, "5"), committed("tools-reset-group", "tools-reset"));

    String reset = consumerGroups("--reset-offsets", "--group", "tools-reset-group", "--topic", "tools-reset",
        "--to-earliest", "--execute");
    assertEquals("0", rowsFor(reset, "tools-reset").get(0).get(3), reset);
    assertEquals(Map.of(0, "0"), committed("tools-reset-group", "tools-reset"));

    consumerGroups("--reset-offsets", "--group", "tools-reset-group", "--topic", "tools-reset", "--to-offset", "3",
        "--execute");
    assertEquals(Map.of(0, "3"), committed("tools-reset-group", "tools-reset"));

    consumerGroups("--reset-offsets", "--group", "tools-reset-group", "--topic", "tools-reset", "--shift-by", "-2",
        "--execute");
    assertEquals(Map.of(0, "1"), committed("tools-reset-group", "tools-reset"));
    String fromOne = consoleConsume("--topic", "tools-reset", "--max-messages", "4", "--timeout-ms", "30000",
        "--group", "tools-reset-group");
    assertEquals(List.of("1", "2", "3", "4"), fromOne.lines().toList());

    String deletedOffsets = consumerGroups("--delete-offsets", "--group", "tools-reset-group", "--topic",
        "tools-reset");
    assertTrue(deletedOffsets.contains("Successful"), deletedOffsets);
    assertTrue(committed("tools-reset-group", "tools-reset").isEmpty());

    String deleted = consumerGroups("--delete", "--group", "tools-reset-group");
    assertTrue(deleted.contains("Deletion of requested consumer groups ('tools-reset-group') was successful."),
        deleted);
    assertFalse(consumerGroups("--list").lines().anyMatch("tools-reset-group"::equals));
  }

  @Test
  void performanceToolsProduceAndReadBackFiftyThousandRecords() {
    kafkaTopics("--create", "--topic", "tools-perf", "--partitions", "3", "--replication-factor", "1");
    String produced = run("kafka-producer-perf-test", ProducerPerformance::main, "",
        "--topic", "tools-perf", "--num-records", "50000", "--record-size", "100", "--throughput", "-1",
        "--producer-props", "bootstrap.servers=" + broker.kafkaBootstrap(), "acks=all");
    assertTrue(produced.contains("50000 records sent"), produced);

    String consumed = run("kafka-consumer-perf-test", ConsumerPerformance::main, "",
        withBootstrap("--topic", "tools-perf", "--messages", "50000", "--timeout", "60000", "--hide-header"));
    // One CSV line: start, end, MB, MB/s, records, records/s, ...
    List<String> columns = Arrays.asList(consumed.strip().lines().reduce((a, b) -> b).orElseThrow().split(",\\s*"));
    assertEquals(50000, Long.parseLong(columns.get(4)), consumed);
  }
}
