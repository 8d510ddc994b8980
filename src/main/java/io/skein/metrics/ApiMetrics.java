package io.skein.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of one API on one listener. Latency is a histogram with a few fixed buckets,
 * which Prometheus can aggregate across brokers (per-instance percentiles cannot be).
 */
public final class ApiMetrics {

  /** Bucket bounds of the latency histogram: from a local append to a long-poll fetch. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofSeconds(5)
  };

  private final MeterRegistry registry;
  private final String listener;
  private final String api;
  private final Counter requests;
  private final Timer latency;
  private final Counter bytesIn;
  private final Counter bytesOut;
  private final AtomicInteger inFlight = new AtomicInteger();
  /** By error name; errors are rare, so created on first use. */
  private final ConcurrentHashMap<String, Counter> errors = new ConcurrentHashMap<>();

  ApiMetrics(MeterRegistry registry, String listener, String api) {
    this.registry = registry;
    this.listener = listener;
    this.api = api;
    this.requests = Counter.builder("skein.requests")
        .description("Requests received")
        .tags("listener", listener, "api", api)
        .register(registry);
    this.latency = Timer.builder("skein.request.duration")
        .description("Time from a request's arrival to its answer")
        .tags("listener", listener, "api", api)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
    this.bytesIn = Counter.builder("skein.request.bytes")
        .description("Bytes of requests received")
        .baseUnit("bytes")
        .tags("listener", listener, "api", api)
        .register(registry);
    this.bytesOut = Counter.builder("skein.response.bytes")
        .description("Bytes of responses sent")
        .baseUnit("bytes")
        .tags("listener", listener, "api", api)
        .register(registry);
    Gauge.builder("skein.requests.in.flight", inFlight, AtomicInteger::get)
        .description("Requests received and not answered yet")
        .tags("listener", listener, "api", api)
        .register(registry);
  }

  /** A request of {@code bytes} arrived; returns the time to pass to {@link #answered}. */
  public long received(long bytes) {
    requests.increment();
    bytesIn.increment(bytes);
    inFlight.incrementAndGet();
    return System.nanoTime();
  }

  /** More bytes of a request arrived (a message of a client stream). */
  public void read(long bytes) {
    bytesIn.increment(bytes);
  }

  /** The request that arrived at {@code receivedNanos} is answered (or failed). */
  public void answered(long receivedNanos) {
    inFlight.decrementAndGet();
    latency.record(System.nanoTime() - receivedNanos, TimeUnit.NANOSECONDS);
  }

  /** A request failed with {@code error} (a Kafka-style error name). */
  public void failed(String error) {
    Counter counter = errors.get(error);
    if (counter == null) {
      counter = errors.computeIfAbsent(error, name -> Counter.builder("skein.request.errors")
          .description("Requests answered with an error, by error name")
          .tags("listener", listener, "api", api, "error", name)
          .register(registry));
    }
    counter.increment();
  }

  /** Bytes of a response (or of one message of a stream) sent. */
  public void sent(long bytes) {
    bytesOut.increment(bytes);
  }
}
