package io.skein.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Builders and a controllable clock shared by the log tests. */
final class LogTestSupport {
  static final long START_MS = 1_700_000_000_000L;

  private LogTestSupport() {}

  /** A clock that only moves when told to. */
  static final class ManualClock extends Clock {
    private volatile long millis;

    ManualClock(long millis) {
      this.millis = millis;
    }

    void advance(long ms) {
      millis += ms;
    }

    @Override
    public long millis() {
      return millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  /** A batch of {@code count} records with values "v-<tag>-<i>" and the given timestamp. */
  static MemoryRecords batch(Compression compression, int count, long timestamp, String tag) {
    SimpleRecord[] records = new SimpleRecord[count];
    for (int i = 0; i < count; i++) {
      records[i] =
          new SimpleRecord(
              timestamp,
              ("k" + i).getBytes(StandardCharsets.UTF_8),
              ("v-" + tag + "-" + i).getBytes(StandardCharsets.UTF_8));
    }
    return MemoryRecords.withRecords(compression, records);
  }

  /**
   * One batch of keyed records from alternating keys and values; a null value is a tombstone, a
   * null key a record without one.
   */
  static MemoryRecords keyed(long timestamp, String... keysAndValues) {
    SimpleRecord[] records = new SimpleRecord[keysAndValues.length / 2];
    for (int i = 0; i < records.length; i++) {
      String key = keysAndValues[2 * i];
      String value = keysAndValues[2 * i + 1];
      records[i] =
          new SimpleRecord(
              timestamp,
              key == null ? null : key.getBytes(StandardCharsets.UTF_8),
              value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }
    return MemoryRecords.withRecords(Compression.NONE, records);
  }

  /** A stored record as the tests compare them: offset, key and value (null for a tombstone). */
  record Stored(long offset, String key, String value) {}

  /** Every record of the log in offset order, read batch after batch from the log start. */
  static List<Stored> readRecords(Log log) throws java.io.IOException {
    List<Stored> stored = new ArrayList<>();
    long offset = log.logStartOffset();
    while (offset < log.logEndOffset()) {
      LogReadResult result = log.read(offset, Integer.MAX_VALUE, Long.MAX_VALUE);
      for (RecordBatch batch : batches(result.records())) {
        batch.ensureValid();
        for (org.apache.kafka.common.record.internal.Record record : batch) {
          stored.add(new Stored(record.offset(), text(record.key()), text(record.value())));
        }
      }
      if (result.nextOffset() <= offset) {
        throw new AssertionError("read at " + offset + " did not move on");
      }
      offset = result.nextOffset();
    }
    return stored;
  }

  /** Key to its last record's value, tombstones included (as a null value). */
  static Map<String, String> latestValues(List<Stored> records) {
    Map<String, String> latest = new HashMap<>();
    for (Stored record : records) {
      latest.put(record.key(), record.value());
    }
    return latest;
  }

  static String text(ByteBuffer bytes) {
    if (bytes == null) {
      return null;
    }
    byte[] copy = new byte[bytes.remaining()];
    bytes.duplicate().get(copy);
    return new String(copy, StandardCharsets.UTF_8);
  }

  static MemoryRecords batch(int count, long timestamp) {
    return batch(Compression.NONE, count, timestamp, "x");
  }

  /** Several batches back to back in one buffer. */
  static MemoryRecords concat(MemoryRecords... parts) {
    int size = 0;
    for (MemoryRecords part : parts) {
      size += part.sizeInBytes();
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    for (MemoryRecords part : parts) {
      buffer.put(part.buffer());
    }
    buffer.flip();
    return MemoryRecords.readableRecords(buffer);
  }

  static List<RecordBatch> batches(ByteBuffer bytes) {
    List<RecordBatch> batches = new ArrayList<>();
    MemoryRecords.readableRecords(bytes.duplicate()).batches().forEach(batches::add);
    return batches;
  }

  static LogConfig config(Object... nameValuePairs) {
    Map<String, String> overrides = new HashMap<>();
    for (int i = 0; i < nameValuePairs.length; i += 2) {
      overrides.put((String) nameValuePairs[i], String.valueOf(nameValuePairs[i + 1]));
    }
    return LogConfig.fromMap(overrides, LogConfig.defaults());
  }

  /** The log's bytes from its start to its end, batch after batch, as stored. */
  static byte[] readAll(Log log) throws IOException {
    ByteBuffer all = ByteBuffer.allocate((int) log.sizeInBytes());
    long offset = log.logStartOffset();
    while (offset < log.logEndOffset()) {
      LogReadResult result = log.read(offset, Integer.MAX_VALUE, Long.MAX_VALUE);
      all.put(result.records());
      offset = result.nextOffset();
    }
    assertEquals(all.capacity(), all.position(), "every stored byte is read back");
    return all.array();
  }

  static String value(org.apache.kafka.common.record.internal.Record record) {
    ByteBuffer value = record.value();
    byte[] bytes = new byte[value.remaining()];
    value.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Deletes {@code dir} and everything in it. */
  static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(file);
      }
    }
  }
}
