package io.skein.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Partition and broker health as this node sees it, from the Controller's latest assignments.
 * Under-replicated and under-min-ISR count the partitions led here (as in Kafka, so summing
 * over brokers counts each partition once); offline (no live leader) and brokers up are the
 * whole cluster's. Computed by {@link #update} every few seconds, not per scrape.
 */
public final class ClusterHealth {

  private static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

  private final AtomicLong led = new AtomicLong();
  private final AtomicLong underReplicated = new AtomicLong();
  private final AtomicLong underMinIsr = new AtomicLong();
  private final AtomicLong offline = new AtomicLong();
  private final AtomicLong brokersUp = new AtomicLong();

  ClusterHealth(MeterRegistry registry) {
    gauge(registry, "skein.partitions.led", "Partitions this broker leads", led);
    gauge(registry, "skein.partitions.under.replicated", "Partitions led here with an ISR smaller than their replicas",
        underReplicated);
    gauge(registry, "skein.partitions.under.min.isr", "Partitions led here with fewer in sync than min.insync.replicas",
        underMinIsr);
    gauge(registry, "skein.partitions.offline", "Partitions of the cluster without a live leader", offline);
    gauge(registry, "skein.brokers.up", "Brokers that are members of the cluster", brokersUp);
  }

  /**
   * Recomputes the gauges for broker {@code brokerId} from the {@code topics} assigned, the
   * brokers that are {@code members} and the broker's default min.insync.replicas.
   */
  public void update(int brokerId, Collection<Topic> topics, Set<Integer> members, int defaultMinIsr) {
    long ledHere = 0;
    long under = 0;
    long belowMin = 0;
    long noLeader = 0;
    for (Topic topic : topics) {
      int minIsr = minIsr(topic, defaultMinIsr);
      for (ReplicaAssignment partition : topic.partitions()) {
        if (!members.contains(partition.leader())) {
          noLeader++;
        }
        if (partition.leader() == brokerId) {
          ledHere++;
          if (partition.isr().size() < partition.replicas().size()) {
            under++;
          }
          if (partition.isr().size() < minIsr) {
            belowMin++;
          }
        }
      }
    }
    led.set(ledHere);
    underReplicated.set(under);
    underMinIsr.set(belowMin);
    offline.set(noLeader);
    brokersUp.set(members.size());
  }

  /** A topic's own min.insync.replicas; the broker's default if it has none (or an unreadable one). */
  private static int minIsr(Topic topic, int defaultMinIsr) {
    String own = topic.configs().get(MIN_INSYNC_REPLICAS);
    if (own == null) {
      return defaultMinIsr;
    }
    try {
      return Integer.parseInt(own.trim());
    } catch (NumberFormatException e) {
      return defaultMinIsr;
    }
  }

  private static void gauge(MeterRegistry registry, String name, String description, AtomicLong value) {
    Gauge.builder(name, value, AtomicLong::get).description(description).register(registry);
  }
}
