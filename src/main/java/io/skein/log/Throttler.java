package io.skein.log;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds the callers of {@link #throttle} to a shared byte rate: each reports the bytes it read or
 * wrote and waits until the rate since the start of the current one-second window is back under
 * the limit. Callers wait in turn (the wait holds the monitor), so the limit is for all of them
 * together. {@link #stop} ends every wait at once.
 */
final class Throttler {
  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final double bytesPerSecond;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private long windowStartNanos = System.nanoTime();
  private long bytesInWindow;

  /** {@code bytesPerSecond} of Long.MAX_VALUE means no limit. */
  Throttler(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive, got " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
  }

  synchronized void throttle(long bytes) {
    if (bytesPerSecond == Long.MAX_VALUE || stopped.getCount() == 0) {
      return;
    }
    long now = System.nanoTime();
    if (now - windowStartNanos > WINDOW_NANOS) {
      windowStartNanos = now;
      bytesInWindow = 0;
    }
    bytesInWindow += bytes;
    long dueNanos = (long) (bytesInWindow * 1e9 / bytesPerSecond);
    long aheadNanos = dueNanos - (now - windowStartNanos);
    if (aheadNanos > 0) {
      try {
        stopped.await(aheadNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  void stop() {
    stopped.countDown();
  }
}
