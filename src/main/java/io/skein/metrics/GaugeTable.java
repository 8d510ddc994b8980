package io.skein.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Gauges of one name, one per label set, replaced as a whole by each {@link #set}: a label set
 * that stays keeps its gauge, whose value changes in place; one that went loses its gauge.
 * Micrometer's MultiGauge with overwrite instead removes and registers every gauge again, and a
 * Prometheus scrape at that moment can see a series twice and fail (micrometer issue 6851).
 */
final class GaugeTable {

  /** A gauge's value, read by the scrape. */
  private static final class Cell {
    volatile double value;
    Gauge gauge;
  }

  private final MeterRegistry registry;
  private final String name;
  private final String description;
  private final String baseUnit;
  /** Holds the cells strongly: a gauge holds its cell weakly. */
  private final Map<Tags, Cell> cells = new HashMap<>();

  GaugeTable(MeterRegistry registry, String name, String description, String baseUnit) {
    this.registry = registry;
    this.name = name;
    this.description = description;
    this.baseUnit = baseUnit;
  }

  GaugeTable(MeterRegistry registry, String name, String description) {
    this(registry, name, description, null);
  }

  /** The gauges' values now: one per label set, none for a label set not given. */
  synchronized void set(Map<Tags, ? extends Number> values) {
    for (Iterator<Map.Entry<Tags, Cell>> it = cells.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Tags, Cell> entry = it.next();
      if (!values.containsKey(entry.getKey())) {
        registry.remove(entry.getValue().gauge);
        it.remove();
      }
    }
    values.forEach((tags, value) -> {
      Cell cell = cells.get(tags);
      if (cell == null) {
        Cell created = new Cell();
        created.value = value.doubleValue();
        created.gauge = Gauge.builder(name, created, c -> c.value).description(description).baseUnit(baseUnit)
            .tags(tags).register(registry);
        cells.put(tags, created);
      } else {
        cell.value = value.doubleValue();
      }
    });
  }
}
