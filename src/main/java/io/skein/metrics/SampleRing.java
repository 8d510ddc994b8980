package io.skein.metrics;

/**
 * The last {@code capacity} samples of one series, each a time and {@code width} values, in
 * fixed arrays of primitives: a new sample overwrites the oldest. A sample at the time of the
 * last one replaces it; one older than the last is dropped, so the times only grow.
 */
public final class SampleRing {

  /** Samples oldest first: {@code values[column][i]} was sampled at {@code timesMs[i]}. */
  public record Samples(long[] timesMs, long[][] values) {

    public int size() {
      return timesMs.length;
    }
  }

  private final long[] times;
  private final long[][] values;
  /** Where the next sample goes. */
  private int next;
  private int size;

  public SampleRing(int capacity, int width) {
    if (capacity < 1 || width < 1) {
      throw new IllegalArgumentException("capacity and width must be positive, were " + capacity + " and " + width);
    }
    times = new long[capacity];
    values = new long[width][capacity];
  }

  /** Adds a sample of a one-value series. */
  public void add(long timeMs, long value) {
    checkWidth(1);
    int slot = slotFor(timeMs);
    if (slot >= 0) {
      values[0][slot] = value;
    }
  }

  /** Adds a sample of a two-value series. */
  public void add(long timeMs, long first, long second) {
    checkWidth(2);
    int slot = slotFor(timeMs);
    if (slot >= 0) {
      values[0][slot] = first;
      values[1][slot] = second;
    }
  }

  /** A copy of the samples, oldest first. */
  public Samples samples() {
    long[] copiedTimes = new long[size];
    long[][] copiedValues = new long[values.length][size];
    int oldest = (next - size + times.length) % times.length;
    for (int i = 0; i < size; i++) {
      int slot = (oldest + i) % times.length;
      copiedTimes[i] = times[slot];
      for (int column = 0; column < values.length; column++) {
        copiedValues[column][i] = values[column][slot];
      }
    }
    return new Samples(copiedTimes, copiedValues);
  }

  public int size() {
    return size;
  }

  /** The slot a sample at {@code timeMs} goes to, or -1 if it is older than the last. */
  private int slotFor(long timeMs) {
    if (size > 0) {
      int last = (next - 1 + times.length) % times.length;
      if (timeMs == times[last]) {
        return last;
      }
      if (timeMs < times[last]) {
        return -1;
      }
    }
    int slot = next;
    times[slot] = timeMs;
    next = (next + 1) % times.length;
    size = Math.min(size + 1, times.length);
    return slot;
  }

  private void checkWidth(int width) {
    if (values.length != width) {
      throw new IllegalArgumentException("this series has " + values.length + " values a sample, not " + width);
    }
  }
}
