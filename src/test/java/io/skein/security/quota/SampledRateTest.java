package io.skein.security.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Kafka's sampled rate and throttle time, on a clock the test moves. */
class SampledRateTest {

  private final SampledRate rate = SampledRate.withKafkaDefaults();

  @Test
  void aFirstBurstIsMeasuredOverAllButOneWindow() {
    // 1000 bytes over at least 10 windows of 1 s is 100 B/s; Kafka's wait: (100 - 10) / 10 * 10 s.
    assertEquals(90_000, rate.recordAndThrottleMs(1000, 10, 0));
    assertEquals(100.0, rate.rate(0), 1e-9);
  }

  @Test
  void withinTheBoundThereIsNoThrottle() {
    assertEquals(0, rate.recordAndThrottleMs(200, 100, 0));
    // 1200 bytes over 10.5 s is 114.29 B/s: (1200 / 10.5 - 100) / 100 * 10500 ms = 1500 ms.
    assertEquals(1500, rate.recordAndThrottleMs(1000, 100, 500));
  }

  @Test
  void aSteadyRateIsMeasuredOverTheLiveSamples() {
    for (long second = 0; second < 20; second++) {
      rate.record(100, second * 1000);
    }
    // The 11 samples from 9 s to 19 s hold 1100 bytes over 10 s.
    assertEquals(110.0, rate.rate(19_000), 1e-9);
    assertEquals(10_000, rate.windowSizeMs(19_000));
  }

  @Test
  void samplesOlderThanAllWindowsExpire() {
    rate.record(1000, 0);
    assertEquals(0, rate.recordAndThrottleMs(0, 1, 11_000));
    assertEquals(0.0, rate.rate(11_000), 1e-9);
  }

  @Test
  void aNewWindowStartsOnTheGridOfTheOldOne() {
    rate.record(100, 0);
    rate.record(100, 2500);
    // The second sample starts at 2000 ms, so at 12 500 ms it is 10.5 s old and still counts.
    assertEquals(100.0 / 10.5, rate.rate(12_500), 1e-9);
  }

  @Test
  void recordsFromManyThreadsAtOnceAreAllCounted() throws Exception {
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 100_000; i++) {
          rate.record(1, 500);
        }
      });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    // 400 000 over the 10.5 s a first window measures at 500 ms.
    assertEquals(400_000 / 10.5, rate.rate(500), 1e-9);
  }
}
