package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.skein.proto.v1.AdminServiceGrpc;
import io.skein.proto.v1.DescribeClusterRequest;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A starting broker takes the cluster's id from the Controller and reconciles its data directory with it. */
class ClusterIdStartupTest {

  @TempDir
  Path dataDir;

  private SkeinNode start() throws IOException {
    return SkeinNode.start(SkeinNode.loadConfig(Optional.empty(), Map.of(
        "skein.data-dir", dataDir.toString(),
        "skein.grpc.host", "127.0.0.1",
        "skein.grpc.port", 0,
        "skein.kafka.port", 0,
        "akka.remote.artery.canonical.hostname", "127.0.0.1",
        "akka.remote.artery.canonical.port", 0)));
  }

  private static String describedClusterId(SkeinNode node) throws InterruptedException {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext().build();
    try {
      return AdminServiceGrpc.newBlockingStub(channel).describeCluster(DescribeClusterRequest.getDefaultInstance())
          .getClusterId();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private Properties meta() throws IOException {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(dataDir.resolve(NodeIdentity.FILE))) {
      props.load(reader);
    }
    return props;
  }

  @Test
  void anUpgradedBrokerKeepsItsIdAndAnotherClustersDirectoryIsRefused() throws Exception {
    // Written by a broker from before cluster-wide ids: the new cluster adopts its id.
    Files.writeString(dataDir.resolve(NodeIdentity.FILE), "version=1\nbroker.id=0\ncluster.id=old-local-id\n");
    try (SkeinNode node = start()) {
      assertEquals("old-local-id", describedClusterId(node));
    }
    assertEquals("2", meta().getProperty("version"));
    assertEquals("old-local-id", meta().getProperty("cluster.id"));

    // The same directory now names another cluster than the one its journal holds.
    Files.writeString(dataDir.resolve(NodeIdentity.FILE), "version=2\nbroker.id=0\ncluster.id=other-cluster\n");
    IOException refused = assertThrows(IOException.class, this::start);
    assertTrue(refused.getMessage().contains("other-cluster") && refused.getMessage().contains("old-local-id"),
        refused.getMessage());
  }
}
