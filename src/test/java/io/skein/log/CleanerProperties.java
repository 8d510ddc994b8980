package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.keyed;
import static io.skein.log.LogTestSupport.latestValues;
import static io.skein.log.LogTestSupport.readRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LogTestSupport.Stored;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class CleanerProperties {
  private static final class SimulatedCrash extends IOException {
    SimulatedCrash() {
      super("simulated crash");
    }
  }

  /**
   * Operations, by code: below 60 append a batch of keyed records (some tombstones), below 72 roll
   * and commit everything, below 86 clean, below 94 crash at a random step of a clean and reopen,
   * else close and reopen. After each, every record read is the one written at its offset, offsets
   * increase, and every key's latest value (tombstones included) is readable.
   */
  @Property(tries = 60)
  void latestValueOfEveryKeySurvivesAppendsCleansAndCrashes(
      @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 99) Integer> operations,
      @ForAll @IntRange(min = 150, max = 2000) int segmentBytes,
      @ForAll @IntRange(min = 2, max = 400) int offsetMapEntries,
      @ForAll @IntRange(min = 1, max = 30) int keys,
      @ForAll long seed)
      throws Exception {
    Path dir = Files.createTempDirectory("cleaner-properties");
    Random random = new Random(seed);
    LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
    LogConfig config =
        LogTestSupport.config(
            "cleanup.policy",
            "compact",
            "segment.bytes",
            segmentBytes,
            "index.interval.bytes",
            100);
    Cleaner cleaner =
        new Cleaner(OffsetMap.ENTRY_BYTES * offsetMapEntries, new Throttler(Long.MAX_VALUE), clock);
    Map<Long, Stored> written = new HashMap<>();
    Map<String, String> latest = new HashMap<>();
    Log log = Log.open(dir, config, clock);
    try {
      for (int operation : operations) {
        if (operation < 60) {
          int count = 1 + random.nextInt(3);
          String[] keysAndValues = new String[2 * count];
          for (int i = 0; i < count; i++) {
            keysAndValues[2 * i] = "k" + random.nextInt(keys);
            keysAndValues[2 * i + 1] = random.nextInt(5) == 0 ? null : "v" + random.nextInt();
          }
          long offset = log.appendAsLeader(keyed(START_MS, keysAndValues), 0).firstOffset();
          for (int i = 0; i < count; i++) {
            written.put(
                offset + i, new Stored(offset + i, keysAndValues[2 * i], keysAndValues[2 * i + 1]));
            latest.put(keysAndValues[2 * i], keysAndValues[2 * i + 1]);
          }
        } else if (operation < 72) {
          log.roll();
          log.updateHighWatermark(log.logEndOffset());
        } else if (operation < 86) {
          cleanUnlessOffsetMapTooSmall(cleaner, log);
        } else if (operation < 94) {
          Log.SwapStep crashAt =
              Log.SwapStep.values()[random.nextInt(Log.SwapStep.values().length)];
          log.observeSwaps(
              step -> {
                if (step == crashAt) {
                  throw new SimulatedCrash();
                }
              });
          try {
            cleanUnlessOffsetMapTooSmall(cleaner, log);
          } catch (SimulatedCrash crashed) {
            // the log is abandoned below, as a killed broker leaves it
          }
          long highWatermark = log.highWatermark();
          log = Log.open(dir, config, clock);
          log.updateHighWatermark(highWatermark);
        } else {
          long highWatermark = log.highWatermark();
          log.close();
          log = Log.open(dir, config, clock);
          log.updateHighWatermark(highWatermark);
        }
        List<Stored> read = readRecords(log);
        long previous = -1;
        for (Stored record : read) {
          assertEquals(written.get(record.offset()), record, "the record written at its offset");
          assertTrue(record.offset() > previous, "offsets increase");
          previous = record.offset();
        }
        assertEquals(latest, latestValues(read));
      }
    } finally {
      log.close();
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  /** A map smaller than one batch's records refuses to clean, and says so; that is not at issue. */
  private static void cleanUnlessOffsetMapTooSmall(Cleaner cleaner, Log log) throws Exception {
    try {
      cleaner.clean(log, () -> false);
    } catch (IllegalStateException e) {
      assertTrue(e.getMessage().contains("log.cleaner.dedupe.buffer.size"), e.getMessage());
    }
  }
}
