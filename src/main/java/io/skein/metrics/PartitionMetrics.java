package io.skein.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per partition led here: log size, log start and end offset, high watermark. One series per
 * partition and gauge, so off unless {@code skein.metrics.partitions.enabled}; replaced as a
 * whole by each {@link #update} (partitions no longer led here lose their series).
 */
public final class PartitionMetrics {

  /** One partition's log as last looked at. */
  public record Partition(String topic, int partition, long sizeBytes, long logStartOffset, long logEndOffset,
      long highWatermark) {}

  private final GaugeTable size;
  private final GaugeTable startOffset;
  private final GaugeTable endOffset;
  private final GaugeTable highWatermark;

  PartitionMetrics(MeterRegistry registry) {
    size = new GaugeTable(registry, "skein.partition.log.size", "Bytes of the partition's log segments", "bytes");
    startOffset = new GaugeTable(registry, "skein.partition.log.start.offset", "The partition's log start offset");
    endOffset = new GaugeTable(registry, "skein.partition.log.end.offset", "The partition's log end offset");
    highWatermark = new GaugeTable(registry, "skein.partition.high.watermark", "The partition's high watermark");
  }

  /** The partitions led here now. */
  public void update(List<Partition> partitions) {
    Map<Tags, Long> sizes = new HashMap<>();
    Map<Tags, Long> starts = new HashMap<>();
    Map<Tags, Long> ends = new HashMap<>();
    Map<Tags, Long> watermarks = new HashMap<>();
    for (Partition p : partitions) {
      Tags tags = Tags.of("topic", p.topic(), "partition", Integer.toString(p.partition()));
      sizes.put(tags, p.sizeBytes());
      starts.put(tags, p.logStartOffset());
      ends.put(tags, p.logEndOffset());
      watermarks.put(tags, p.highWatermark());
    }
    size.set(sizes);
    startOffset.set(starts);
    endOffset.set(ends);
    highWatermark.set(watermarks);
  }
}
