package io.skein.partition;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import io.skein.log.Log;
import io.skein.log.LogCleaner;
import java.time.Clock;
import java.util.Optional;

/**
 * Per node: the {@link LogCleaner} that compacts the logs this node leads or follows. The node
 * starts it; a partition's leader or follower registers its log once open and deregisters it
 * before closing or deleting it (which waits for a clean of it in progress). Until the node starts
 * it, as in tests of a single actor, or with {@code skein.log.cleaner.enabled = off}, registering
 * does nothing and compacted topics keep every record.
 */
public final class LocalLogCleaner implements Extension {

  public static final ExtensionId<LocalLogCleaner> ID = new ExtensionId<>() {
    @Override
    public LocalLogCleaner createExtension(ActorSystem<?> system) {
      return new LocalLogCleaner();
    }
  };

  public static LocalLogCleaner get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  private volatile LogCleaner cleaner;

  private LocalLogCleaner() {}

  /** Starts the cleaner threads; they stop when the actor system terminates. */
  public synchronized void start(ActorSystem<?> system, LogCleaner.Settings settings) {
    if (cleaner != null) {
      throw new IllegalStateException("the log cleaner is already started");
    }
    LogCleaner started = new LogCleaner(settings, Clock.systemUTC());
    cleaner = started;
    system.getWhenTerminated().whenComplete((done, failure) -> started.close());
  }

  void register(Log log) {
    LogCleaner current = cleaner;
    if (current != null) {
      current.register(log);
    }
  }

  void deregister(Log log) {
    LogCleaner current = cleaner;
    if (current != null) {
      current.deregister(log);
    }
  }

  /** The highest dirty ratio of the compacted logs here, for the metrics endpoint; 0 if not started. */
  public double maxDirtyRatio() {
    LogCleaner current = cleaner;
    return current == null ? 0 : current.maxDirtyRatio();
  }

  /** What the cleaner has done since it started, for the metrics endpoint; empty if not started. */
  public Optional<LogCleaner.Progress> progress() {
    LogCleaner current = cleaner;
    return current == null ? Optional.empty() : Optional.of(current.progress());
  }
}
