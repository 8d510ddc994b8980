package io.skein.log;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Direct buffers for reads that go straight out to the network, reused so that serving a
 * fetch neither allocates nor zeroes a fresh buffer of up to {@code bufferBytes}, and the
 * bytes are read from the file once, with no copy through a temporary direct buffer.
 * Thread-safe. A read larger than {@code bufferBytes} gets a heap buffer of its own.
 */
public final class ReadBuffers {

  private final int bufferBytes;
  private final ArrayBlockingQueue<ByteBuffer> free;

  /** Keeps up to {@code pooled} buffers of {@code bufferBytes} each. */
  public ReadBuffers(int bufferBytes, int pooled) {
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

  /** Takes back a buffer from {@link #acquire}; any other buffer is ignored. */
  public void release(ByteBuffer buffer) {
    if (buffer.isDirect() && buffer.capacity() == bufferBytes) {
      free.offer(buffer);
    }
  }
}
