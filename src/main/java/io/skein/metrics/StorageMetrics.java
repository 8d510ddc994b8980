package io.skein.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.skein.log.LogCleaner;
import io.skein.log.LogListener;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The storage engine's meters, for every log of the broker together (one series each, whatever
 * the number of partitions): the {@link LogListener} each partition's log is opened with, and
 * the log cleaner's progress.
 */
public final class StorageMetrics implements LogListener {

  private final MeterRegistry registry;
  private final EnumMap<OpenedAs, Timer> opens = new EnumMap<>(OpenedAs.class);
  private final Counter rolls;
  private final Timer flushes;
  private final Counter deletedSegments;
  private final Counter deletedBytes;
  /**
   * The cleaner's suppliers, held here because the meters hold them weakly (Micrometer's
   * default): a method reference held by nobody else goes at the next GC and reads NaN.
   */
  private Supplier<Optional<LogCleaner.Progress>> cleanerProgress;
  private Supplier<Double> cleanerDirtyRatio;

  StorageMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (OpenedAs as : OpenedAs.values()) {
      opens.put(as, Timer.builder("skein.log.open")
          .description("Time to open a partition's log at start or when it moves here, recovery included")
          .tag("opened", as.name().toLowerCase(Locale.ROOT))
          .register(registry));
    }
    rolls = Counter.builder("skein.log.segment.rolls").description("Segments closed for a new active one")
        .register(registry);
    flushes = Timer.builder("skein.log.flushes").description("Fsyncs of a log's unflushed segments and indexes")
        .register(registry);
    deletedSegments = Counter.builder("skein.log.retention.deleted.segments")
        .description("Segments deleted by retention (time or size)").register(registry);
    deletedBytes = Counter.builder("skein.log.retention.deleted.bytes").baseUnit("bytes")
        .description("Bytes of the segments deleted by retention").register(registry);
  }

  @Override
  public void opened(OpenedAs as, long nanos) {
    opens.get(as).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void rolled() {
    rolls.increment();
  }

  @Override
  public void flushed(long nanos) {
    flushes.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void retentionDeleted(int segments, long bytes) {
    deletedSegments.increment(segments);
    deletedBytes.increment(bytes);
  }

  /**
   * Meters the log cleaner: its {@code progress} since it started (empty while it does not run)
   * and the highest {@code dirtyRatio} of the compacted logs, read at each scrape.
   */
  public void cleaner(Supplier<Optional<LogCleaner.Progress>> progress, Supplier<Double> dirtyRatio) {
    cleanerProgress = progress;
    cleanerDirtyRatio = dirtyRatio;
    cleanerCounter("skein.log.cleaner.cleans", "Cleans of a compacted log's dirty section", progress,
        LogCleaner.Progress::cleans);
    cleanerCounter("skein.log.cleaner.bytes.read", "Bytes of segments the cleaner read", progress,
        LogCleaner.Progress::bytesRead);
    cleanerCounter("skein.log.cleaner.bytes.written", "Bytes of cleaned segments the cleaner wrote", progress,
        LogCleaner.Progress::bytesWritten);
    Gauge.builder("skein.log.cleaner.max.dirty.ratio", dirtyRatio, Supplier::get)
        .description("The highest share of not yet compacted bytes among the compacted logs here")
        .register(registry);
  }

  private void cleanerCounter(String name, String description, Supplier<Optional<LogCleaner.Progress>> progress,
      ToLongFunction<LogCleaner.Progress> total) {
    FunctionCounter.builder(name, progress, p -> p.get().map(total::applyAsLong).orElse(0L))
        .description(description)
        .register(registry);
  }
}
