package io.skein.log;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Reused direct buffers for bytes on their way between the network and a log file: a fetch or an
 * append through one neither allocates nor zeroes a fresh buffer, and the file channel reads or
 * writes it without a copy through a temporary direct buffer of its own. Thread-safe. A request for
 * more than {@code bufferBytes} gets a heap buffer of its own. A buffer that is never given back is
 * simply collected.
 */
public final class DirectBuffers {

  private final int bufferBytes;
  private final ArrayBlockingQueue<ByteBuffer> free;

  /** Keeps up to {@code pooled} buffers of {@code bufferBytes} each. */
  public DirectBuffers(int bufferBytes, int pooled) {
    if (bufferBytes <= 0 || pooled <= 0) {
      throw new IllegalArgumentException("bufferBytes and pooled must be positive");
    }
    this.bufferBytes = bufferBytes;
    this.free = new ArrayBlockingQueue<>(pooled);
  }

  /** A cleared buffer of at least {@code capacity} bytes; give it back with {@link #release}. */
  public ByteBuffer acquire(int capacity) {
    if (capacity > bufferBytes) {
      return ByteBuffer.allocate(capacity);
    }
    ByteBuffer buffer = free.poll();
    return buffer != null ? buffer.clear() : ByteBuffer.allocateDirect(bufferBytes);
  }

  /**
   * Takes back a buffer from {@link #acquire}, once, when nothing reads it any more; any other
   * buffer is ignored.
   */
  public void release(ByteBuffer buffer) {
    if (buffer.isDirect() && buffer.capacity() == bufferBytes) {
      free.offer(buffer);
    }
  }
}
