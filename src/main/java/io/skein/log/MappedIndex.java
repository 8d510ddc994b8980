package io.skein.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file of fixed-size entries, sorted by key, memory-mapped. The active segment's index is
 * preallocated to segment.index.bytes so appends never grow the file; it is trimmed to its entries
 * when the segment rolls or the log closes.
 *
 * <p>One writer; readers on other threads read {@link #entries} (volatile, written after the entry
 * bytes) and then a duplicate of the current mapping, so they only see complete entries.
 */
abstract class MappedIndex {
  protected final long baseOffset;
  private final int entrySize;
  private volatile Path file;
  private volatile MappedByteBuffer mmap;
  private volatile int entries;
  private int maxEntries;

  /**
   * Whether the file found on open was not a whole number of entries: torn or foreign, so not to be
   * trusted.
   */
  private boolean tornLength;

  protected MappedIndex(Path file, long baseOffset, int entrySize, int mappedBytes)
      throws IOException {
    this.file = file;
    this.baseOffset = baseOffset;
    this.entrySize = entrySize;
    long lengthOnOpen = Files.exists(file) ? Files.size(file) : 0;
    this.tornLength = lengthOnOpen % entrySize != 0;
    this.entries = (int) (lengthOnOpen / entrySize);
    map(Math.max(roundDownToEntry(mappedBytes), entries * entrySize));
  }

  final int entries() {
    return entries;
  }

  final int maxEntries() {
    return maxEntries;
  }

  final Path file() {
    return file;
  }

  /**
   * The bytes of the current mapping, for readers: absolute reads only, below entries() *
   * entrySize.
   */
  protected final ByteBuffer readView() {
    return mmap.duplicate();
  }

  /**
   * Writes one entry at the end; {@code writer} puts the entry's bytes at the given byte position.
   */
  protected final void appendEntry(EntryWriter writer) {
    if (entries >= maxEntries) {
      throw new IllegalStateException("index " + file + " is full (" + maxEntries + " entries)");
    }
    writer.write(mmap, entries * entrySize);
    entries = entries + 1; // publishes the entry to readers
  }

  @FunctionalInterface
  protected interface EntryWriter {
    void write(ByteBuffer buffer, int position);
  }

  protected final void truncateToEntries(int count) {
    if (count < 0 || count > entries) {
      throw new IllegalArgumentException(
          "cannot truncate " + file + " to " + count + " of " + entries + " entries");
    }
    entries = count;
  }

  /** Drops every entry, for a rebuild from the log. */
  final void reset() {
    entries = 0;
    tornLength = false;
  }

  /**
   * Remaps the file at {@code bytes} (rounded down to whole entries, never below the entries held).
   */
  final void resize(int bytes) throws IOException {
    int target = Math.max(roundDownToEntry(bytes), entries * entrySize);
    if (target != mmap.capacity()) {
      mmap.force();
      map(target);
    }
  }

  final void trimToValidSize() throws IOException {
    resize(entries * entrySize);
  }

  final boolean lengthIsWholeEntries() {
    return !tornLength;
  }

  final void flush() {
    mmap.force();
  }

  final void renameTo(Path target) throws IOException {
    Files.move(file, target);
    file = target;
  }

  final void deleteIfExists() throws IOException {
    Files.deleteIfExists(file);
  }

  /**
   * Index of the last entry whose key is below {@code target} ({@code strictlyBelow}) or at most
   * {@code target}; -1 if there is none. Keys are sorted, so this is a binary search.
   */
  protected final int lastEntryAtOrBelow(
      ByteBuffer view, int count, long target, boolean strictlyBelow) {
    int low = 0;
    int high = count - 1;
    int found = -1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      long key = keyAt(view, mid);
      boolean qualifies = strictlyBelow ? key < target : key <= target;
      if (qualifies) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  protected abstract long keyAt(ByteBuffer view, int entry);

  private int roundDownToEntry(int bytes) {
    return bytes - bytes % entrySize;
  }

  private void map(int bytes) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(bytes);
      mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, bytes);
    }
    maxEntries = bytes / entrySize;
  }
}
