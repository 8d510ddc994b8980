package io.skein.cli;

import com.typesafe.config.ConfigFactory;
import io.skein.node.BrokerSupervisor;
import io.skein.node.SkeinNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skein broker}: runs a broker in the foreground until it is stopped (Ctrl-C or SIGTERM). */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Run a Skein broker. With no options: a single-node broker serving Kafka clients on"
        + " 127.0.0.1:9092 and gRPC on 127.0.0.1:9095, the web console and /metrics on"
        + " http://127.0.0.1:8558/console/, data in ./data.")
public final class BrokerCommand implements Callable<Integer> {

  private static final String MANAGEMENT_ENABLED = "skein.management.enabled";

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON configuration file (see conf/skein.conf).")
  Path configFile;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory for logs and metadata (skein.data-dir).")
  Path dataDir;

  @Option(names = "--port", paramLabel = "N", description = "gRPC port for clients (skein.grpc.port).")
  Integer port;

  @Option(names = "--kafka-port", paramLabel = "N",
      description = "Kafka protocol port for Kafka clients (skein.kafka.port).")
  Integer kafkaPort;

  @Option(names = "--management-port", paramLabel = "N",
      description = "Port of the management endpoint (/console, /metrics, /alive, /ready; akka.management.http.port).")
  Integer managementPort;

  @Option(names = "--management", negatable = true,
      description = "Serve the management endpoint (skein.management.enabled). On unless --no-management"
          + " or the --config file sets skein.management.enabled.")
  Boolean management;

  @Option(names = "--host", paramLabel = "ADDRESS",
      description = "Bind address of the gRPC and Kafka listeners and the management endpoint (skein.grpc.host,"
          + " skein.kafka.host, akka.management.http.hostname).")
  String host;

  @Option(names = "--broker-id", paramLabel = "N", description = "Broker id (skein.broker.id).")
  Integer brokerId;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> overrides = new HashMap<>();
    if (dataDir != null) {
      overrides.put("skein.data-dir", dataDir.toString());
    }
    if (port != null) {
      overrides.put("skein.grpc.port", port);
    }
    if (kafkaPort != null) {
      overrides.put("skein.kafka.port", kafkaPort);
    }
    if (managementPort != null) {
      overrides.put("akka.management.http.port", managementPort);
    }
    if (management != null || !configFileSets(MANAGEMENT_ENABLED)) {
      overrides.put(MANAGEMENT_ENABLED, management == null || management);
    }
    if (host != null) {
      overrides.put("skein.grpc.host", host);
      overrides.put("skein.kafka.host", host);
      overrides.put("akka.management.http.hostname", host);
    }
    if (brokerId != null) {
      overrides.put("skein.broker.id", brokerId);
    }
    // A downed broker rejoins as a new incarnation; any other shutdown returns, and the JVM exits.
    BrokerSupervisor.run(SkeinNode.loadConfig(Optional.ofNullable(configFile), overrides));
    return 0;
  }

  /** Whether the --config file says so itself (the flag's default must not override the file). */
  private boolean configFileSets(String path) {
    return configFile != null && ConfigFactory.parseFile(configFile.toFile()).hasPath(path);
  }
}
