package io.skein.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class LogConfigTest {

  @Test
  void defaultsAreKafkas() {
    LogConfig defaults = LogConfig.defaults();
    assertEquals(1L << 30, defaults.segmentBytes());
    assertEquals(604_800_000L, defaults.segmentMs());
    assertEquals(604_800_000L, defaults.retentionMs());
    assertEquals(-1, defaults.retentionBytes());
    assertEquals(Long.MAX_VALUE, defaults.flushMessages());
    assertEquals(Long.MAX_VALUE, defaults.flushMs());
    assertEquals(1048588, defaults.maxMessageBytes());
    assertEquals(TimestampType.CREATE_TIME, defaults.timestampType());
    assertEquals(4096, defaults.indexIntervalBytes());
    assertEquals(10 * 1024 * 1024, defaults.segmentIndexBytes());
    assertEquals(1, defaults.minInsyncReplicas());
    assertEquals("delete", defaults.cleanupPolicy());
    assertEquals(0.5, defaults.minCleanableDirtyRatio());
    assertEquals(0, defaults.minCompactionLagMs());
    assertEquals(Long.MAX_VALUE, defaults.maxCompactionLagMs());
    assertEquals(86_400_000L, defaults.deleteRetentionMs());
    assertTrue(defaults.delete());
    assertFalse(defaults.compact());
  }

  @Test
  void cleanupPolicyTakesKafkasListInEitherOrder() {
    LogConfig compact =
        LogConfig.fromMap(Map.of("cleanup.policy", "compact"), LogConfig.defaults());
    assertTrue(compact.compact());
    assertFalse(compact.delete());
    LogConfig both =
        LogConfig.fromMap(Map.of("cleanup.policy", " delete , compact"), LogConfig.defaults());
    assertEquals("compact,delete", both.cleanupPolicy());
    assertTrue(both.compact());
    assertTrue(both.delete());
    assertEquals(both, LogConfig.fromMap(both.toMap(), LogConfig.defaults()));
  }

  @Test
  void namesMatchToMapAndRoundTrip() {
    LogConfig config =
        LogConfig.fromMap(
            Map.of(
                "segment.bytes",
                "1000",
                "message.timestamp.type",
                "LogAppendTime",
                "retention.bytes",
                "5000"),
            LogConfig.defaults());
    assertEquals(LogConfig.NAMES, new java.util.TreeSet<>(config.toMap().keySet()));
    assertEquals(config, LogConfig.fromMap(config.toMap(), LogConfig.defaults()));
    assertEquals(TimestampType.LOG_APPEND_TIME, config.timestampType());
    assertEquals(1000, config.segmentBytes());
  }

  @Test
  void rejectsUnknownNameBadNumberOutOfRangeAndBadPolicy() {
    assertMessage("Unknown log config 'segment.size'", Map.of("segment.size", "1"));
    assertMessage(
        "segment.bytes must be a whole number, got 'lots'", Map.of("segment.bytes", "lots"));
    assertMessage(
        "segment.bytes must be between 61 and 2147483647, got 10", Map.of("segment.bytes", "10"));
    assertMessage("flush.messages must be at least 1, got 0", Map.of("flush.messages", "0"));
    assertMessage(
        "max.message.bytes must be at most 2147483647", Map.of("max.message.bytes", "3000000000"));
    assertMessage(
        "cleanup.policy must be 'delete', 'compact' or 'compact,delete', got 'compacted'",
        Map.of("cleanup.policy", "compacted"));
    assertMessage("cleanup.policy must be", Map.of("cleanup.policy", "compact,"));
    assertMessage(
        "min.cleanable.dirty.ratio must be between 0 and 1, got 1.5",
        Map.of("min.cleanable.dirty.ratio", "1.5"));
    assertMessage(
        "min.cleanable.dirty.ratio must be a number", Map.of("min.cleanable.dirty.ratio", "half"));
    assertMessage(
        "delete.retention.ms must be at least 0, got -1", Map.of("delete.retention.ms", "-1"));
    assertMessage(
        "min.compaction.lag.ms (10) must not exceed max.compaction.lag.ms (5)",
        Map.of("min.compaction.lag.ms", "10", "max.compaction.lag.ms", "5"));
    assertMessage("must be CreateTime or LogAppendTime", Map.of("message.timestamp.type", "Now"));
  }

  private static void assertMessage(String expected, Map<String, String> overrides) {
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class, () -> LogConfig.fromMap(overrides, LogConfig.defaults()));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
