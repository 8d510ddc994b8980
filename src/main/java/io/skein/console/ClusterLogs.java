package io.skein.console;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.receptionist.Receptionist;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.skein.common.AkkaFutures;
import io.skein.metadata.PartitionKey;
import io.skein.metrics.SampleRing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the console shows of partitions' logs, asked of each broker's {@link NodeLogs} (one
 * request per broker, not one per partition) and kept for {@link #FRESH_FOR}, so that pages
 * left open, however many, cost each broker one answer per poll interval at most. A broker that
 * does not answer in time is left out: its partitions show no log figures.
 */
final class ClusterLogs {

  /** The fastest page's poll interval: a page's poll gets a fresh answer, a second page's the same one. */
  static final Duration FRESH_FOR = Duration.ofSeconds(2);
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

  /** Every broker's answer, by broker id. */
  record Snapshot(Map<Integer, Map<PartitionKey, NodeLogs.PartitionLog>> byBroker) {

    /** The log of {@code key} as its leader {@code leader} knows it, or null. */
    NodeLogs.PartitionLog leaderLog(PartitionKey key, int leader) {
      Map<PartitionKey, NodeLogs.PartitionLog> led = byBroker.get(leader);
      return led == null ? null : led.get(key);
    }
  }

  private record Taken(long atNanos, CompletableFuture<Snapshot> snapshot) {}

  private final ActorSystem<?> system;
  private final Counter requests;
  private Taken last;

  ClusterLogs(ActorSystem<?> system, MeterRegistry registry) {
    this.system = system;
    this.requests = Counter.builder("skein.console.log.requests")
        .description("Brokers asked by the console for the logs of the partitions they lead").register(registry);
  }

  /** Every broker's leaders' logs, at most {@link #FRESH_FOR} old. */
  synchronized CompletionStage<Snapshot> snapshot() {
    Taken taken = last;
    long now = System.nanoTime();
    if (taken == null || now - taken.atNanos() > FRESH_FOR.toNanos() || taken.snapshot().isCompletedExceptionally()) {
      taken = new Taken(now, ask().toCompletableFuture());
      last = taken;
    }
    return taken.snapshot();
  }

  /**
   * {@code name}'s history, merged over the brokers: a topic's sums over the samples every
   * broker that has the series took at the same time (so a partial sum never shows as a drop), a
   * group's samples from whichever broker refreshed it (the first answer's, where two have one).
   */
  CompletionStage<SampleRing.Samples> history(NodeLogs.Series series, String name) {
    return nodes().thenCompose(nodes -> {
      List<CompletableFuture<NodeLogs.History>> answers = new ArrayList<>();
      for (ActorRef<NodeLogs.Command> node : nodes) {
        answers.add(ask(node, replyTo -> new NodeLogs.GetHistory(series, name, replyTo)));
      }
      return allAnswered(answers).thenApply(histories -> merge(series, histories));
    });
  }

  private CompletionStage<Snapshot> ask() {
    return nodes().thenCompose(nodes -> {
      List<CompletableFuture<NodeLogs.Logs>> answers = new ArrayList<>();
      for (ActorRef<NodeLogs.Command> node : nodes) {
        requests.increment();
        answers.add(ask(node, NodeLogs.GetLogs::new));
      }
      return allAnswered(answers).thenApply(logs -> {
        Map<Integer, Map<PartitionKey, NodeLogs.PartitionLog>> byBroker = new HashMap<>();
        for (NodeLogs.Logs answer : logs) {
          Map<PartitionKey, NodeLogs.PartitionLog> led =
              byBroker.computeIfAbsent(answer.brokerId(), id -> new HashMap<>());
          answer.partitions().forEach(log -> led.put(new PartitionKey(log.topic(), log.partition()), log));
        }
        return new Snapshot(byBroker);
      });
    });
  }

  private CompletionStage<Set<ActorRef<NodeLogs.Command>>> nodes() {
    return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
            replyTo -> Receptionist.find(NodeLogs.KEY, replyTo), ASK_TIMEOUT, system.scheduler())
        .thenApply(listing -> listing.getServiceInstances(NodeLogs.KEY));
  }

  private <T> CompletableFuture<T> ask(ActorRef<NodeLogs.Command> node,
      akka.japi.function.Function<ActorRef<T>, NodeLogs.Command> request) {
    return AkkaFutures.direct(AskPattern.ask(node, request, ASK_TIMEOUT, system.scheduler()))
        .exceptionally(silent -> null);
  }

  /** The answers that came, the others (null) left out. */
  private static <T> CompletionStage<List<T>> allAnswered(List<CompletableFuture<T>> answers) {
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(all -> answers.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList());
  }

  static SampleRing.Samples merge(NodeLogs.Series series, List<NodeLogs.History> histories) {
    int width = series == NodeLogs.Series.TOPIC ? 2 : 1;
    TreeMap<Long, long[]> merged = new TreeMap<>();
    Map<Long, Integer> brokersAt = new HashMap<>();
    int brokersWithSeries = 0;
    for (NodeLogs.History history : histories) {
      if (history.timesMs().length == 0) {
        continue;
      }
      brokersWithSeries++;
      for (int i = 0; i < history.timesMs().length; i++) {
        long time = history.timesMs()[i];
        if (series == NodeLogs.Series.GROUP && merged.containsKey(time)) {
          continue;
        }
        long[] sums = merged.computeIfAbsent(time, t -> new long[width]);
        for (int column = 0; column < width; column++) {
          sums[column] += history.values()[column][i];
        }
        brokersAt.merge(time, 1, Integer::sum);
      }
    }
    if (series == NodeLogs.Series.TOPIC) {
      int all = brokersWithSeries;
      merged.keySet().removeIf(time -> brokersAt.get(time) < all);
    }
    long[] times = new long[merged.size()];
    long[][] values = new long[width][merged.size()];
    int i = 0;
    for (Map.Entry<Long, long[]> sample : merged.entrySet()) {
      times[i] = sample.getKey();
      for (int column = 0; column < width; column++) {
        values[column][i] = sample.getValue()[column];
      }
      i++;
    }
    return new SampleRing.Samples(times, values);
  }
}
