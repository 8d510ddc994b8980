package io.skein.log;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Holds the callers of {@link #throttle} to a shared byte rate: each reports the bytes it read or
 * wrote and waits until the rate since the start of the current one-second window is back under the
 * limit. Callers wait in turn (the wait holds the monitor), so the limit is for all of them
 * together. {@link #stop} ends every wait at once; a caller's own stop condition ends its wait
 * within {@link #POLL_NANOS}.
 */
final class Throttler {
  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

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

  synchronized void throttle(long bytes, BooleanSupplier stopWaiting) {
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
    long until = windowStartNanos + dueNanos;
    try {
      for (long ahead = until - now; ahead > 0; ahead = until - System.nanoTime()) {
        if (stopWaiting.getAsBoolean()
            || stopped.await(Math.min(ahead, POLL_NANOS), TimeUnit.NANOSECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void stop() {
    stopped.countDown();
  }
}
