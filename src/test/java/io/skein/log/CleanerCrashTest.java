package io.skein.log;

import static io.skein.log.LogTestSupport.START_MS;
import static io.skein.log.LogTestSupport.config;
import static io.skein.log.LogTestSupport.keyed;
import static io.skein.log.LogTestSupport.latestValues;
import static io.skein.log.LogTestSupport.readRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LogTestSupport.Stored;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A broker killed at every step of a clean. The crash is simulated by stopping the swap at a step
 * (an observer throws) and abandoning the Log without close(), so the files are left exactly as the
 * steps so far wrote them; then the directory is opened again.
 */
class CleanerCrashTest {
  @TempDir Path dir;

  private final LogTestSupport.ManualClock clock = new LogTestSupport.ManualClock(START_MS);
  private final LogConfig compact =
      config("cleanup.policy", "compact", "segment.bytes", 600, "index.interval.bytes", 150);

  private static final class SimulatedCrash extends IOException {
    SimulatedCrash(Log.SwapStep step) {
      super("crash at " + step);
    }
  }

  private List<Stored> original;

  /** What the last reopen read, before it cleaned again. */
  private List<Stored> recovered;

  /** A log of several segments with overwrites and tombstones, all committed. */
  private Log writeLog() throws IOException {
    Log log = Log.open(dir, compact, clock);
    for (int i = 0; i < 40; i++) {
      String key = "k" + (i % 6);
      String value = i % 9 == 8 ? null : "v" + i;
      log.appendAsLeader(keyed(START_MS + i, key, value, "other" + (i % 4), "w" + i), 0);
    }
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    original = readRecords(log);
    return log;
  }

  @ParameterizedTest
  @EnumSource(Log.SwapStep.class)
  void aCrashAtAnyStepOfTheFirstOrSecondSwapRecoversOldOrNewSegments(Log.SwapStep step)
      throws Exception {
    for (int crashOnSwap = 1; crashOnSwap <= 2; crashOnSwap++) {
      clearDir();
      Log log = writeLog();
      int[] swaps = {0};
      int crashAt = crashOnSwap;
      log.observeSwaps(
          reached -> {
            if (reached == Log.SwapStep.CLEANED_WRITTEN) {
              swaps[0]++;
            }
            if (reached == step && swaps[0] == crashAt) {
              throw new SimulatedCrash(step);
            }
          });
      assertThrows(SimulatedCrash.class, () -> cleaner().clean(log, () -> false));
      assertRecoversConsistently();
    }
  }

  @Test
  void aCrashBetweenRenamingTheIndexesAndTheLogToSwapKeepsTheOldSegments() throws Exception {
    Log log = writeLog();
    crashAt(log, Log.SwapStep.CLEANED_WRITTEN);
    // The swap renames the indexes first: leave them renamed and the log file not.
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(LogSegment.INDEX_SUFFIX + LogSegment.CLEANED_SUFFIX)
            || name.endsWith(LogSegment.TIME_INDEX_SUFFIX + LogSegment.CLEANED_SUFFIX)) {
          Files.move(file, file.resolveSibling(name.replace(".cleaned", ".swap")));
        }
      }
    }
    try (Log reopened = assertRecoversConsistently()) {
      assertEquals(original, recovered, "nothing was replaced");
    }
  }

  @Test
  void aCrashBetweenInstallingTheIndexesAndTheLogCompletesTheSwap() throws Exception {
    Log log = writeLog();
    crashAt(log, Log.SwapStep.ALL_OLD_RENAMED_TO_DELETED);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(LogSegment.INDEX_SUFFIX + LogSegment.SWAP_SUFFIX)
            || name.endsWith(LogSegment.TIME_INDEX_SUFFIX + LogSegment.SWAP_SUFFIX)) {
          Files.move(file, file.resolveSibling(name.replace(".swap", "")));
        }
      }
    }
    try (Log reopened = assertRecoversConsistently()) {
      assertTrue(recovered.size() < original.size(), "the swap completed");
    }
  }

  @Test
  void aTornCleanedFileIsDiscarded() throws Exception {
    Log log = writeLog();
    crashAt(log, Log.SwapStep.CLEANED_WRITTEN);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        if (file.toString().endsWith(LogSegment.LOG_SUFFIX + LogSegment.CLEANED_SUFFIX)) {
          try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
          }
        }
      }
    }
    try (Log reopened = assertRecoversConsistently()) {
      assertEquals(original, recovered);
    }
  }

  private void crashAt(Log log, Log.SwapStep step) {
    log.observeSwaps(
        reached -> {
          if (reached == step) {
            throw new SimulatedCrash(step);
          }
        });
    assertThrows(SimulatedCrash.class, () -> cleaner().clean(log, () -> false));
  }

  /**
   * Reopens the abandoned log and checks it holds the latest value of every key, each record as it
   * was at its offset, offsets increasing, no leftover files, sound indexes; and that it cleans on.
   * Returns the reopened log.
   */
  private Log assertRecoversConsistently() throws Exception {
    Log reopened = Log.open(dir, compact, clock);
    recovered = readRecords(reopened);
    Map<String, String> expected = latestValues(original);
    assertEquals(expected, latestValues(recovered), "every key's latest value survives");
    Set<Stored> before = new HashSet<>(original);
    long previous = -1;
    for (Stored record : recovered) {
      assertTrue(before.contains(record), record + " is the record that was at its offset");
      assertTrue(record.offset() > previous, "offsets increase, nothing is duplicated");
      previous = record.offset();
    }
    assertEquals(original.get(original.size() - 1).offset() + 1, reopened.logEndOffset());
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> leftovers =
          files
              .filter(
                  f ->
                      Stream.of(".cleaned", ".swap", ".deleted")
                          .anyMatch(suffix -> f.toString().endsWith(suffix)))
              .toList();
      assertEquals(List.of(), leftovers);
    }
    for (LogSegment segment : reopened.segments()) {
      assertNull(segment.offsetIndex().sanityProblem(segment.size()));
      assertNull(segment.timeIndex().sanityProblem(segment.nextOffset()));
    }
    reopened.updateHighWatermark(reopened.logEndOffset());
    cleaner().clean(reopened, () -> false);
    assertEquals(expected, latestValues(readRecords(reopened)), "and it cleans on");
    return reopened;
  }

  private Cleaner cleaner() {
    return new Cleaner(1 << 16, new Throttler(Long.MAX_VALUE), clock);
  }

  private void clearDir() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
  }
}
