package io.skein.metrics;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;

/**
 * The meters of one broker node, in one registry of its own (not Micrometer's global one, so
 * that brokers sharing a JVM in tests do not share meters). Disabled, every meter is a no-op
 * that is not even registered, so the instrumented code stays the same either way.
 */
public final class NodeMetrics implements AutoCloseable {

  private final MeterRegistry registry;
  private final Optional<PrometheusMeterRegistry> prometheus;
  private final Optional<JvmGcMetrics> gc;
  private final RequestMetrics kafka;
  private final RequestMetrics grpc;
  private final TopicMetrics topics;
  private final ClusterHealth cluster;
  private final GroupHealth groups;
  private final StorageMetrics storage;
  private final Optional<PartitionMetrics> partitions;
  private final ChartHistory history;

  private NodeMetrics(MeterRegistry registry, Optional<PrometheusMeterRegistry> prometheus, Optional<JvmGcMetrics> gc,
      boolean perPartition, ChartHistory history) {
    this.registry = registry;
    this.prometheus = prometheus;
    this.gc = gc;
    this.kafka = new RequestMetrics(registry, "kafka");
    this.grpc = new RequestMetrics(registry, "grpc");
    this.topics = new TopicMetrics(registry);
    this.cluster = new ClusterHealth(registry);
    this.history = history;
    this.groups = new GroupHealth(registry, history.groups());
    this.storage = new StorageMetrics(registry);
    this.partitions = perPartition ? Optional.of(new PartitionMetrics(registry)) : Optional.empty();
  }

  /**
   * As {@code skein.metrics.enabled}, {@code skein.metrics.partitions.enabled} and
   * {@code skein.metrics.history} say.
   */
  public static NodeMetrics from(Config config) {
    return config.getBoolean("skein.metrics.enabled")
        ? prometheus(config.getBoolean("skein.metrics.partitions.enabled"), ChartHistory.from(config))
        : disabled(ChartHistory.from(config));
  }

  /**
   * A Prometheus registry with the JVM, GC, thread, memory and process meters bound, and the
   * per-partition meters if {@code perPartition}.
   */
  private static NodeMetrics prometheus(boolean perPartition, ChartHistory history) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    return new NodeMetrics(registry, Optional.of(registry), Optional.of(gc), perPartition, history);
  }

  /** Meters that count nothing and are never registered. */
  public static NodeMetrics disabled() {
    return disabled(new ChartHistory(ChartHistory.DEFAULT_INTERVAL, ChartHistory.DEFAULT_LENGTH));
  }

  private static NodeMetrics disabled(ChartHistory history) {
    CompositeMeterRegistry registry = new CompositeMeterRegistry();
    registry.config().meterFilter(MeterFilter.deny());
    return new NodeMetrics(registry, Optional.empty(), Optional.empty(), false, history);
  }

  /** Whether meters count and are served. */
  public boolean enabled() {
    return prometheus.isPresent();
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Every meter in the Prometheus text format; empty if metrics are disabled. */
  public Optional<String> scrape() {
    return prometheus.map(PrometheusMeterRegistry::scrape);
  }

  /** Requests of the Kafka listener. */
  public RequestMetrics kafka() {
    return kafka;
  }

  /** Requests of the gRPC listener. */
  public RequestMetrics grpc() {
    return grpc;
  }

  /** Bytes and records in and out per topic. */
  public TopicMetrics topics() {
    return topics;
  }

  /** Partition and broker health. */
  public ClusterHealth cluster() {
    return cluster;
  }

  /** Consumer groups' members and lag. */
  public GroupHealth groups() {
    return groups;
  }

  /** Segment rolls, retention, fsyncs, log opens and the cleaner, for all logs here. */
  public StorageMetrics storage() {
    return storage;
  }

  /** Each partition's offsets and size, if {@code skein.metrics.partitions.enabled}. */
  public Optional<PartitionMetrics> partitions() {
    return partitions;
  }

  /** The console charts' history. */
  public ChartHistory history() {
    return history;
  }

  @Override
  public void close() {
    gc.ifPresent(JvmGcMetrics::close);
    registry.close();
  }
}
