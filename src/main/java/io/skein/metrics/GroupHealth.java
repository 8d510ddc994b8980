package io.skein.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
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
 * on a broker that just took the refresh over) sets where it counts from. Each update also
 * samples the groups' total lags into the console's chart history.
 */
public final class GroupHealth {

  /** One group as last described. */
  public record Group(String groupId, int members, int generation, List<Lag> lags) {}

  /** A partition's lag in records and in seconds (how old the first unconsumed record is). */
  public record Lag(String topic, int partition, long records, double seconds) {}

  private final GaugeTable members;
  private final GaugeTable generation;
  private final GaugeTable lagRecords;
  private final GaugeTable lagSeconds;
  private final MeterRegistry registry;
  private final SampleTable lagHistory;
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

  GroupHealth(MeterRegistry registry, SampleTable lagHistory) {
    this.registry = registry;
    this.lagHistory = lagHistory;
    members = new GaugeTable(registry, "skein.group.members", "Members of the group");
    generation = new GaugeTable(registry, "skein.group.generation", "The group's generation");
    lagRecords = new GaugeTable(registry, "skein.group.lag.records", "High watermark minus the committed offset");
    lagSeconds = new GaugeTable(registry, "skein.group.lag.seconds", "Age of the first record not consumed yet");
  }

  /** The groups as they are now. */
  public synchronized void update(List<Group> groups) {
    countRebalances(groups);
    Map<Tags, Integer> memberCounts = new HashMap<>();
    Map<Tags, Integer> generations = new HashMap<>();
    Map<Tags, Long> records = new HashMap<>();
    Map<Tags, Double> seconds = new HashMap<>();
    Map<String, long[]> totalLags = new HashMap<>();
    for (Group group : groups) {
      long total = 0;
      Tags ofGroup = Tags.of("group", group.groupId());
      memberCounts.put(ofGroup, group.members());
      generations.put(ofGroup, group.generation());
      for (Lag lag : group.lags()) {
        Tags ofPartition = ofGroup.and("topic", lag.topic(), "partition", Integer.toString(lag.partition()));
        records.put(ofPartition, lag.records());
        seconds.put(ofPartition, lag.seconds());
        total += lag.records();
      }
      totalLags.put(group.groupId(), new long[] {total});
    }
    members.set(memberCounts);
    generation.set(generations);
    lagRecords.set(records);
    lagSeconds.set(seconds);
    lagHistory.record(System.currentTimeMillis(), totalLags);
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
