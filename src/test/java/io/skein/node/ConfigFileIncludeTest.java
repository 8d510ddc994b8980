package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A --config file includes files beside it, however it is named (README: a file per node over cluster-node-N.conf). */
class ConfigFileIncludeTest {

  @Test
  void aFileNamedWithoutADirectoryIncludesTheFilesBesideIt() throws Exception {
    // In the working directory, as `skein broker --config tls-node-1.conf` names it.
    Path included = Path.of("config-include-test-base.conf");
    Path including = Path.of("config-include-test.conf");
    try {
      Files.writeString(included, "skein.broker.id = 7\nskein.grpc.port = 19095\n");
      Files.writeString(including, "include \"config-include-test-base.conf\"\nskein.grpc.port = 19096\n");
      Config config = SkeinNode.loadConfig(Optional.of(including), Map.of());
      assertEquals(7, config.getInt("skein.broker.id"));
      assertEquals(19096, config.getInt("skein.grpc.port"));
    } finally {
      Files.deleteIfExists(including);
      Files.deleteIfExists(included);
    }
  }
}
