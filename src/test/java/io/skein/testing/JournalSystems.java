package io.skein.testing;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.persistence.jdbc.testkit.javadsl.SchemaUtils;
import com.typesafe.config.Config;
import io.skein.common.AkkaFutures;
import io.skein.node.SkeinNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Actor systems for tests of event-sourced actors on the broker's real journal. */
public final class JournalSystems {

  private JournalSystems() {}

  /** A single-node actor system with the broker's real (H2) journal in {@code dataDir}, its schema created. */
  public static ActorTestKit start(Path dataDir) throws Exception {
    Config config = SkeinNode.loadConfig(Optional.empty(), Map.of(
        "skein.data-dir", dataDir.toString(),
        "akka.remote.artery.canonical.hostname", "127.0.0.1",
        "akka.remote.artery.canonical.port", 0));
    ActorTestKit testKit = ActorTestKit.create("skein", config);
    AkkaFutures.direct(SchemaUtils.createIfNotExists(testKit.system())).get(30, TimeUnit.SECONDS);
    return testKit;
  }
}
