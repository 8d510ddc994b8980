package io.skein.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.skein.metadata.ReplicaAssignment;
import io.skein.metadata.Topic;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Partition and broker health as this node sees it, from the Controller's latest assignments.
 * Under-replicated and under-min-ISR count the partitions led here (as in Kafka, so summing
 * over brokers counts each partition once); offline (no live leader) and brokers up are the
 * whole cluster's. Computed by {@link #update} every few seconds, not per scrape.
 */
public final class ClusterHealth {

  private static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

  /** Bucket bounds of the election duration: from a local hand-over to a failure detector's seconds. */
  private static final Duration[] ELECTION_BUCKETS = {
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
    Duration.ofSeconds(30)
  };

  private final AtomicLong led = new AtomicLong();
  private final AtomicLong underReplicated = new AtomicLong();
  private final AtomicLong underMinIsr = new AtomicLong();
  private final AtomicLong offline = new AtomicLong();
  private final AtomicLong brokersUp = new AtomicLong();
  private final AtomicLong controllerPresent = new AtomicLong();
  private final Counter leaderElections;
  private final Counter isrShrinks;
  private final Counter isrExpands;
  private final Timer electionDuration;

  ClusterHealth(MeterRegistry registry) {
    gauge(registry, "skein.partitions.led", "Partitions this broker leads", led);
    gauge(registry, "skein.partitions.under.replicated", "Partitions led here with an ISR smaller than their replicas",
        underReplicated);
    gauge(registry, "skein.partitions.under.min.isr", "Partitions led here with fewer in sync than min.insync.replicas",
        underMinIsr);
    gauge(registry, "skein.partitions.offline", "Partitions of the cluster without a live leader", offline);
    gauge(registry, "skein.brokers.up", "Brokers that are members of the cluster", brokersUp);
    gauge(registry, "skein.controller.present", "1 if this broker sees a Controller it can reach, else 0",
        controllerPresent);
    leaderElections = Counter.builder("skein.leader.elections")
        .description("Partitions given a new leader by the Controller on this broker").register(registry);
    isrShrinks = Counter.builder("skein.isr.shrinks")
        .description("ISR changes to fewer replicas, persisted by the Controller on this broker").register(registry);
    isrExpands = Counter.builder("skein.isr.expands")
        .description("ISR changes to more replicas, persisted by the Controller on this broker").register(registry);
    electionDuration = Timer.builder("skein.leader.election.duration")
        .description("From the Controller's election of this broker as a partition's leader to it serving")
        .serviceLevelObjectives(ELECTION_BUCKETS)
        .register(registry);
  }

  /**
   * This broker serves as the leader the Controller elected at {@code electedAtMs} (the
   * Controller's wall clock), now {@code nowMs} (this broker's). A clock behind the Controller's
   * counts zero rather than a negative time.
   */
  public void leaderServing(long electedAtMs, long nowMs) {
    electionDuration.record(Math.max(0, nowMs - electedAtMs), TimeUnit.MILLISECONDS);
  }

  /** Whether this broker sees a Controller now (see {@code ControllerStandby.controllerReachable}). */
  public void controllerSeen(boolean present) {
    controllerPresent.set(present ? 1 : 0);
  }

  /** The Controller gave {@code partitions} partitions a new leader. */
  public void leadersElected(int partitions) {
    leaderElections.increment(partitions);
  }

  /** The Controller changed a partition's ISR from {@code before} to {@code after} replicas. */
  public void isrChanged(int before, int after) {
    if (after < before) {
      isrShrinks.increment();
    } else if (after > before) {
      isrExpands.increment();
    }
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
