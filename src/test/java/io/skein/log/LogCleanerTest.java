package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.config;
import static io.skein.log.LogTestSupport.keyed;
import static io.skein.log.LogTestSupport.latestValues;
import static io.skein.log.LogTestSupport.readRecords;
import static io.skein.testing.Eventually.assertEventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LogTestSupport.Stored;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCleanerTest {
  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);

  private static final LogConfig COMPACT =
      config("cleanup.policy", "compact", "segment.bytes", 600);

  private static LogCleaner.Settings settings(int threads, long bytesPerSecond) {
    return new LogCleaner.Settings(threads, bytesPerSecond, 1024L * 1024, Duration.ofMillis(10));
  }

  /** {@code overwrites} batches over four keys, committed and rolled. */
  private Log writeLog(String name, LogConfig config, int overwrites) throws IOException {
    Log log = Log.open(dir.resolve(name), config, clock);
    for (int i = 0; i < overwrites; i++) {
      log.appendAsLeader(
          keyed(START_MS + i, "k" + (i % 4), "v" + i, "k" + ((i + 1) % 4), "w" + i), 0);
    }
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    return log;
  }

  @Test
  void cleansRegisteredCompactedLogsAndLeavesOthersAlone() throws Exception {
    try (Log compacted = writeLog("compacted", COMPACT, 40);
        Log deleted = writeLog("deleted", config("segment.bytes", 600), 40);
        LogCleaner cleaner = new LogCleaner(settings(2, Long.MAX_VALUE), clock)) {
      Map<String, String> latest = latestValues(readRecords(compacted));
      List<Stored> untouched = readRecords(deleted);
      cleaner.register(compacted);
      cleaner.register(deleted);
      assertEventually(
          "the compacted log is clean",
          Duration.ofSeconds(20),
          () -> cleaner.lastClean(compacted).isPresent());
      assertEquals(compacted.logEndOffset(), compacted.cleanedOffset());
      assertEquals(latest, latestValues(readRecords(compacted)));
      assertEquals(4, readRecords(compacted).size());
      assertEquals(1, cleaner.progress().cleans());
      assertTrue(cleaner.progress().bytesRead() > cleaner.progress().bytesWritten());
      assertEquals(untouched, readRecords(deleted), "cleanup.policy=delete is not compacted");
      assertEquals(0, deleted.cleanedOffset());

      // An --alter to compact takes effect on the running log.
      deleted.updateConfig(COMPACT);
      cleaner.wakeUp();
      assertEventually(
          "the altered log is clean",
          Duration.ofSeconds(20),
          () -> deleted.cleanedOffset() == deleted.logEndOffset());
      cleaner.deregister(compacted);
      cleaner.deregister(deleted);
    }
  }

  @Test
  void tombstonesGoOnceTheirHorizonPassesThoughNothingMoreIsWritten() throws Exception {
    LogConfig config =
        config("cleanup.policy", "compact", "segment.bytes", 600, "delete.retention.ms", 1000);
    try (Log log = Log.open(dir.resolve("idle"), config, clock);
        LogCleaner cleaner = new LogCleaner(settings(1, Long.MAX_VALUE), clock)) {
      log.appendAsLeader(keyed(START_MS, "deleted", "v", "kept", "v"), 0);
      log.appendAsLeader(keyed(START_MS, "deleted", null), 0);
      log.roll();
      log.updateHighWatermark(log.logEndOffset());
      cleaner.register(log);
      assertEventually(
          "the first clean keeps the tombstone",
          Duration.ofSeconds(20),
          () -> cleaner.lastClean(log).isPresent());
      assertEquals(
          List.of(new Stored(1, "kept", "v"), new Stored(2, "deleted", null)), readRecords(log));
      clock.advance(1001);
      cleaner.wakeUp();
      assertEventually(
          "a later clean drops it", Duration.ofSeconds(20), () -> cleaner.progress().cleans() == 2);
      assertEquals(List.of(new Stored(1, "kept", "v")), readRecords(log));
      cleaner.deregister(log);
    }
  }

  @Test
  void deregisterStopsACleanInProgressAndWaitsForIt() throws Exception {
    try (Log log = writeLog("slow", COMPACT, 200);
        LogCleaner cleaner = new LogCleaner(settings(1, 2000), clock)) {
      List<Stored> before = readRecords(log);
      cleaner.register(log);
      assertEventually(
          "the clean has started writing",
          Duration.ofSeconds(20),
          () -> cleanedFiles(log.dir()) > 0);
      cleaner.deregister(log);
      assertEquals(0, cleanedFiles(log.dir()), "nothing is left of the stopped clean");
      List<Stored> after = readRecords(log);
      assertEquals(latestValues(before), latestValues(after));
    }
  }

  private static long cleanedFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(LogSegment.CLEANED_SUFFIX)).count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theDirtiestLogGoesFirstUnlessAnotherIsPastMaxCompactionLag() throws Exception {
    try (Log cleanedThenWritten = writeLog("cleaned-then-written", COMPACT, 20);
        Log neverCleaned = writeLog("never-cleaned", COMPACT, 20);
        Log mostlyClean = writeLog("mostly-clean", COMPACT, 40)) {
      Cleaner cleaner = new Cleaner(1 << 16, new Throttler(Long.MAX_VALUE), clock);
      cleaner.clean(mostlyClean, () -> false);
      mostlyClean.appendAsLeader(keyed(START_MS, "k1", "x"), 0);
      mostlyClean.roll();
      mostlyClean.updateHighWatermark(mostlyClean.logEndOffset());
      // Never cleaned: a dirty ratio of 1. Cleaned, then 30 new records: between 0.5 and 1.
      cleaner.clean(cleanedThenWritten, () -> false);
      for (int i = 0; i < 30; i++) {
        cleanedThenWritten.appendAsLeader(keyed(START_MS, "k" + i, "y"), 0);
      }
      cleanedThenWritten.roll();
      cleanedThenWritten.updateHighWatermark(cleanedThenWritten.logEndOffset());
      long now = clock.millis();
      assertSame(
          neverCleaned,
          LogCleaner.dirtiest(List.of(mostlyClean, cleanedThenWritten, neverCleaned), now));
      assertSame(
          cleanedThenWritten, LogCleaner.dirtiest(List.of(mostlyClean, cleanedThenWritten), now));
      assertNull(
          LogCleaner.dirtiest(List.of(mostlyClean), now), "below min.cleanable.dirty.ratio of 0.5");

      mostlyClean.updateConfig(
          config("cleanup.policy", "compact", "segment.bytes", 600, "max.compaction.lag.ms", 1000));
      clock.advance(1001);
      assertSame(
          mostlyClean,
          LogCleaner.dirtiest(
              List.of(cleanedThenWritten, neverCleaned, mostlyClean), clock.millis()),
          "past max.compaction.lag.ms goes first");
    }
  }

  @Test
  void settingsAreChecked() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new LogCleaner.Settings(0, 1, 1 << 20, Duration.ofSeconds(1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new LogCleaner.Settings(1, 0, 1 << 20, Duration.ofSeconds(1)));
    IllegalArgumentException small =
        assertThrows(
            IllegalArgumentException.class,
            () -> new LogCleaner.Settings(4, 1, 1 << 16, Duration.ofSeconds(1)));
    assertTrue(small.getMessage().contains("log.cleaner.dedupe.buffer.size"), small.getMessage());
  }
}
