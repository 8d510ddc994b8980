package io.skein.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from offset to file position within one segment: entries of (4-byte offset relative to
 * the segment base, 4-byte position of the batch starting at that offset).
 *
 * <p>Invariants: relative offsets and positions are both strictly increasing; every entry points at
 * the start of a batch whose base offset is the entry's offset. So the entry at or below a target
 * offset gives a position at or before the batch holding the target.
 */
final class OffsetIndex extends MappedIndex {
  static final int ENTRY_SIZE = 8;

  OffsetIndex(Path file, long baseOffset, int mappedBytes) throws IOException {
    super(file, baseOffset, ENTRY_SIZE, mappedBytes);
  }

  boolean isFull() {
    return entries() >= maxEntries();
  }

  /**
   * Indexes the batch with base offset {@code offset} at {@code position}; skipped when full (the
   * index is sparse).
   */
  void append(long offset, int position) {
    if (isFull()) {
      return;
    }
    long relative = offset - baseOffset;
    if (relative < 0 || relative > Integer.MAX_VALUE) {
      throw new IllegalStateException(
          "offset " + offset + " does not fit segment " + baseOffset + "'s index");
    }
    int count = entries();
    if (count > 0) {
      ByteBuffer view = readView();
      int last = (count - 1) * ENTRY_SIZE;
      if (relative <= view.getInt(last) || position <= view.getInt(last + 4)) {
        throw new IllegalStateException(
            "offset index entries must increase: ("
                + offset
                + ", "
                + position
                + ") after ("
                + (baseOffset + view.getInt(last))
                + ", "
                + view.getInt(last + 4)
                + ")");
      }
    }
    appendEntry(
        (buffer, at) -> {
          buffer.putInt(at, (int) relative);
          buffer.putInt(at + 4, position);
        });
  }

  /**
   * Position of the indexed batch with the largest base offset at or below {@code targetOffset},
   * else 0.
   */
  int lookupPosition(long targetOffset) {
    ByteBuffer view = readView();
    int entry = lastEntryAtOrBelow(view, entries(), targetOffset - baseOffset, false);
    return entry < 0 ? 0 : view.getInt(entry * ENTRY_SIZE + 4);
  }

  /**
   * Position of the indexed batch with the smallest base offset above {@code targetOffset}, or -1
   * if no indexed batch starts above it.
   */
  int firstPositionAbove(long targetOffset) {
    ByteBuffer view = readView();
    int count = entries();
    int entry = lastEntryAtOrBelow(view, count, targetOffset - baseOffset, false) + 1;
    return entry < count ? view.getInt(entry * ENTRY_SIZE + 4) : -1;
  }

  /** The largest indexed position at or below {@code position}, else 0 (where the first batch starts). */
  int lastPositionAtOrBelow(int position) {
    ByteBuffer view = readView();
    int low = 0;
    int high = entries() - 1;
    int found = 0;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      int at = view.getInt(middle * ENTRY_SIZE + 4);
      if (at <= position) {
        found = at;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Position of the last entry, or 0 without entries. */
  int lastPosition() {
    int count = entries();
    return count == 0 ? 0 : readView().getInt((count - 1) * ENTRY_SIZE + 4);
  }

  /** Drops entries for offsets at or above {@code offset}. */
  void truncateTo(long offset) {
    ByteBuffer view = readView();
    truncateToEntries(lastEntryAtOrBelow(view, entries(), offset - baseOffset, true) + 1);
  }

  /**
   * Null if the entries satisfy the invariants for a log file of {@code logBytes}, else the
   * violated one.
   */
  String sanityProblem(long logBytes) {
    if (!lengthIsWholeEntries()) {
      return "index length is not a multiple of " + ENTRY_SIZE;
    }
    ByteBuffer view = readView();
    long previousOffset = -1;
    long previousPosition = -1;
    for (int i = 0; i < entries(); i++) {
      int relative = view.getInt(i * ENTRY_SIZE);
      int position = view.getInt(i * ENTRY_SIZE + 4);
      if (relative <= previousOffset || position <= previousPosition) {
        return "entry "
            + i
            + " ("
            + relative
            + ", "
            + position
            + ") does not increase on the previous one";
      }
      if (position >= logBytes) {
        return "entry "
            + i
            + " points at position "
            + position
            + " beyond the log's "
            + logBytes
            + " bytes";
      }
      previousOffset = relative;
      previousPosition = position;
    }
    return null;
  }

  @Override
  protected long keyAt(ByteBuffer view, int entry) {
    return view.getInt(entry * ENTRY_SIZE);
  }
}
