package io.skein.console;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.skein.common.CborSerializable;
import io.skein.metrics.ChartHistory;
import io.skein.metrics.SampleRing;
import io.skein.metrics.SampleTable;
import io.skein.partition.LocalLeaderLogs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One per broker, found through the Receptionist: answers the console of any broker with what
 * this node already knows, the logs of the partitions it leads (one answer per broker instead of
 * one per partition) and its share of the charts' history; and samples those logs into the
 * history, per topic, every {@link SampleTable#interval}.
 */
public final class NodeLogs {

  static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "skein-console-node-logs");

  public interface Command extends CborSerializable {}

  /** The logs of the partitions led here. */
  public record GetLogs(ActorRef<Logs> replyTo) implements Command {}

  public record Logs(int brokerId, List<PartitionLog> partitions) implements CborSerializable {}

  public record PartitionLog(String topic, int partition, long logStartOffset, long highWatermark, long logEndOffset,
      long sizeBytes, int segments) {}

  /** Which history: a topic's (its high watermarks and log sizes summed) or a group's (its total lag). */
  public enum Series { TOPIC, GROUP }

  public record GetHistory(Series series, String name, ActorRef<History> replyTo) implements Command {}

  /** Samples oldest first, empty if this node has none of the series. */
  public record History(int brokerId, long[] timesMs, long[][] values) implements CborSerializable {}

  private enum Sample implements Command { INSTANCE }

  public static Behavior<Command> create(int brokerId, LocalLeaderLogs logs, ChartHistory history) {
    return Behaviors.setup(context -> {
      context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
      return Behaviors.withTimers(timers -> {
        timers.startTimerAtFixedRate(Sample.INSTANCE, history.topics().interval());
        return Behaviors.receive(Command.class)
            .onMessage(GetLogs.class, get -> onGetLogs(brokerId, logs, get))
            .onMessage(GetHistory.class, get -> onGetHistory(brokerId, history, get))
            .onMessageEquals(Sample.INSTANCE, () -> onSample(logs, history))
            .build();
      });
    });
  }

  private static Behavior<Command> onGetLogs(int brokerId, LocalLeaderLogs logs, GetLogs get) {
    List<PartitionLog> led = new ArrayList<>();
    logs.forEachLog((key, log) -> led.add(new PartitionLog(key.topic(), key.partition(), log.logStartOffset(),
        log.highWatermark(), log.logEndOffset(), log.sizeInBytes(), log.numberOfSegments())));
    get.replyTo().tell(new Logs(brokerId, led));
    return Behaviors.same();
  }

  private static Behavior<Command> onGetHistory(int brokerId, ChartHistory history, GetHistory get) {
    SampleTable table = get.series() == Series.TOPIC ? history.topics() : history.groups();
    SampleRing.Samples samples = table.samples(get.name())
        .orElseGet(() -> new SampleRing.Samples(new long[0], new long[get.series() == Series.TOPIC ? 2 : 1][0]));
    get.replyTo().tell(new History(brokerId, samples.timesMs(), samples.values()));
    return Behaviors.same();
  }

  private static Behavior<Command> onSample(LocalLeaderLogs logs, ChartHistory history) {
    Map<String, long[]> byTopic = new HashMap<>();
    logs.forEachLog((key, log) -> {
      long[] sums = byTopic.computeIfAbsent(key.topic(), topic -> new long[2]);
      sums[0] += log.highWatermark();
      sums[1] += log.sizeInBytes();
    });
    history.topics().record(System.currentTimeMillis(), byTopic);
    return Behaviors.same();
  }
}
