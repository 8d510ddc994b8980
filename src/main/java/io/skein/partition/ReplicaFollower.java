package io.skein.partition;

import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import io.skein.common.AkkaFutures;
import io.skein.log.InvalidConfigException;
import io.skein.log.Log;
import io.skein.log.LogConfig;
import io.skein.log.LogException;
import io.skein.common.ErrorCode;
import io.skein.metadata.PartitionKey;
import io.skein.metadata.Topic;
import io.skein.metrics.MetricsSetup;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * This broker's copy of a partition it follows: the one writer of the local log while
 * another broker leads. Started and stopped by the node's {@link ReplicaManager}, on the log
 * dispatcher.
 *
 * <p>It long-polls the leader with {@link PartitionLeader.ReplicaFetch} from its log end offset,
 * which is also how the leader learns that offset, together with the epoch of its last batch.
 * The leader checks both against its own log before it counts that offset toward the high
 * watermark; where they disagree it answers with where that epoch ends in its log, and the
 * follower truncates by the KIP-279 rule ({@link Log#divergenceTruncationOffset}) and fetches
 * again (Kafka's truncation on fetch, KIP-320/KIP-595). So a follower never keeps a tail the
 * leader does not have, even one written in epochs the leader never saw. Every request carries
 * the leader epoch; replies to an older round are ignored. Any error retries after a short
 * back-off.
 */
public final class ReplicaFollower {

  public interface Command {}

  /** The Controller elected a (possibly the same) leader at a newer epoch. */
  public record NewLeader(int leader, int leaderEpoch) implements Command {}

  /** The topic's config overrides changed (retention, segment size ...): the local log follows them. */
  public record ConfigChanged(Map<String, String> overrides) implements Command {}

  private record Fetched(int round, PartitionLeader.ReplicaFetchReply reply, Throwable failure) implements Command {}

  private record Retry(int round) implements Command {}

  private enum Tick implements Command {
    FLUSH,
    RETENTION
  }

  /**
   * Time a leader has to answer beyond a fetch's own wait. A fetch sent to a leader that just
   * died is lost and costs this long, unless the Controller's election (a new round) comes first;
   * a few seconds still covers a slow answer on a loaded machine.
   */
  private static final Duration ASK_MARGIN = Duration.ofSeconds(3);

  public static Behavior<Command> create(
      PartitionKey key, Topic topic, int leaderBroker, int leaderEpoch, PartitionSettings config,
      ReplicationConfig replication) {
    return Behaviors.withTimers(timers -> Behaviors.setup(context ->
        new ReplicaFollower(key, topic, leaderBroker, leaderEpoch, config, replication, context, timers).opening()));
  }

  private final PartitionKey key;
  private final Topic topic;
  private final PartitionSettings config;
  private final ReplicationConfig replication;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final ClusterSharding sharding;
  private EntityRef<PartitionLeader.Command> leader;
  private int leaderEpoch;
  /** Bumped at every new request round, so that late replies of an older one are dropped. */
  private int round;
  private Log log;

  private ReplicaFollower(
      PartitionKey key, Topic topic, int leaderBroker, int leaderEpoch, PartitionSettings config,
      ReplicationConfig replication, ActorContext<Command> context, TimerScheduler<Command> timers) {
    this.key = key;
    this.topic = topic;
    this.leaderEpoch = leaderEpoch;
    this.config = config;
    this.replication = replication;
    this.context = context;
    this.timers = timers;
    this.sharding = ClusterSharding.get(context.getSystem());
    this.leader = PartitionLeader.on(sharding, key, leaderBroker);
  }

  private Behavior<Command> opening() {
    try {
      PartitionDirectory.claim(dir(), topic.topicId());
      log = Log.open(dir(), LogConfig.fromMap(topic.configs(), config.topicDefaults()), Clock.systemUTC(),
          MetricsSetup.metricsOf(context.getSystem()).storage());
    } catch (IOException | RuntimeException e) {
      context.getLog().error("Partition {}: follower cannot open its log in {}", key, dir(), e);
      return Behaviors.stopped();
    }
    LocalLogCleaner.get(context.getSystem()).register(log);
    timers.startTimerWithFixedDelay(Tick.FLUSH, config.flushCheckInterval());
    timers.startTimerWithFixedDelay(Tick.RETENTION, config.retentionCheckInterval());
    context.getLog().info("Partition {}: following at epoch {}, log offsets [{}, {})", key, leaderEpoch,
        log.logStartOffset(), log.logEndOffset());
    fetch();
    return Behaviors.receive(Command.class)
        .onMessage(NewLeader.class, this::onNewLeader)
        .onMessage(ConfigChanged.class, this::onConfigChanged)
        .onMessage(Fetched.class, this::onFetched)
        .onMessage(Retry.class, this::onRetry)
        .onMessageEquals(Tick.FLUSH, this::onFlushTick)
        .onMessageEquals(Tick.RETENTION, this::onRetentionTick)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onNewLeader(NewLeader update) {
    if (update.leaderEpoch() <= leaderEpoch) {
      return Behaviors.same();
    }
    leaderEpoch = update.leaderEpoch();
    leader = PartitionLeader.on(sharding, key, update.leader());
    context.getLog().info("Partition {}: following broker {} at epoch {}", key, update.leader(), leaderEpoch);
    fetch();
    return Behaviors.same();
  }

  private Behavior<Command> onConfigChanged(ConfigChanged change) {
    try {
      log.updateConfig(LogConfig.fromMap(change.overrides(), config.topicDefaults()));
      context.getLog().info("Partition {}: follower config overrides now {}", key, change.overrides());
    } catch (InvalidConfigException e) {
      // The Controller validated these; a mismatch means broker defaults differ between nodes.
      context.getLog().error("Partition {}: follower rejected config overrides {}: {}", key, change.overrides(),
          e.getMessage());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onFetched(Fetched fetched) {
    if (fetched.round() != round) {
      return Behaviors.same();
    }
    if (fetched.failure() != null) {
      return retryLater(fetched.failure().toString());
    }
    PartitionLeader.ReplicaFetchReply reply = fetched.reply();
    if (reply.diverging()) {
      return truncateAndFetch(log.divergenceTruncationOffset(reply.divergingEpoch()),
          "the leader's epoch " + reply.divergingEpoch().epoch() + " ends at " + reply.divergingEpoch().endOffset()
              + ", this log's last epoch is " + log.latestEpoch());
    }
    if (reply.error() == ErrorCode.OFFSET_OUT_OF_RANGE && reply.logStartOffset() >= 0) {
      return onOutOfRange(reply);
    }
    if (reply.error() != ErrorCode.NONE) {
      return retryLater(reply.error() + ": " + reply.message());
    }
    try {
      if (reply.records().hasRemaining()) {
        log.appendAsFollower(MemoryRecords.readableRecords(reply.records()));
      }
      log.updateHighWatermark(Math.min(reply.highWatermark(), log.logEndOffset()));
    } catch (LogException e) {
      return retryLater("append at " + log.logEndOffset() + " refused: " + e.getMessage());
    } catch (IOException e) {
      context.getLog().error("Partition {}: follower append failed; restarting the follower", key, e);
      return Behaviors.stopped();
    }
    fetch();
    return Behaviors.same();
  }

  /**
   * The leader's log no longer holds this log's end: retention removed it (start over at the
   * leader's log start), or, with no epoch to compare, this log runs past the leader's end.
   */
  private Behavior<Command> onOutOfRange(PartitionLeader.ReplicaFetchReply reply) {
    long start = reply.logStartOffset();
    if (log.logEndOffset() < start) {
      return changeLogAndFetch("starting over at the leader's log start " + start,
          () -> log.truncateFullyAndStartAt(start));
    }
    if (log.logEndOffset() > reply.logEndOffset()) {
      return truncateAndFetch(reply.logEndOffset(), "the leader's log ends there");
    }
    return retryLater(reply.error() + ": " + reply.message());
  }

  private Behavior<Command> truncateAndFetch(long offset, String why) {
    return changeLogAndFetch("truncating to " + offset + " (" + why + ")", () -> log.truncateTo(offset));
  }

  private interface LogChange {
    void apply() throws IOException;
  }

  private Behavior<Command> changeLogAndFetch(String what, LogChange change) {
    context.getLog().info("Partition {}: {}, log end was {}", key, what, log.logEndOffset());
    try {
      change.apply();
    } catch (IOException e) {
      context.getLog().error("Partition {}: {} failed; restarting the follower", key, what, e);
      return Behaviors.stopped();
    }
    fetch();
    return Behaviors.same();
  }

  private Behavior<Command> onRetry(Retry retry) {
    if (retry.round() == round) {
      fetch();
    }
    return Behaviors.same();
  }

  private Behavior<Command> retryLater(String why) {
    context.getLog().debug("Partition {}: replication at epoch {} paused: {}", key, leaderEpoch, why);
    timers.startSingleTimer(new Retry(++round), replication.retryBackoff());
    return Behaviors.same();
  }

  private Behavior<Command> onFlushTick() {
    try {
      log.flushIfDue();
    } catch (IOException e) {
      context.getLog().error("Partition {}: follower flush failed; restarting the follower", key, e);
      return Behaviors.stopped();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRetentionTick() {
    try {
      log.removeExpiredProducers(config.producerIdExpiration().toMillis());
      log.deleteRetainedSegments();
    } catch (IOException e) {
      context.getLog().error("Partition {}: follower retention failed; restarting the follower", key, e);
      return Behaviors.stopped();
    }
    return Behaviors.same();
  }

  private Behavior<Command> onPostStop() {
    LocalLogCleaner.get(context.getSystem()).deregister(log);
    try {
      log.close();
    } catch (IOException e) {
      context.getLog().error("Partition {}: follower close failed; the next start recovers the log", key, e);
    }
    return Behaviors.same();
  }

  private void fetch() {
    int thisRound = ++round;
    long offset = log.logEndOffset();
    int lastFetchedEpoch = log.latestEpoch();
    int epoch = leaderEpoch;
    AkkaFutures.ask(context, PartitionLeader.ReplicaFetchReply.class, leader, replication.fetchMaxWait().plus(ASK_MARGIN),
        replyTo -> new PartitionLeader.ReplicaFetch(config.brokerId(), epoch, offset, lastFetchedEpoch,
            replication.fetchMaxBytes(), replication.fetchMaxWait(), replyTo),
        (reply, failure) -> new Fetched(thisRound, reply, failure));
  }

  private java.nio.file.Path dir() {
    return config.partitionDir(key.topic(), key.partition());
  }
}
