package io.skein.cluster;

import io.skein.log.LogConfig;

/**
 * What the Controller needs of the broker's configuration to check topic configs: the
 * defaults that overrides apply to, and the largest batch a follower can receive in one
 * message, which bounds max.message.bytes of a replicated topic.
 */
public record ControllerSettings(LogConfig topicDefaults, long largestReplicatedBatch) {}
