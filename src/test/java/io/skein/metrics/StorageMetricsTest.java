package io.skein.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.skein.log.Log;
import io.skein.log.LogCleaner;
import io.skein.log.LogConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage meters move with what a real log does: opens, rolls, fsyncs, retention; and the cleaner's. */
class StorageMetricsTest {

  private static final long HOUR = 3_600_000L;
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final StorageMetrics storage = new StorageMetrics(registry);

  private static MemoryRecords batch(long timestampMs) {
    return MemoryRecords.withRecords(Compression.NONE,
        new SimpleRecord(timestampMs, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8)));
  }

  private double counter(String name) {
    return registry.get(name).counter().count();
  }

  @Test
  void aRollCountsOneAndEachFsyncIsTimed() throws IOException {
    try (Log log = Log.open(dir, LogConfig.defaults(), Clock.systemUTC(), storage)) {
      assertEquals(1, registry.get("skein.log.open").tag("opened", "new").timer().count());
      log.appendAsLeader(batch(System.currentTimeMillis()), 0);
      log.roll();
      assertEquals(1, counter("skein.log.segment.rolls"));
      assertEquals(1, registry.get("skein.log.flushes").timer().count(), "the roll fsynced the closed segment");
      log.appendAsLeader(batch(System.currentTimeMillis()), 0);
      log.flush();
      assertEquals(2, registry.get("skein.log.flushes").timer().count());
      assertTrue(registry.get("skein.log.flushes").timer().totalTime(TimeUnit.NANOSECONDS) > 0);
    }
    try (Log reopened = Log.open(dir, LogConfig.defaults(), Clock.systemUTC(), storage)) {
      assertEquals(1, registry.get("skein.log.open").tag("opened", "clean").timer().count());
      assertEquals(0, registry.get("skein.log.open").tag("opened", "recovered").timer().count());
    }
  }

  @Test
  void retentionDeletingASegmentCountsItAndItsBytes() throws IOException {
    // Past the first segment's retention, not the second's: no clock needs to move.
    Clock clock = Clock.fixed(START.plusMillis(HOUR + 1), ZoneOffset.UTC);
    LogConfig config = LogConfig.fromMap(Map.of("retention.ms", Long.toString(HOUR)), LogConfig.defaults());
    try (Log log = Log.open(dir, config, clock, storage)) {
      log.appendAsLeader(batch(START.toEpochMilli()), 0);
      log.roll();
      long expiredBytes = log.sizeInBytes();
      log.appendAsLeader(batch(START.toEpochMilli() + 2 * HOUR), 0);
      assertEquals(1, log.deleteRetainedSegments());
      assertEquals(1, counter("skein.log.retention.deleted.segments"));
      assertEquals(expiredBytes, counter("skein.log.retention.deleted.bytes"));
    }
  }

  @Test
  void theCleanersTotalsAndDirtyRatioAreReadAtEachScrape() {
    AtomicReference<Optional<LogCleaner.Progress>> progress = new AtomicReference<>(Optional.empty());
    AtomicReference<Double> ratio = new AtomicReference<>(0.0);
    storage.cleaner(progress::get, ratio::get);
    assertEquals(0, registry.get("skein.log.cleaner.cleans").functionCounter().count(), "not started");
    progress.set(Optional.of(new LogCleaner.Progress(2, 4096, 1024, 100, 25)));
    ratio.set(0.75);
    assertEquals(2, registry.get("skein.log.cleaner.cleans").functionCounter().count());
    assertEquals(4096, registry.get("skein.log.cleaner.bytes.read").functionCounter().count());
    assertEquals(1024, registry.get("skein.log.cleaner.bytes.written").functionCounter().count());
    assertEquals(0.75, registry.get("skein.log.cleaner.max.dirty.ratio").gauge().value());
  }
}
