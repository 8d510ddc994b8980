package io.skein.client;

import io.skein.proto.v1.ErrorCode;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The producer's {@code buffer.memory}: batch buffers come from here and go back when
 * their batch is done, so unsent data is bounded and a fast sender blocks (up to
 * {@code max.block.ms}) instead of growing the heap. Buffers of exactly
 * {@code batch.size} are kept for reuse, so steady sending allocates no new buffers.
 */
final class BufferPool {

  private final long totalMemory;
  private final int poolableSize;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition memoryFreed = lock.newCondition();
  // Guarded by lock: reusable buffers, and memory not held by any buffer.
  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
  private long unallocatedMemory;

  BufferPool(long totalMemory, int poolableSize) {
    this.totalMemory = totalMemory;
    this.poolableSize = poolableSize;
    this.unallocatedMemory = totalMemory;
  }

  long totalMemory() {
    return totalMemory;
  }

  /** A buffer of {@code size} bytes, waiting up to {@code maxBlockMs} for memory. */
  ByteBuffer allocate(int size, long maxBlockMs) throws InterruptedException {
    if (size > totalMemory) {
      throw new SkeinException(
          ErrorCode.RECORD_TOO_LARGE,
          "RECORD_TOO_LARGE: " + size + " bytes is more than buffer.memory (" + totalMemory + ")");
    }
    lock.lock();
    try {
      if (size == poolableSize && !free.isEmpty()) {
        return free.pollFirst();
      }
      long remainingNanos = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
      while (unallocatedMemory + (long) free.size() * poolableSize < size) {
        if (remainingNanos <= 0) {
          throw new SkeinException(
              ErrorCode.REQUEST_TIMED_OUT,
              "REQUEST_TIMED_OUT: no " + size + " bytes of buffer.memory free within max.block.ms ("
                  + maxBlockMs + " ms)");
        }
        remainingNanos = memoryFreed.awaitNanos(remainingNanos);
        if (size == poolableSize && !free.isEmpty()) {
          return free.pollFirst();
        }
      }
      // Release pooled buffers to the heap until there is room for this size.
      while (unallocatedMemory < size) {
        free.pollLast();
        unallocatedMemory += poolableSize;
      }
      unallocatedMemory -= size;
    } finally {
      lock.unlock();
    }
    return ByteBuffer.allocate(size);
  }

  /** Returns a buffer obtained from {@link #allocate}, with the size it was asked for. */
  void deallocate(ByteBuffer buffer, int size) {
    lock.lock();
    try {
      if (size == poolableSize && buffer.capacity() == poolableSize) {
        buffer.clear();
        free.addLast(buffer);
      } else {
        unallocatedMemory += size;
      }
      memoryFreed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
