package io.skein.server;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.skein.node.SkeinNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** An in-process single-node broker on loopback with its own data directory, for tests. */
public final class TestBroker implements AutoCloseable {

  private final Path dataDir;
  private final Map<String, Object> overrides;
  private SkeinNode node;
  private ManagedChannel channel;

  private TestBroker(Path dataDir, Map<String, Object> overrides) {
    this.dataDir = dataDir;
    this.overrides = overrides;
  }

  public static TestBroker start(Map<String, Object> extra) throws IOException {
    Path dir = Files.createTempDirectory("skein-test-");
    Map<String, Object> overrides = new HashMap<>(extra);
    overrides.put("skein.data-dir", dir.toString());
    overrides.put("skein.grpc.host", "127.0.0.1");
    overrides.putIfAbsent("skein.grpc.port", 0);
    overrides.putIfAbsent("skein.kafka.enabled", true);
    overrides.put("skein.kafka.host", "127.0.0.1");
    overrides.putIfAbsent("skein.kafka.port", 0);
    overrides.put("akka.remote.artery.canonical.hostname", "127.0.0.1");
    overrides.put("akka.remote.artery.canonical.port", 0);
    TestBroker broker = new TestBroker(dir, overrides);
    broker.startNode();
    return broker;
  }

  private void startNode() throws IOException {
    node = SkeinNode.start(SkeinNode.loadConfig(Optional.empty(), overrides));
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
  }

  /** Stops the node cleanly and starts it again on the same data directory. */
  public void restart() throws IOException {
    stopNode();
    startNode();
  }

  public SkeinNode node() {
    return node;
  }

  public ManagedChannel channel() {
    return channel;
  }

  public Path dataDir() {
    return dataDir;
  }

  public String bootstrap() {
    return "127.0.0.1:" + node.grpcPort();
  }

  /** Where Kafka clients connect: the broker's Kafka listener. */
  public String kafkaBootstrap() {
    return "127.0.0.1:" + node.kafkaPort();
  }

  private void stopNode() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    node.close();
  }

  @Override
  public void close() {
    stopNode();
  }
}
