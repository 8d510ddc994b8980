package io.skein.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Sparse map from time to offset within one segment: entries of (8-byte timestamp, 4-byte offset
 * relative to the segment base). An entry (t, o) means every record at or below offset o has a
 * timestamp at most t: t is the largest timestamp seen so far and o the last offset of the batch
 * after which it was written.
 *
 * <p>Invariants: timestamps and relative offsets strictly increase. The last slot is reserved for
 * the entry written when the segment becomes inactive, so retention can read the segment's largest
 * timestamp from the last entry.
 */
final class TimeIndex extends MappedIndex {
  static final int ENTRY_SIZE = 12;

  TimeIndex(Path file, long baseOffset, int mappedBytes) throws IOException {
    super(file, baseOffset, ENTRY_SIZE, mappedBytes);
  }

  /** Full for ordinary appends: only the slot reserved for the closing entry is left. */
  boolean isFull() {
    return entries() >= maxEntries() - 1;
  }

  /**
   * Records that offsets up to {@code offset} have timestamps at most {@code timestamp}, if that
   * raises the last entry's timestamp and there is room ({@code useReservedSlot} lets the closing
   * entry take the reserved slot).
   */
  void maybeAppend(long timestamp, long offset, boolean useReservedSlot) {
    int count = entries();
    if (count >= (useReservedSlot ? maxEntries() : maxEntries() - 1)) {
      return;
    }
    ByteBuffer view = readView();
    if (count > 0 && timestamp <= view.getLong((count - 1) * ENTRY_SIZE)) {
      return;
    }
    if (timestamp == RecordBatch.NO_TIMESTAMP) {
      return;
    }
    long relative = offset - baseOffset;
    if (relative < 0 || relative > Integer.MAX_VALUE) {
      throw new IllegalStateException(
          "offset " + offset + " does not fit segment " + baseOffset + "'s index");
    }
    if (count > 0 && relative <= view.getInt((count - 1) * ENTRY_SIZE + 8)) {
      throw new IllegalStateException(
          "time index offsets must increase: "
              + offset
              + " after "
              + (baseOffset + view.getInt((count - 1) * ENTRY_SIZE + 8)));
    }
    appendEntry(
        (buffer, at) -> {
          buffer.putLong(at, timestamp);
          buffer.putInt(at + 8, (int) relative);
        });
  }

  /**
   * The last offset of an entry whose timestamp is below {@code timestamp}: all records up to it
   * are older. -1 if none.
   */
  long lastOffsetOlderThan(long timestamp) {
    ByteBuffer view = readView();
    int entry = lastEntryAtOrBelow(view, entries(), timestamp, true);
    return entry < 0 ? -1 : baseOffset + view.getInt(entry * ENTRY_SIZE + 8);
  }

  /**
   * The last entry's timestamp: the segment's largest timestamp once it is inactive. NO_TIMESTAMP
   * if empty.
   */
  long lastTimestamp() {
    int count = entries();
    return count == 0 ? RecordBatch.NO_TIMESTAMP : readView().getLong((count - 1) * ENTRY_SIZE);
  }

  /** Drops entries for offsets at or above {@code offset}. */
  void truncateTo(long offset) {
    ByteBuffer view = readView();
    int keep = 0;
    long relative = offset - baseOffset;
    while (keep < entries() && view.getInt(keep * ENTRY_SIZE + 8) < relative) {
      keep++;
    }
    truncateToEntries(keep);
  }

  /**
   * Null if the entries satisfy the invariants for a segment ending before {@code nextOffset}, else
   * the violated one.
   */
  String sanityProblem(long nextOffset) {
    if (!lengthIsWholeEntries()) {
      return "time index length is not a multiple of " + ENTRY_SIZE;
    }
    ByteBuffer view = readView();
    long previousTimestamp = Long.MIN_VALUE;
    long previousOffset = -1;
    for (int i = 0; i < entries(); i++) {
      long timestamp = view.getLong(i * ENTRY_SIZE);
      int relative = view.getInt(i * ENTRY_SIZE + 8);
      if (timestamp <= previousTimestamp || relative <= previousOffset) {
        return "entry "
            + i
            + " ("
            + timestamp
            + ", "
            + relative
            + ") does not increase on the previous one";
      }
      if (baseOffset + relative >= nextOffset) {
        return "entry "
            + i
            + " points at offset "
            + (baseOffset + relative)
            + " beyond the segment's end "
            + nextOffset;
      }
      previousTimestamp = timestamp;
      previousOffset = relative;
    }
    return null;
  }

  @Override
  protected long keyAt(ByteBuffer view, int entry) {
    return view.getLong(entry * ENTRY_SIZE);
  }
}
