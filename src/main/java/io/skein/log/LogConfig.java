package io.skein.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;

/**
 * Per-partition log settings, named and defaulted as Kafka's topic configs. Every instance is
 * valid: the compact constructor checks each range and names the offending config.
 */
public record LogConfig(
    long segmentBytes,
    long segmentMs,
    long retentionMs,
    long retentionBytes,
    long flushMessages,
    long flushMs,
    int maxMessageBytes,
    TimestampType timestampType,
    int indexIntervalBytes,
    int segmentIndexBytes,
    int minInsyncReplicas,
    String cleanupPolicy,
    double minCleanableDirtyRatio,
    long minCompactionLagMs,
    long maxCompactionLagMs,
    long deleteRetentionMs,
    String compressionType) {

  public static final String SEGMENT_BYTES = "segment.bytes";
  public static final String SEGMENT_MS = "segment.ms";
  public static final String RETENTION_MS = "retention.ms";
  public static final String RETENTION_BYTES = "retention.bytes";
  public static final String FLUSH_MESSAGES = "flush.messages";
  public static final String FLUSH_MS = "flush.ms";
  public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
  public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
  public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
  public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
  public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
  public static final String CLEANUP_POLICY = "cleanup.policy";
  public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
  public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
  public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
  public static final String DELETE_RETENTION_MS = "delete.retention.ms";
  public static final String COMPRESSION_TYPE = "compression.type";

  /** Kafka's values of {@code compression.type}: keep the producer's codec, or store batches with this one. */
  public static final java.util.List<String> COMPRESSION_TYPES =
      java.util.List.of("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd");

  public static final SortedSet<String> NAMES =
      Collections.unmodifiableSortedSet(
          new TreeSet<>(
              java.util.List.of(
                  SEGMENT_BYTES,
                  SEGMENT_MS,
                  RETENTION_MS,
                  RETENTION_BYTES,
                  FLUSH_MESSAGES,
                  FLUSH_MS,
                  MAX_MESSAGE_BYTES,
                  MESSAGE_TIMESTAMP_TYPE,
                  INDEX_INTERVAL_BYTES,
                  SEGMENT_INDEX_BYTES,
                  MIN_INSYNC_REPLICAS,
                  CLEANUP_POLICY,
                  MIN_CLEANABLE_DIRTY_RATIO,
                  MIN_COMPACTION_LAG_MS,
                  MAX_COMPACTION_LAG_MS,
                  DELETE_RETENTION_MS,
                  COMPRESSION_TYPE)));

  public static final String CLEANUP_POLICY_DELETE = "delete";
  public static final String CLEANUP_POLICY_COMPACT = "compact";
  public static final String CLEANUP_POLICY_COMPACT_DELETE = "compact,delete";

  private static final long DAY_MS = 24L * 60 * 60 * 1000;

  /** A segment must hold at least one batch header; positions in the index are 4-byte ints. */
  static final int MIN_SEGMENT_BYTES = BatchHeader.RECORD_BATCH_OVERHEAD;

  /**
   * Room for two time index entries: one for data, one reserved for the entry written when the
   * segment rolls.
   */
  static final int MIN_SEGMENT_INDEX_BYTES = 2 * TimeIndex.ENTRY_SIZE;

  public LogConfig {
    requireRange(SEGMENT_BYTES, segmentBytes, MIN_SEGMENT_BYTES, Integer.MAX_VALUE);
    requireRange(SEGMENT_MS, segmentMs, 1, Long.MAX_VALUE);
    requireRange(RETENTION_MS, retentionMs, -1, Long.MAX_VALUE);
    requireRange(RETENTION_BYTES, retentionBytes, -1, Long.MAX_VALUE);
    requireRange(FLUSH_MESSAGES, flushMessages, 1, Long.MAX_VALUE);
    requireRange(FLUSH_MS, flushMs, 0, Long.MAX_VALUE);
    requireRange(MAX_MESSAGE_BYTES, maxMessageBytes, 0, Integer.MAX_VALUE);
    if (timestampType != TimestampType.CREATE_TIME
        && timestampType != TimestampType.LOG_APPEND_TIME) {
      throw new InvalidConfigException(
          MESSAGE_TIMESTAMP_TYPE + " must be CreateTime or LogAppendTime, got " + timestampType);
    }
    requireRange(INDEX_INTERVAL_BYTES, indexIntervalBytes, 0, Integer.MAX_VALUE);
    requireRange(
        SEGMENT_INDEX_BYTES, segmentIndexBytes, MIN_SEGMENT_INDEX_BYTES, Integer.MAX_VALUE);
    requireRange(MIN_INSYNC_REPLICAS, minInsyncReplicas, 1, Integer.MAX_VALUE);
    cleanupPolicy = checkCleanupPolicy(cleanupPolicy);
    if (!(minCleanableDirtyRatio >= 0 && minCleanableDirtyRatio <= 1)) {
      throw new InvalidConfigException(
          MIN_CLEANABLE_DIRTY_RATIO + " must be between 0 and 1, got " + minCleanableDirtyRatio);
    }
    requireRange(MIN_COMPACTION_LAG_MS, minCompactionLagMs, 0, Long.MAX_VALUE);
    requireRange(MAX_COMPACTION_LAG_MS, maxCompactionLagMs, 1, Long.MAX_VALUE);
    requireRange(DELETE_RETENTION_MS, deleteRetentionMs, 0, Long.MAX_VALUE);
    if (!COMPRESSION_TYPES.contains(compressionType)) {
      throw new InvalidConfigException(
          COMPRESSION_TYPE + " must be one of " + COMPRESSION_TYPES + ", got '" + compressionType + "'");
    }
    if (minCompactionLagMs > maxCompactionLagMs) {
      throw new InvalidConfigException(
          MIN_COMPACTION_LAG_MS
              + " ("
              + minCompactionLagMs
              + ") must not exceed "
              + MAX_COMPACTION_LAG_MS
              + " ("
              + maxCompactionLagMs
              + ")");
    }
  }

  /**
   * Whether the log cleaner keeps only the latest record per key ({@code compact} in the policy).
   */
  public boolean compact() {
    return !cleanupPolicy.equals(CLEANUP_POLICY_DELETE);
  }

  /** The codec batches are stored with, if not the producer's ({@code compression.type}). */
  public java.util.Optional<CompressionType> storedCompression() {
    return switch (compressionType) {
      case "producer" -> java.util.Optional.empty();
      case "uncompressed" -> java.util.Optional.of(CompressionType.NONE);
      default -> java.util.Optional.of(CompressionType.forName(compressionType));
    };
  }

  /** Whether retention deletes old segments ({@code delete} in the policy). */
  public boolean delete() {
    return !cleanupPolicy.equals(CLEANUP_POLICY_COMPACT);
  }

  /** Kafka's topic defaults. */
  public static LogConfig defaults() {
    return new LogConfig(
        1024L * 1024 * 1024,
        7 * DAY_MS,
        7 * DAY_MS,
        -1,
        Long.MAX_VALUE,
        Long.MAX_VALUE,
        1048588,
        TimestampType.CREATE_TIME,
        4096,
        10 * 1024 * 1024,
        1,
        CLEANUP_POLICY_DELETE,
        0.5,
        0,
        Long.MAX_VALUE,
        DAY_MS,
        "producer");
  }

  /** {@code defaults} with {@code overrides} (Kafka config name to value string) applied. */
  public static LogConfig fromMap(Map<String, String> overrides, LogConfig defaults) {
    long segmentBytes = defaults.segmentBytes;
    long segmentMs = defaults.segmentMs;
    long retentionMs = defaults.retentionMs;
    long retentionBytes = defaults.retentionBytes;
    long flushMessages = defaults.flushMessages;
    long flushMs = defaults.flushMs;
    int maxMessageBytes = defaults.maxMessageBytes;
    TimestampType timestampType = defaults.timestampType;
    int indexIntervalBytes = defaults.indexIntervalBytes;
    int segmentIndexBytes = defaults.segmentIndexBytes;
    int minInsyncReplicas = defaults.minInsyncReplicas;
    String cleanupPolicy = defaults.cleanupPolicy;
    double minCleanableDirtyRatio = defaults.minCleanableDirtyRatio;
    long minCompactionLagMs = defaults.minCompactionLagMs;
    long maxCompactionLagMs = defaults.maxCompactionLagMs;
    long deleteRetentionMs = defaults.deleteRetentionMs;
    String compressionType = defaults.compressionType;
    for (Map.Entry<String, String> override : overrides.entrySet()) {
      String name = override.getKey();
      String value = override.getValue() == null ? "" : override.getValue().trim();
      switch (name) {
        case SEGMENT_BYTES -> segmentBytes = parseLong(name, value);
        case SEGMENT_MS -> segmentMs = parseLong(name, value);
        case RETENTION_MS -> retentionMs = parseLong(name, value);
        case RETENTION_BYTES -> retentionBytes = parseLong(name, value);
        case FLUSH_MESSAGES -> flushMessages = parseLong(name, value);
        case FLUSH_MS -> flushMs = parseLong(name, value);
        case MAX_MESSAGE_BYTES -> maxMessageBytes = parseInt(name, value);
        case MESSAGE_TIMESTAMP_TYPE -> timestampType = parseTimestampType(value);
        case INDEX_INTERVAL_BYTES -> indexIntervalBytes = parseInt(name, value);
        case SEGMENT_INDEX_BYTES -> segmentIndexBytes = parseInt(name, value);
        case MIN_INSYNC_REPLICAS -> minInsyncReplicas = parseInt(name, value);
        case CLEANUP_POLICY -> cleanupPolicy = value;
        case MIN_CLEANABLE_DIRTY_RATIO -> minCleanableDirtyRatio = parseDouble(name, value);
        case MIN_COMPACTION_LAG_MS -> minCompactionLagMs = parseLong(name, value);
        case MAX_COMPACTION_LAG_MS -> maxCompactionLagMs = parseLong(name, value);
        case DELETE_RETENTION_MS -> deleteRetentionMs = parseLong(name, value);
        case COMPRESSION_TYPE -> compressionType = value.toLowerCase(java.util.Locale.ROOT);
        default ->
            throw new InvalidConfigException(
                "Unknown log config '" + name + "'; known configs: " + NAMES);
      }
    }
    return new LogConfig(
        segmentBytes,
        segmentMs,
        retentionMs,
        retentionBytes,
        flushMessages,
        flushMs,
        maxMessageBytes,
        timestampType,
        indexIntervalBytes,
        segmentIndexBytes,
        minInsyncReplicas,
        cleanupPolicy,
        minCleanableDirtyRatio,
        minCompactionLagMs,
        maxCompactionLagMs,
        deleteRetentionMs,
        compressionType);
  }

  /** Config name to value string, in name order, for describe. */
  public Map<String, String> toMap() {
    Map<String, String> values = new LinkedHashMap<>();
    values.put(CLEANUP_POLICY, cleanupPolicy);
    values.put(COMPRESSION_TYPE, compressionType);
    values.put(DELETE_RETENTION_MS, Long.toString(deleteRetentionMs));
    values.put(FLUSH_MESSAGES, Long.toString(flushMessages));
    values.put(FLUSH_MS, Long.toString(flushMs));
    values.put(INDEX_INTERVAL_BYTES, Integer.toString(indexIntervalBytes));
    values.put(MAX_COMPACTION_LAG_MS, Long.toString(maxCompactionLagMs));
    values.put(MAX_MESSAGE_BYTES, Integer.toString(maxMessageBytes));
    values.put(MESSAGE_TIMESTAMP_TYPE, timestampType.name);
    values.put(MIN_CLEANABLE_DIRTY_RATIO, Double.toString(minCleanableDirtyRatio));
    values.put(MIN_COMPACTION_LAG_MS, Long.toString(minCompactionLagMs));
    values.put(MIN_INSYNC_REPLICAS, Integer.toString(minInsyncReplicas));
    values.put(RETENTION_BYTES, Long.toString(retentionBytes));
    values.put(RETENTION_MS, Long.toString(retentionMs));
    values.put(SEGMENT_BYTES, Long.toString(segmentBytes));
    values.put(SEGMENT_INDEX_BYTES, Integer.toString(segmentIndexBytes));
    values.put(SEGMENT_MS, Long.toString(segmentMs));
    return Collections.unmodifiableMap(values);
  }

  private static void requireRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      String range = max == Long.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
      throw new InvalidConfigException(name + " must be " + range + ", got " + value);
    }
  }

  private static long parseLong(String name, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(name + " must be a whole number, got '" + value + "'");
    }
  }

  private static double parseDouble(String name, String value) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(name + " must be a number, got '" + value + "'");
    }
  }

  private static int parseInt(String name, String value) {
    long parsed = parseLong(name, value);
    if (parsed < Integer.MIN_VALUE || parsed > Integer.MAX_VALUE) {
      throw new InvalidConfigException(
          name + " must be at most " + Integer.MAX_VALUE + ", got " + value);
    }
    return (int) parsed;
  }

  private static TimestampType parseTimestampType(String value) {
    if (TimestampType.CREATE_TIME.name.equals(value)) {
      return TimestampType.CREATE_TIME;
    }
    if (TimestampType.LOG_APPEND_TIME.name.equals(value)) {
      return TimestampType.LOG_APPEND_TIME;
    }
    throw new InvalidConfigException(
        MESSAGE_TIMESTAMP_TYPE + " must be CreateTime or LogAppendTime, got '" + value + "'");
  }

  /**
   * Kafka's list syntax: "delete", "compact", or both in either order (normalized to
   * "compact,delete").
   */
  private static String checkCleanupPolicy(String policy) {
    if (policy == null) {
      throw new InvalidConfigException(CLEANUP_POLICY + " must be set");
    }
    boolean compact = false;
    boolean delete = false;
    for (String part : policy.split(",", -1)) {
      switch (part.trim()) {
        case CLEANUP_POLICY_COMPACT -> compact = true;
        case CLEANUP_POLICY_DELETE -> delete = true;
        default ->
            throw new InvalidConfigException(
                CLEANUP_POLICY
                    + " must be 'delete', 'compact' or 'compact,delete', got '"
                    + policy
                    + "'");
      }
    }
    return compact && delete
        ? CLEANUP_POLICY_COMPACT_DELETE
        : compact ? CLEANUP_POLICY_COMPACT : CLEANUP_POLICY_DELETE;
  }
}
