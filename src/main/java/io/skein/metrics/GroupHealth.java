package io.skein.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Consumer groups' members, generation and lag per partition, replaced as a whole by each
 * {@link #update} (groups and partitions that went away lose their series), and their
 * rebalances: each completed rebalance starts a new generation, so the counter grows by how far
 * the generation moved since the last update. A group's first update (a new group, or the first
 * on a broker that just took the refresh over) sets where it counts from.
 */
public final class GroupHealth {

  /** One group as last described. */
  public record Group(String groupId, int members, int generation, List<Lag> lags) {}

  /** A partition's lag in records and in seconds (how old the first unconsumed record is). */
  public record Lag(String topic, int partition, long records, double seconds) {}

  private final MultiGauge members;
  private final MultiGauge generation;
  private final MultiGauge lagRecords;
  private final MultiGauge lagSeconds;
  private final MeterRegistry registry;
  /** By group id: the generation at the last update and the group's rebalance counter. */
  private final Map<String, Rebalances> rebalances = new HashMap<>();

  private static final class Rebalances {
    final Counter counter;
    int generation;

    Rebalances(Counter counter, int generation) {
      this.counter = counter;
      this.generation = generation;
    }
  }

  GroupHealth(MeterRegistry registry) {
    this.registry = registry;
    members = MultiGauge.builder("skein.group.members").description("Members of the group").register(registry);
    generation = MultiGauge.builder("skein.group.generation").description("The group's generation").register(registry);
    lagRecords = MultiGauge.builder("skein.group.lag.records")
        .description("High watermark minus the committed offset").register(registry);
    lagSeconds = MultiGauge.builder("skein.group.lag.seconds")
        .description("Age of the first record not consumed yet").register(registry);
  }

  /** The groups as they are now. */
  public synchronized void update(List<Group> groups) {
    countRebalances(groups);
    List<MultiGauge.Row<?>> memberRows = new ArrayList<>();
    List<MultiGauge.Row<?>> generationRows = new ArrayList<>();
    List<MultiGauge.Row<?>> recordRows = new ArrayList<>();
    List<MultiGauge.Row<?>> secondRows = new ArrayList<>();
    for (Group group : groups) {
      Tags ofGroup = Tags.of("group", group.groupId());
      memberRows.add(MultiGauge.Row.of(ofGroup, group.members()));
      generationRows.add(MultiGauge.Row.of(ofGroup, group.generation()));
      for (Lag lag : group.lags()) {
        Tags ofPartition = ofGroup.and("topic", lag.topic(), "partition", Integer.toString(lag.partition()));
        recordRows.add(MultiGauge.Row.of(ofPartition, lag.records()));
        secondRows.add(MultiGauge.Row.of(ofPartition, lag.seconds()));
      }
    }
    members.register(memberRows, true);
    generation.register(generationRows, true);
    lagRecords.register(recordRows, true);
    lagSeconds.register(secondRows, true);
  }

  private void countRebalances(List<Group> groups) {
    Set<String> present = new HashSet<>();
    for (Group group : groups) {
      present.add(group.groupId());
      Rebalances known = rebalances.get(group.groupId());
      if (known == null) {
        Counter counter = Counter.builder("skein.group.rebalances").description("Rebalances completed (generations)")
            .tag("group", group.groupId()).register(registry);
        rebalances.put(group.groupId(), new Rebalances(counter, group.generation()));
      } else {
        if (group.generation() > known.generation) {
          known.counter.increment(group.generation() - known.generation);
        }
        known.generation = group.generation();
      }
    }
    rebalances.entrySet().removeIf(entry -> {
      boolean gone = !present.contains(entry.getKey());
      if (gone) {
        registry.remove(entry.getValue().counter);
      }
      return gone;
    });
  }
}
