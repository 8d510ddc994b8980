package io.skein.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The requests and connections of one listener ({@code kafka}, {@code grpc}), per API. */
public final class RequestMetrics {

  private final MeterRegistry registry;
  private final String listener;
  private final ConcurrentHashMap<String, ApiMetrics> byApi = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();

  RequestMetrics(MeterRegistry registry, String listener) {
    this.registry = registry;
    this.listener = listener;
    Gauge.builder("skein.connections", connections, AtomicInteger::get)
        .description("Open client connections")
        .tag("listener", listener)
        .register(registry);
  }

  /** The meters of one API (a Kafka API key's name, a gRPC method), created at its first request. */
  public ApiMetrics api(String api) {
    ApiMetrics meters = byApi.get(api);
    return meters != null ? meters : byApi.computeIfAbsent(api, name -> new ApiMetrics(registry, listener, name));
  }

  public void connectionOpened() {
    connections.incrementAndGet();
  }

  public void connectionClosed() {
    connections.decrementAndGet();
  }
}
