package io.skein.node;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.UUID;

/**
 * The identity stored in a data directory ({@code meta.properties}, as in Kafka): which
 * broker owns it and which cluster it belongs to. Starting a broker on another broker's
 * data would serve wrong data, so it is refused with a clear error.
 */
final class NodeIdentity {

  static final String FILE = "meta.properties";

  private NodeIdentity() {}

  /** The cluster id of the data directory, creating the identity on first start. */
  static String load(Path dataDir, int brokerId) throws IOException {
    Path file = dataDir.resolve(FILE);
    Properties props = new Properties();
    if (Files.exists(file)) {
      try (Reader reader = Files.newBufferedReader(file)) {
        props.load(reader);
      }
      String owner = props.getProperty("broker.id");
      if (owner == null || props.getProperty("cluster.id") == null) {
        throw new IOException(file + " is incomplete: it needs broker.id and cluster.id");
      }
      if (!owner.equals(Integer.toString(brokerId))) {
        throw new IOException("data directory " + dataDir + " belongs to broker " + owner
            + ", but this broker is configured with id " + brokerId);
      }
      return props.getProperty("cluster.id");
    }
    props.setProperty("version", "1");
    props.setProperty("broker.id", Integer.toString(brokerId));
    props.setProperty("cluster.id", UUID.randomUUID().toString());
    Path tmp = dataDir.resolve(FILE + ".tmp");
    try (Writer writer = Files.newBufferedWriter(tmp)) {
      props.store(writer, "Skein broker identity");
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return props.getProperty("cluster.id");
  }
}
