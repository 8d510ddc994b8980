package io.skein.partition;

import io.skein.log.LogConfig;
import java.nio.file.Path;
import java.time.Duration;

/** What partition leaders, followers and replica managers need of the broker's configuration. */
public record PartitionSettings(
    int brokerId,
    Path dataDir,
    LogConfig topicDefaults,
    Duration retentionCheckInterval,
    Duration flushCheckInterval,
    Duration producerIdExpiration,
    Duration requestTimeout) {

  /** The directory of one partition's log. */
  public Path partitionDir(String topic, int partition) {
    return dataDir.resolve("logs").resolve(topic + "-" + partition);
  }
}
