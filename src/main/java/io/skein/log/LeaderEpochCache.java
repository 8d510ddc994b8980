package io.skein.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader epoch to the first offset written in it (KIP-101), persisted in {@code
 * leader-epoch-checkpoint} in Kafka's format: a version line (0), a count line, then one "epoch
 * startOffset" line per entry.
 *
 * <p>Invariants: epochs and start offsets both strictly increase; every epoch under which the log
 * holds a batch has an entry, and only the latest entry may have no batch yet (a leader records its
 * epoch when it starts leading, before its first append). Appends touch it only when the epoch
 * changes; methods are synchronized because replication may ask for end offsets from another
 * thread.
 */
final class LeaderEpochCache {
  static final String FILE_NAME = "leader-epoch-checkpoint";
  private static final Logger LOG = LoggerFactory.getLogger(LeaderEpochCache.class);
  private static final int VERSION = 0;

  record EpochEntry(int epoch, long startOffset) {}

  private final CheckpointFile checkpoint;
  private final List<EpochEntry> entries = new ArrayList<>();
  private volatile int latestEpoch = -1;
  private boolean lost;

  private LeaderEpochCache(CheckpointFile checkpoint) {
    this.checkpoint = checkpoint;
  }

  /**
   * Loads the checkpoint in {@code dir}. A missing or unreadable file gives an empty cache that is
   * {@link #lost()}: the log must rebuild it from its batches.
   */
  static LeaderEpochCache load(Path dir) throws IOException {
    LeaderEpochCache cache = new LeaderEpochCache(new CheckpointFile(dir.resolve(FILE_NAME)));
    cache.lost = !cache.checkpoint.exists();
    if (!cache.lost) {
      try {
        cache.parse(cache.checkpoint.readLines());
      } catch (RuntimeException e) {
        LOG.warn(
            "Unreadable leader epoch checkpoint {} ({}): rebuilding it from the log",
            cache.checkpoint.file(),
            e.getMessage());
        cache.entries.clear();
        cache.lost = true;
      }
    }
    cache.latestEpoch =
        cache.entries.isEmpty() ? -1 : cache.entries.get(cache.entries.size() - 1).epoch();
    return cache;
  }

  private void parse(List<String> lines) {
    if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != VERSION) {
      throw new IllegalArgumentException("expected version " + VERSION + " and a count");
    }
    int count = Integer.parseInt(lines.get(1).trim());
    if (lines.size() < 2 + count) {
      throw new IllegalArgumentException(
          "expected " + count + " entries, found " + (lines.size() - 2));
    }
    for (int i = 0; i < count; i++) {
      String[] fields = lines.get(2 + i).trim().split("\\s+");
      EpochEntry entry = new EpochEntry(Integer.parseInt(fields[0]), Long.parseLong(fields[1]));
      if (!entries.isEmpty()
          && (entry.epoch() <= last().epoch() || entry.startOffset() <= last().startOffset())) {
        throw new IllegalArgumentException("entries do not increase at line " + (3 + i));
      }
      entries.add(entry);
    }
  }

  int latestEpoch() {
    return latestEpoch;
  }

  /** True if the checkpoint was missing or unreadable when loaded. */
  boolean lost() {
    return lost;
  }

  /**
   * Records that {@code epoch} starts at {@code startOffset}. As in Kafka, entries that would break
   * monotonicity (an epoch at or above, or a start offset at or above the new one) are replaced.
   */
  synchronized void assign(int epoch, long startOffset) throws IOException {
    if (epoch < 0) {
      return;
    }
    if (!entries.isEmpty() && last().epoch() == epoch && startOffset >= last().startOffset()) {
      return;
    }
    entries.removeIf(e -> e.epoch() >= epoch || e.startOffset() >= startOffset);
    entries.add(new EpochEntry(epoch, startOffset));
    latestEpoch = epoch;
    persist();
  }

  /**
   * KIP-279: the largest epoch at or below {@code requested} and where it ends (the start of the
   * next epoch, or {@code logEndOffset} for the latest). A requested epoch older than every entry
   * answers itself with the start of the earliest entry, as Kafka does: what came before is gone
   * here, and a replica must keep nothing of that epoch past that point. {@link
   * EpochEndOffset#UNDEFINED} for an empty cache or a negative epoch.
   */
  synchronized EpochEndOffset endOffsetFor(int requested, long logEndOffset) {
    if (entries.isEmpty() || requested < 0) {
      return EpochEndOffset.UNDEFINED;
    }
    EpochEntry floor = null;
    for (EpochEntry entry : entries) {
      if (entry.epoch() > requested) {
        return floor == null
            ? new EpochEndOffset(requested, entry.startOffset())
            : new EpochEndOffset(floor.epoch(), entry.startOffset());
      }
      floor = entry;
    }
    return new EpochEndOffset(floor.epoch(), logEndOffset);
  }

  /**
   * Drops entries starting at or after {@code endOffset}, after the log was truncated there (or,
   * at the log end, a leader's epoch that never got a batch).
   */
  synchronized void truncateFromEnd(long endOffset) throws IOException {
    if (entries.removeIf(e -> e.startOffset() >= endOffset)) {
      latestEpoch = entries.isEmpty() ? -1 : last().epoch();
      persist();
    }
  }

  /** Drops every entry: the log holds no batch any more. */
  synchronized void clear() throws IOException {
    if (!entries.isEmpty()) {
      entries.clear();
      latestEpoch = -1;
      persist();
    }
  }

  /**
   * After the log start moved to {@code startOffset}: drops epochs wholly before it and moves the
   * start of the epoch covering it up to it.
   */
  synchronized void truncateFromStart(long startOffset) throws IOException {
    int covering = -1;
    for (int i = 0; i < entries.size() && entries.get(i).startOffset() <= startOffset; i++) {
      covering = i;
    }
    if (covering < 0 || (covering == 0 && entries.get(0).startOffset() == startOffset)) {
      return;
    }
    EpochEntry moved = new EpochEntry(entries.get(covering).epoch(), startOffset);
    entries.subList(0, covering + 1).clear();
    entries.add(0, moved);
    persist();
  }

  private EpochEntry last() {
    return entries.get(entries.size() - 1);
  }

  private void persist() throws IOException {
    StringBuilder content =
        new StringBuilder().append(VERSION).append('\n').append(entries.size()).append('\n');
    for (EpochEntry entry : entries) {
      content.append(entry.epoch()).append(' ').append(entry.startOffset()).append('\n');
    }
    checkpoint.write(content.toString());
  }
}
