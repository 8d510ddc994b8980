package io.skein.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;

/**
 * Per partition led here: log size, log start and end offset, high watermark. One series per
 * partition and gauge, so off unless {@code skein.metrics.partitions.enabled}; replaced as a
 * whole by each {@link #update} (partitions no longer led here lose their series).
 */
public final class PartitionMetrics {

  /** One partition's log as last looked at. */
  public record Partition(String topic, int partition, long sizeBytes, long logStartOffset, long logEndOffset,
      long highWatermark) {}

  private final MultiGauge size;
  private final MultiGauge startOffset;
  private final MultiGauge endOffset;
  private final MultiGauge highWatermark;

  PartitionMetrics(MeterRegistry registry) {
    size = MultiGauge.builder("skein.partition.log.size").baseUnit("bytes")
        .description("Bytes of the partition's log segments").register(registry);
    startOffset = MultiGauge.builder("skein.partition.log.start.offset")
        .description("The partition's log start offset").register(registry);
    endOffset = MultiGauge.builder("skein.partition.log.end.offset")
        .description("The partition's log end offset").register(registry);
    highWatermark = MultiGauge.builder("skein.partition.high.watermark")
        .description("The partition's high watermark").register(registry);
  }

  /** The partitions led here now. */
  public void update(List<Partition> partitions) {
    List<MultiGauge.Row<?>> sizes = new ArrayList<>(partitions.size());
    List<MultiGauge.Row<?>> starts = new ArrayList<>(partitions.size());
    List<MultiGauge.Row<?>> ends = new ArrayList<>(partitions.size());
    List<MultiGauge.Row<?>> watermarks = new ArrayList<>(partitions.size());
    for (Partition p : partitions) {
      Tags tags = Tags.of("topic", p.topic(), "partition", Integer.toString(p.partition()));
      sizes.add(MultiGauge.Row.of(tags, p.sizeBytes()));
      starts.add(MultiGauge.Row.of(tags, p.logStartOffset()));
      ends.add(MultiGauge.Row.of(tags, p.logEndOffset()));
      watermarks.add(MultiGauge.Row.of(tags, p.highWatermark()));
    }
    size.register(sizes, true);
    startOffset.register(starts, true);
    endOffset.register(ends, true);
    highWatermark.register(watermarks, true);
  }
}
