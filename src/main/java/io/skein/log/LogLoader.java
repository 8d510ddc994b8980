package io.skein.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What opening a log does to its directory before the {@link Log} exists: finish the segment
 * swaps a crash interrupted, delete what interrupted operations left, and load the segments,
 * validating batch by batch those that may hold unflushed writes.
 */
final class LogLoader {

  /** Logged as the log itself: operators read one logger for what happened to a log on open. */
  private static final Logger LOG = LoggerFactory.getLogger(Log.class);

  /**
   * Suffixes left by interrupted operations (deletion, checkpoint writes, compaction); removed on
   * open.
   */
  private static final List<String> STRAY_SUFFIXES =
      List.of(
          LogSegment.DELETED_SUFFIX,
          CheckpointFile.TEMP_SUFFIX,
          LogSegment.CLEANED_SUFFIX,
          LogSegment.SWAP_SUFFIX);

  private LogLoader() {}

  /**
   * Opens every segment. After a clean shutdown each is trusted once its indexes pass a sanity
   * check; otherwise segments from the one holding the recovery point on are validated batch by
   * batch (all of them for a negative recovery point). At the first bad batch the segment is
   * truncated and every later segment deleted. Recovered segments are fsynced.
   */
  static ConcurrentSkipListMap<Long, LogSegment> loadSegments(
      Path dir,
      LogConfig config,
      boolean cleanShutdown,
      long recoveryPoint,
      LogSegment.RecoveredBatch recovered)
      throws IOException {
    List<Long> baseOffsets = segmentBaseOffsets(dir);
    long recoverFrom = Long.MAX_VALUE;
    if (!cleanShutdown) {
      recoverFrom = baseOffsets.isEmpty() ? 0 : baseOffsets.get(0);
      for (long base : baseOffsets) {
        if (base <= recoveryPoint) {
          recoverFrom = base;
        }
      }
    }
    ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    long previousNextOffset = 0;
    for (int i = 0; i < baseOffsets.size(); i++) {
      long base = baseOffsets.get(i);
      if (base < previousNextOffset) {
        for (LogSegment loaded : segments.values()) {
          loaded.close();
        }
        throw new CorruptRecordException(
            "Segment "
                + LogSegment.fileName(base, LogSegment.LOG_SUFFIX)
                + " in "
                + dir
                + " overlaps the previous segment, which ends at offset "
                + previousNextOffset);
      }
      LogSegment segment = LogSegment.open(dir, base);
      boolean recover = base >= recoverFrom;
      if (!recover) {
        String problem = segment.loadClean();
        if (problem != null) {
          LOG.warn("Rebuilding indexes of {} from the log: {}", segment.logFile(), problem);
          recover = true;
        }
      }
      segments.put(base, segment);
      if (recover) {
        LogSegment.Recovery recovery =
            segment.recover(
                previousNextOffset,
                config.segmentIndexBytes(),
                config.indexIntervalBytes(),
                recovered);
        segment.flush();
        if (recovery.truncatedBytes() > 0) {
          LOG.warn(
              "Recovery truncated {} at position {}: dropped {} bytes ({}); offsets from {} on are"
                  + " lost",
              segment.logFile(),
              recovery.validBytes(),
              recovery.truncatedBytes(),
              recovery.reason(),
              segment.nextOffset());
          deleteSegmentFilesAfter(dir, baseOffsets.subList(i + 1, baseOffsets.size()));
          break;
        }
      }
      previousNextOffset = segment.nextOffset();
    }
    return segments;
  }

  private static void deleteSegmentFilesAfter(Path dir, List<Long> laterBaseOffsets)
      throws IOException {
    for (long base : laterBaseOffsets) {
      Path logFile = dir.resolve(LogSegment.fileName(base, LogSegment.LOG_SUFFIX));
      LOG.warn(
          "Recovery deleted {} ({} bytes): it follows a truncated segment",
          logFile,
          Files.size(logFile));
      for (String suffix :
          List.of(LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX, LogSegment.TIME_INDEX_SUFFIX)) {
        Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, suffix)));
      }
    }
  }

  /** Base offsets of the .log files, sorted; index files without a .log file are deleted. */
  private static List<Long> segmentBaseOffsets(Path dir) throws IOException {
    List<Long> baseOffsets = new ArrayList<>();
    List<Path> orphanIndexes = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        long base = LogSegment.parseBaseOffset(name, LogSegment.LOG_SUFFIX);
        if (base >= 0) {
          baseOffsets.add(base);
          continue;
        }
        long indexBase =
            Math.max(
                LogSegment.parseBaseOffset(name, LogSegment.INDEX_SUFFIX),
                LogSegment.parseBaseOffset(name, LogSegment.TIME_INDEX_SUFFIX));
        if (indexBase >= 0
            && !Files.exists(dir.resolve(LogSegment.fileName(indexBase, LogSegment.LOG_SUFFIX)))) {
          orphanIndexes.add(file);
        }
      }
    }
    for (Path orphan : orphanIndexes) {
      LOG.warn("Deleting index file {} that has no log file", orphan);
      Files.delete(orphan);
    }
    baseOffsets.sort(Comparator.naturalOrder());
    return baseOffsets;
  }

  /**
   * Finishes every swap a crash interrupted: a {@code <base>.log.swap} file replaces each segment
   * whose base offset lies within its offsets; its index files are rebuilt when the log loads. Run
   * before stray files are deleted, which takes the {@code .cleaned} files of swaps that had not
   * begun and the {@code .deleted} files of old segments.
   */
  static void completeInterruptedSwaps(Path dir) throws IOException {
    String swapLogSuffix = LogSegment.LOG_SUFFIX + LogSegment.SWAP_SUFFIX;
    List<Long> swapBases = new ArrayList<>();
    List<Long> logBases = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        long swapBase = LogSegment.parseBaseOffset(name, swapLogSuffix);
        if (swapBase >= 0) {
          swapBases.add(swapBase);
        }
        long logBase = LogSegment.parseBaseOffset(name, LogSegment.LOG_SUFFIX);
        if (logBase >= 0) {
          logBases.add(logBase);
        }
      }
    }
    for (long swapBase : swapBases) {
      Path swapLog = dir.resolve(LogSegment.fileName(swapBase, swapLogSuffix));
      long swapEnd = LogSegment.nextOffsetOf(swapLog, swapBase);
      for (long logBase : logBases) {
        if (logBase >= swapBase && logBase < swapEnd) {
          LOG.info(
              "Completing an interrupted swap in {}: {} replaces the segment at {}",
              dir,
              swapLog.getFileName(),
              logBase);
          deleteSegmentFiles(dir, logBase, "");
        }
      }
      // Whichever index files of the swap got this far, new or old, they are rebuilt from the log.
      for (String suffix : List.of(LogSegment.SWAP_SUFFIX, "")) {
        Files.deleteIfExists(
            dir.resolve(LogSegment.fileName(swapBase, LogSegment.INDEX_SUFFIX) + suffix));
        Files.deleteIfExists(
            dir.resolve(LogSegment.fileName(swapBase, LogSegment.TIME_INDEX_SUFFIX) + suffix));
      }
      Files.move(swapLog, dir.resolve(LogSegment.fileName(swapBase, LogSegment.LOG_SUFFIX)));
    }
    if (!swapBases.isEmpty()) {
      CheckpointFile.fsyncDirectory(dir);
    }
  }

  /** Deletes the files of the segment at {@code base} whose names end in {@code suffix}. */
  private static void deleteSegmentFiles(Path dir, long base, String suffix) throws IOException {
    for (String kind :
        List.of(LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX, LogSegment.TIME_INDEX_SUFFIX)) {
      Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, kind) + suffix));
    }
  }

  static void deleteStrayFiles(Path dir) throws IOException {
    List<Path> strays = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files
          .filter(file -> STRAY_SUFFIXES.stream().anyMatch(file.getFileName().toString()::endsWith))
          .forEach(strays::add);
    }
    for (Path stray : strays) {
      LOG.info("Deleting {} left by an interrupted operation", stray);
      Files.delete(stray);
    }
  }
}
