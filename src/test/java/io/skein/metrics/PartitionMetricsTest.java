package io.skein.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-partition gauges: one series per partition led here, gone once it is led elsewhere. */
class PartitionMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final PartitionMetrics partitions = new PartitionMetrics(registry);

  private double gauge(String name, String partition) {
    return registry.get(name).tags("topic", "orders", "partition", partition).gauge().value();
  }

  @Test
  void eachPartitionLedHereHasItsOffsetsAndSize() {
    partitions.update(List.of(new PartitionMetrics.Partition("orders", 0, 4096, 10, 50, 45),
        new PartitionMetrics.Partition("orders", 1, 0, 0, 0, 0)));
    assertEquals(4096, gauge("skein.partition.log.size", "0"));
    assertEquals(10, gauge("skein.partition.log.start.offset", "0"));
    assertEquals(50, gauge("skein.partition.log.end.offset", "0"));
    assertEquals(45, gauge("skein.partition.high.watermark", "0"));
    partitions.update(List.of(new PartitionMetrics.Partition("orders", 1, 100, 0, 2, 2)));
    assertTrue(registry.find("skein.partition.high.watermark").tag("partition", "0").gauges().isEmpty());
    assertEquals(2, gauge("skein.partition.high.watermark", "1"));
  }
}
