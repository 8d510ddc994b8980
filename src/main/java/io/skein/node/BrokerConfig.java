package io.skein.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.skein.broker.RequestSettings;
import io.skein.log.InvalidConfigException;
import io.skein.log.LogCleaner;
import io.skein.log.LogConfig;
import io.skein.partition.PartitionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The {@code skein} section of the configuration, read once and checked at start-up. */
public record BrokerConfig(
    int brokerId,
    String rack,
    Path dataDir,
    String grpcHost,
    int grpcPort,
    int maxInboundMessageBytes,
    Map<String, String> topicDefaultOverrides,
    LogConfig topicDefaults,
    int defaultPartitions,
    int defaultReplicationFactor,
    Duration retentionCheckInterval,
    Duration flushCheckInterval,
    Duration producerIdExpiration,
    Optional<LogCleaner.Settings> logCleaner,
    Duration requestTimeout,
    Duration maxFetchWait,
    int maxFetchBytes,
    Duration startupTimeout) {

  /** Reads and validates the {@code skein} section; a bad value fails with the key named. */
  public static BrokerConfig from(Config root) {
    Config c = root.getConfig("skein");
    Map<String, String> defaults = new TreeMap<>();
    flatten("", c.getConfig("topic-defaults").root(), defaults);
    LogConfig topicDefaults;
    try {
      topicDefaults = LogConfig.fromMap(defaults, LogConfig.defaults());
    } catch (InvalidConfigException e) {
      throw new ConfigException.BadValue("skein.topic-defaults", e.getMessage());
    }
    BrokerConfig config =
        new BrokerConfig(
            c.getInt("broker.id"),
            c.getString("broker.rack"),
            Path.of(c.getString("data-dir")).toAbsolutePath().normalize(),
            c.getString("grpc.host"),
            c.getInt("grpc.port"),
            c.getInt("grpc.max-inbound-message-bytes"),
            Map.copyOf(defaults),
            topicDefaults,
            c.getInt("default-partitions"),
            c.getInt("default-replication-factor"),
            c.getDuration("log.retention-check-interval"),
            c.getDuration("log.flush-check-interval"),
            c.getDuration("log.producer-id-expiration"),
            logCleaner(c.getConfig("log.cleaner")),
            c.getDuration("request.timeout"),
            c.getDuration("request.max-fetch-wait"),
            c.getInt("request.max-fetch-bytes"),
            c.getDuration("startup-timeout"));
    config.check();
    return config;
  }

  /** {@code skein.log.cleaner}: empty when the cleaner is off. */
  private static Optional<LogCleaner.Settings> logCleaner(Config c) {
    if (!c.getBoolean("enabled")) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new LogCleaner.Settings(
              c.getInt("threads"),
              c.getLong("io-max-bytes-per-second"),
              c.getBytes("dedupe-buffer-size"),
              c.getDuration("backoff")));
    } catch (IllegalArgumentException e) {
      throw new ConfigException.BadValue("skein.log.cleaner", e.getMessage());
    }
  }

  /** Kafka config names contain dots: accept them quoted or as nested HOCON keys. */
  private static void flatten(String prefix, ConfigObject object, Map<String, String> out) {
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      String name = prefix + e.getKey();
      if (e.getValue() instanceof ConfigObject nested) {
        flatten(name + ".", nested, out);
      } else {
        out.put(name, String.valueOf(e.getValue().unwrapped()));
      }
    }
  }

  private void check() {
    require(brokerId >= 0, "skein.broker.id", "must be >= 0");
    require(grpcPort >= 0 && grpcPort <= 65535, "skein.grpc.port", "must be 0..65535");
    require(
        maxInboundMessageBytes > topicDefaults.maxMessageBytes(),
        "skein.grpc.max-inbound-message-bytes",
        "must exceed the default max.message.bytes (" + topicDefaults.maxMessageBytes() + ")");
    require(defaultPartitions > 0, "skein.default-partitions", "must be > 0");
    require(defaultReplicationFactor > 0, "skein.default-replication-factor", "must be > 0");
    require(!retentionCheckInterval.isNegative() && !retentionCheckInterval.isZero(),
        "skein.log.retention-check-interval", "must be positive");
    require(!flushCheckInterval.isNegative() && !flushCheckInterval.isZero(),
        "skein.log.flush-check-interval", "must be positive");
    require(!producerIdExpiration.isNegative() && !producerIdExpiration.isZero(),
        "skein.log.producer-id-expiration", "must be positive");
    require(maxFetchBytes > 0, "skein.request.max-fetch-bytes", "must be > 0");
  }

  private static void require(boolean ok, String key, String message) {
    if (!ok) {
      throw new ConfigException.BadValue(key, message);
    }
  }

  public BrokerConfig withGrpcPort(int port) {
    return new BrokerConfig(brokerId, rack, dataDir, grpcHost, port, maxInboundMessageBytes, topicDefaultOverrides,
        topicDefaults, defaultPartitions, defaultReplicationFactor, retentionCheckInterval, flushCheckInterval,
        producerIdExpiration, logCleaner, requestTimeout, maxFetchWait, maxFetchBytes, startupTimeout);
  }

  /** What the request layer needs of this configuration. */
  public RequestSettings requestSettings() {
    return new RequestSettings(requestTimeout, maxFetchWait, maxFetchBytes, defaultPartitions, defaultReplicationFactor,
        topicDefaults);
  }

  /** What the partition actors need of this configuration. */
  public PartitionSettings partitionSettings() {
    return new PartitionSettings(brokerId, dataDir, topicDefaults, retentionCheckInterval, flushCheckInterval,
        producerIdExpiration, requestTimeout);
  }
}
