package io.skein.log;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whole record batches of the log as a span of a segment file, for a transport that sends file
 * bytes without copying them through the heap (sendfile). It holds the file open: whoever gets a
 * non-empty slice releases it once, when sent or dropped; a segment removed meanwhile (retention,
 * compaction) is closed only then, and its bytes stay readable until.
 *
 * @see LogReadResult for the same batches read into a buffer
 */
public final class LogSlice {

  private static final Runnable NOTHING_HELD = () -> {};

  private final FileChannel channel;
  private final long position;
  private final int size;
  private final long firstBatchBaseOffset;
  private final long nextOffset;
  private final long highWatermark;
  private final long logStartOffset;
  private final long logEndOffset;
  private final Runnable letGo;
  private final AtomicBoolean released = new AtomicBoolean();

  LogSlice(FileChannel channel, long position, int size, long firstBatchBaseOffset, long nextOffset,
      long highWatermark, long logStartOffset, long logEndOffset, Runnable letGo) {
    this.channel = channel;
    this.position = position;
    this.size = size;
    this.firstBatchBaseOffset = firstBatchBaseOffset;
    this.nextOffset = nextOffset;
    this.highWatermark = highWatermark;
    this.logStartOffset = logStartOffset;
    this.logEndOffset = logEndOffset;
    this.letGo = letGo;
  }

  static LogSlice empty(long offset, long highWatermark, long logStartOffset, long logEndOffset) {
    return new LogSlice(null, 0, 0, -1, offset, highWatermark, logStartOffset, logEndOffset, NOTHING_HELD);
  }

  /** The segment file; only for sending {@link #size} bytes from {@link #position}. */
  public FileChannel channel() {
    return channel;
  }

  public long position() {
    return position;
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** Base offset of the first batch (may be below the asked-for offset); -1 when empty. */
  public long firstBatchBaseOffset() {
    return firstBatchBaseOffset;
  }

  /** Last offset of the last batch + 1; the asked-for offset when empty. */
  public long nextOffset() {
    return nextOffset;
  }

  public long highWatermark() {
    return highWatermark;
  }

  public long logStartOffset() {
    return logStartOffset;
  }

  public long logEndOffset() {
    return logEndOffset;
  }

  /** Copies the slice's bytes from {@code from} (within the slice) into {@code destination}, filling it. */
  public void readInto(ByteBuffer destination, int from) throws IOException {
    if (from < 0 || (long) from + destination.remaining() > size) {
      throw new IndexOutOfBoundsException(destination.remaining() + " bytes at " + from + " of a slice of " + size);
    }
    long at = position + from;
    while (destination.hasRemaining()) {
      int read = channel.read(destination, at);
      if (read < 0) {
        throw new EOFException("segment file ended at " + at + " inside a slice");
      }
      at += read;
    }
  }

  /** Lets go of the file; later calls do nothing. */
  public void release() {
    if (released.compareAndSet(false, true)) {
      letGo.run();
    }
  }

  @Override
  public String toString() {
    return "LogSlice(" + size + " bytes at " + position + ", offsets " + firstBatchBaseOffset + ".." + nextOffset + ")";
  }
}
