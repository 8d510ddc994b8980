package io.skein.security.quota;

/**
 * A rate over Kafka's sampled windows ({@code quota.window.num} samples of {@code
 * quota.window.size.seconds} each, as kafka's {@code Rate} over a {@code SampledStat}), and the
 * throttle time Kafka gives a client over its bound. Time comes in as arguments, so tests drive the
 * clock. Fixed arrays: recording allocates nothing. Not thread-safe: its owner confines it.
 */
public final class SampledRate {

  public static final int DEFAULT_SAMPLES = 11;
  public static final long DEFAULT_WINDOW_MS = 1000;

  private final long windowMs;
  private final long[] windowStartMs;
  private final double[] values;
  private int created;
  private int current;

  public SampledRate(int samples, long windowMs) {
    if (samples < 2 || windowMs <= 0) {
      throw new IllegalArgumentException("need at least 2 samples and a positive window, got "
          + samples + " x " + windowMs + " ms");
    }
    this.windowMs = windowMs;
    this.windowStartMs = new long[samples];
    this.values = new double[samples];
  }

  public static SampledRate withKafkaDefaults() {
    return new SampledRate(DEFAULT_SAMPLES, DEFAULT_WINDOW_MS);
  }

  public void record(double value, long nowMs) {
    if (created == 0) {
      reset(0, nowMs);
      created = 1;
    } else if (nowMs - windowStartMs[current] >= windowMs) {
      // The new window starts on the old one's grid, as Kafka aligns them, so idle gaps stay whole windows.
      long previousEndMs = windowStartMs[current] + windowMs;
      long startMs = nowMs - Math.max(nowMs - previousEndMs, 0) % windowMs;
      current = (current + 1) % values.length;
      if (current == created) {
        created++;
      }
      reset(current, startMs);
    }
    values[current] += value;
  }

  /** Units per second over the samples not yet expired. */
  public double rate(long nowMs) {
    long windowSizeMs = windowSizeMs(nowMs);
    double total = 0;
    for (int i = 0; i < created; i++) {
      total += values[i];
    }
    return total / (windowSizeMs / 1000.0);
  }

  /**
   * Records {@code value} and answers how long the client must wait for its rate to fall back to
   * {@code bound}: 0 within it, else Kafka's {@code (rate - bound) / bound * window}.
   */
  public long recordAndThrottleMs(double value, double bound, long nowMs) {
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
    purgeObsolete(nowMs);
    long oldestMs = nowMs;
    for (int i = 0; i < created; i++) {
      oldestMs = Math.min(oldestMs, windowStartMs[i]);
    }
    long elapsedMs = nowMs - oldestMs;
    long fullWindows = elapsedMs / windowMs;
    long minFullWindows = values.length - 1;
    if (fullWindows < minFullWindows) {
      elapsedMs += (minFullWindows - fullWindows) * windowMs;
    }
    return elapsedMs;
  }

  private void purgeObsolete(long nowMs) {
    long expireAgeMs = values.length * windowMs;
    for (int i = 0; i < created; i++) {
      if (nowMs - windowStartMs[i] >= expireAgeMs) {
        reset(i, nowMs);
      }
    }
  }

  private void reset(int sample, long startMs) {
    windowStartMs[sample] = startMs;
    values[sample] = 0;
  }
}
