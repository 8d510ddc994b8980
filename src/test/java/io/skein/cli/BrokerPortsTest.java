package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.skein.client.ChannelFactory;
import io.skein.node.SkeinNode;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Single-node brokers side by side on one machine, and a port conflict reported in one line. */
class BrokerPortsTest {

  private static final String REMOTING_PORT = "akka.remote.artery.canonical.port";

  private final ListAppender<ILoggingEvent> log = new ListAppender<>();

  @BeforeEach
  void captureLog() {
    log.start();
    root().addAppender(log);
  }

  @AfterEach
  void releaseLog() {
    root().detachAppender(log);
  }

  private static ch.qos.logback.classic.Logger root() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @Test
  void aSingleNodeTakesAnyFreeRemotingPortAndAClusterNodeKeepsItsOwn() {
    assertEquals(0, SkeinNode.loadConfig(Optional.empty(), Map.of()).getInt(REMOTING_PORT));
    assertEquals(25520, SkeinNode.loadConfig(Optional.empty(),
        Map.of("akka.cluster.seed-nodes", List.of("akka://skein@127.0.0.1:25520"))).getInt(REMOTING_PORT));
    assertEquals(25520, SkeinNode.loadConfig(Optional.empty(), Map.of("skein.cluster.bootstrap", true))
        .getInt(REMOTING_PORT));
    assertEquals(25600, SkeinNode.loadConfig(Optional.empty(), Map.of(REMOTING_PORT, 25600)).getInt(REMOTING_PORT));
  }

  @Test
  void twoSingleNodeBrokersWithTheirOwnPortsAndDataRunSideBySide() throws Exception {
    List<SkeinNode> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        nodes.add(SkeinNode.start(SkeinNode.loadConfig(Optional.empty(), Map.of(
            "skein.data-dir", Files.createTempDirectory("skein-side-by-side-").toString(),
            "skein.grpc.port", 0, "skein.kafka.port", 0))));
      }
      assertNotEquals(nodes.get(0).grpcPort(), nodes.get(1).grpcPort());
    } finally {
      nodes.forEach(SkeinNode::close);
    }
  }

  /** Runs {@code skein broker} with {@code args} while {@code port} is taken; returns its stderr. */
  private String brokerWithPortTaken(ServerSocket taken, String... args) throws Exception {
    Path dataDir = Files.createTempDirectory("skein-port-conflict-");
    List<String> command = new ArrayList<>(List.of("broker", "--data-dir", dataDir.toString()));
    command.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode = SkeinCli.run(new SkeinCli(ChannelFactory.plaintext(), new ByteArrayInputStream(new byte[0])),
        command.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    assertEquals(1, exitCode, err.toString());
    assertEquals(1, err.toString().lines().count(), err.toString());
    assertTrue(err.toString().contains(":" + taken.getLocalPort() + " is in use"), err.toString());
    assertTrue(log.list.stream().allMatch(event -> event.getThrowableProxy() == null),
        () -> "a stack trace was logged: " + log.list.stream().filter(e -> e.getThrowableProxy() != null).toList());
    return err.toString();
  }

  private static ServerSocket take() throws Exception {
    return new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
  }

  @Test
  void aTakenGrpcPortIsOneLineNamingTheFlag() throws Exception {
    try (ServerSocket taken = take()) {
      String err = brokerWithPortTaken(taken, "--port", String.valueOf(taken.getLocalPort()), "--kafka-port", "0");
      assertTrue(err.contains("--port (skein.grpc.port)"), err);
    }
  }

  @Test
  void aTakenKafkaPortIsOneLineNamingTheFlag() throws Exception {
    try (ServerSocket taken = take()) {
      String err = brokerWithPortTaken(taken, "--port", "0", "--kafka-port", String.valueOf(taken.getLocalPort()));
      assertTrue(err.contains("--kafka-port (skein.kafka.port)"), err);
    }
  }

  @Test
  void aTakenRemotingPortIsOneLineNamingTheSetting() throws Exception {
    try (ServerSocket taken = take()) {
      Path config = Files.createTempFile("skein-remoting-", ".conf");
      Files.writeString(config, REMOTING_PORT + " = " + taken.getLocalPort() + "\n");
      String err = brokerWithPortTaken(taken, "--config", config.toString(), "--port", "0", "--kafka-port", "0");
      assertTrue(err.contains(REMOTING_PORT), err);
    }
  }

  @Test
  void aTakenManagementPortIsOneLineNamingTheFlag() throws Exception {
    try (ServerSocket taken = take()) {
      Path config = Files.createTempFile("skein-management-", ".conf");
      Files.writeString(config, "skein.management.enabled = on\n");
      String err = brokerWithPortTaken(taken, "--config", config.toString(), "--port", "0", "--kafka-port", "0",
          "--management-port", String.valueOf(taken.getLocalPort()));
      assertTrue(err.contains("--management-port (akka.management.http.port)"), err);
    }
  }
}
