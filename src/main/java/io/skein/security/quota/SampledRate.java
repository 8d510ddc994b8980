package io.skein.security.quota;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A rate over Kafka's sampled windows ({@code quota.window.num} samples of {@code
 * quota.window.size.seconds} each, as kafka's {@code Rate} over a {@code SampledStat}), and the
 * throttle time Kafka gives a client over its bound. Time comes in as arguments, so tests drive the
 * clock.
 *
 * <p>Safe for the event loops of every connection of one client at once, without a lock: each
 * sample is one long holding its window's number and its total, changed by compare-and-set. So a
 * sample's window lies on a grid fixed by the clock, not by the first record (where Kafka's starts),
 * and recording allocates nothing.
 */
public final class SampledRate {

  public static final int DEFAULT_SAMPLES = 11;
  public static final long DEFAULT_WINDOW_MS = 1000;

  private static final int VALUE_BITS = 40;
  private static final long VALUE_MASK = (1L << VALUE_BITS) - 1;
  /** A window's number modulo 2^24 (194 days of 1 s windows): a sample that old reads as expired anyway. */
  private static final long WINDOW_MASK = (1L << (Long.SIZE - VALUE_BITS)) - 1;

  private final long windowMs;
  /** Sample i holds window w where w % samples == i: (w & WINDOW_MASK) << VALUE_BITS | total. */
  private final AtomicLongArray samples;

  public SampledRate(int samples, long windowMs) {
    if (samples < 2 || windowMs <= 0) {
      throw new IllegalArgumentException("need at least 2 samples and a positive window, got "
          + samples + " x " + windowMs + " ms");
    }
    this.windowMs = windowMs;
    this.samples = new AtomicLongArray(samples);
  }

  public static SampledRate withKafkaDefaults() {
    return new SampledRate(DEFAULT_SAMPLES, DEFAULT_WINDOW_MS);
  }

  /** Adds {@code value} (at most 2^40 - 1 per window: bytes, or nanoseconds of work) at {@code nowMs} (not negative). */
  public void record(long value, long nowMs) {
    long window = nowMs / windowMs;
    int sample = (int) (window % samples.length());
    long tag = (window & WINDOW_MASK) << VALUE_BITS;
    while (true) {
      long old = samples.get(sample);
      long total = (old & ~VALUE_MASK) == tag ? (old & VALUE_MASK) + value : value;
      if (samples.compareAndSet(sample, old, tag | Math.min(total, VALUE_MASK))) {
        return;
      }
    }
  }

  /** Units per second over the samples not yet expired. */
  public double rate(long nowMs) {
    long window = nowMs / windowMs;
    long total = 0;
    for (int i = 0; i < samples.length(); i++) {
      long sample = samples.get(i);
      if (age(sample, window) < samples.length()) {
        total += sample & VALUE_MASK;
      }
    }
    return total / (windowSizeMs(nowMs) / 1000.0);
  }

  /**
   * Records {@code value} and answers how long the client must wait for its rate to fall back to
   * {@code bound}: 0 within it, else Kafka's {@code (rate - bound) / bound * window}.
   */
  public long recordAndThrottleMs(long value, double bound, long nowMs) {
    record(value, nowMs);
    double rate = rate(nowMs);
    if (rate <= bound) {
      return 0;
    }
    return Math.round((rate - bound) / bound * windowSizeMs(nowMs));
  }

  /**
   * The time the rate divides by: from the oldest live sample to now, but never less than all but
   * one full window, so a client's first burst is not measured over a few milliseconds.
   */
  long windowSizeMs(long nowMs) {
    long window = nowMs / windowMs;
    long oldestWindow = window;
    for (int i = 0; i < samples.length(); i++) {
      long age = age(samples.get(i), window);
      if (age < samples.length()) {
        oldestWindow = Math.min(oldestWindow, window - age);
      }
    }
    long elapsedMs = nowMs - oldestWindow * windowMs;
    long fullWindows = elapsedMs / windowMs;
    long minFullWindows = samples.length() - 1;
    if (fullWindows < minFullWindows) {
      elapsedMs += (minFullWindows - fullWindows) * windowMs;
    }
    return elapsedMs;
  }

  /** How many windows before {@code window} the sample's window is. */
  private static long age(long sample, long window) {
    return (window - (sample >>> VALUE_BITS)) & WINDOW_MASK;
  }
}
