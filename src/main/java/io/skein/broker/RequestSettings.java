package io.skein.broker;

import io.skein.log.LogConfig;
import java.time.Duration;

/** What the request layer needs of the broker's configuration. */
public record RequestSettings(
    Duration requestTimeout,
    Duration maxFetchWait,
    int maxFetchBytes,
    int defaultPartitions,
    int defaultReplicationFactor,
    LogConfig topicDefaults) {}
