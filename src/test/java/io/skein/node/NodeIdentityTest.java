package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdentityTest {

  @TempDir
  Path dir;

  /** A file as brokers before cluster-wide ids wrote it. */
  private void writeVersion1(int brokerId, String clusterId) throws IOException {
    Files.writeString(dir.resolve(NodeIdentity.FILE),
        "#Skein broker identity\nversion=1\nbroker.id=" + brokerId + "\ncluster.id=" + clusterId + "\n");
  }

  private Properties stored() throws IOException {
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(dir.resolve(NodeIdentity.FILE))) {
      props.load(reader);
    }
    return props;
  }

  private void assertRecords(int brokerId, String clusterId) throws IOException {
    Properties props = stored();
    assertEquals("2", props.getProperty("version"));
    assertEquals(Integer.toString(brokerId), props.getProperty("broker.id"));
    assertEquals(clusterId, props.getProperty("cluster.id"));
  }

  @Test
  void aFreshDirectoryProposesNothingAndRecordsTheClustersId() throws IOException {
    assertEquals(Optional.empty(), NodeIdentity.proposal(dir, 3));
    assertEquals(NodeIdentity.Outcome.CREATED, NodeIdentity.reconcile(dir, 3, "cluster-a"));
    assertRecords(3, "cluster-a");
    assertEquals(Optional.empty(), NodeIdentity.proposal(dir, 3), "a version 2 id is the cluster's, not offered");
  }

  @Test
  void theSameClusterIdGoesOn() throws IOException {
    NodeIdentity.reconcile(dir, 1, "cluster-a");
    assertEquals(NodeIdentity.Outcome.MATCHED, NodeIdentity.reconcile(dir, 1, "cluster-a"));
    assertRecords(1, "cluster-a");
  }

  @Test
  void anOldFormatIdIsOfferedAndKeptWhenTheClusterAdoptsIt() throws IOException {
    writeVersion1(0, "local-id");
    assertEquals(Optional.of("local-id"), NodeIdentity.proposal(dir, 0));
    assertEquals(NodeIdentity.Outcome.MATCHED, NodeIdentity.reconcile(dir, 0, "local-id"));
    assertRecords(0, "local-id");
  }

  @Test
  void anOldFormatIdIsRewrittenWithTheClustersWhenTheClusterHasAnother() throws IOException {
    writeVersion1(2, "local-id");
    assertEquals(NodeIdentity.Outcome.REWRITTEN, NodeIdentity.reconcile(dir, 2, "cluster-a"));
    assertRecords(2, "cluster-a");
    assertEquals(NodeIdentity.Outcome.MATCHED, NodeIdentity.reconcile(dir, 2, "cluster-a"));
  }

  @Test
  void aVersion2DirectoryOfAnotherClusterIsRefused() throws IOException {
    NodeIdentity.reconcile(dir, 1, "cluster-a");
    IOException refused = assertThrows(IOException.class, () -> NodeIdentity.reconcile(dir, 1, "cluster-b"));
    assertTrue(refused.getMessage().contains("cluster-a"), refused.getMessage());
    assertTrue(refused.getMessage().contains("cluster-b"), refused.getMessage());
    assertTrue(refused.getMessage().contains(dir.toString()), refused.getMessage());
    assertRecords(1, "cluster-a");
  }

  @Test
  void anotherBrokersDirectoryIsStillRefused() throws IOException {
    NodeIdentity.reconcile(dir, 1, "cluster-a");
    IOException refused = assertThrows(IOException.class, () -> NodeIdentity.proposal(dir, 2));
    assertTrue(refused.getMessage().contains("belongs to broker 1"), refused.getMessage());
    assertThrows(IOException.class, () -> NodeIdentity.reconcile(dir, 2, "cluster-a"));
    writeVersion1(1, "local-id");
    assertThrows(IOException.class, () -> NodeIdentity.proposal(dir, 2));
  }

  @Test
  void anIncompleteOrUnknownFileIsRefused() throws IOException {
    Files.writeString(dir.resolve(NodeIdentity.FILE), "version=2\nbroker.id=1\n");
    assertThrows(IOException.class, () -> NodeIdentity.proposal(dir, 1));
    Files.writeString(dir.resolve(NodeIdentity.FILE), "version=3\nbroker.id=1\ncluster.id=x\n");
    assertThrows(IOException.class, () -> NodeIdentity.reconcile(dir, 1, "x"));
  }
}
