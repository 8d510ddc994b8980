package io.skein.log;

import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's log cleaner: a fixed pool of threads that compact the registered logs whose
 * cleanup.policy includes compact, the dirtiest first, all together within one I/O rate.
 *
 * <p>Choice: a log whose oldest dirty record has waited longer than max.compaction.lag.ms comes
 * first; otherwise the log with the highest dirty ratio at or above its min.cleanable.dirty.ratio.
 * Only segments wholly below the high watermark and older than min.compaction.lag.ms are cleanable
 * ({@link CleanableSection}). A log is cleaned by one thread at a time.
 *
 * <p>Coordination with a log's writer: the cleaner reads segments like any reader and swaps the
 * cleaned copy in under the log's lock ({@link Log#replaceSegments}), which drops the copy if the
 * writer removed a segment meanwhile. The owner {@link #deregister deregisters} a log before it
 * closes or deletes it; that stops a clean in progress at its next chunk and waits for it, so no
 * cleaner thread writes files into a closed or deleted log directory. Cleaner threads are never
 * interrupted: an interrupt during a read would close the log's shared file channel.
 */
public final class LogCleaner implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(LogCleaner.class);

  /**
   * The broker settings, named after Kafka's log.cleaner.* ones.
   *
   * @param threads log.cleaner.threads
   * @param ioMaxBytesPerSecond log.cleaner.io.max.bytes.per.second, read and written together;
   *     Long.MAX_VALUE for no limit
   * @param dedupeBufferBytes log.cleaner.dedupe.buffer.size, shared out among the threads
   * @param backoff log.cleaner.backoff.ms: how long a thread waits when no log needs cleaning
   */
  public record Settings(
      int threads, long ioMaxBytesPerSecond, long dedupeBufferBytes, Duration backoff) {
    public Settings {
      if (threads < 1) {
        throw new IllegalArgumentException(
            "log.cleaner.threads must be at least 1, got " + threads);
      }
      if (ioMaxBytesPerSecond < 1) {
        throw new IllegalArgumentException(
            "log.cleaner.io.max.bytes.per.second must be positive, got " + ioMaxBytesPerSecond);
      }
      if (dedupeBufferBytes / threads < OffsetMap.ENTRY_BYTES * 1024L) {
        throw new IllegalArgumentException(
            "log.cleaner.dedupe.buffer.size must give each cleaner thread at least "
                + OffsetMap.ENTRY_BYTES * 1024
                + " bytes, got "
                + dedupeBufferBytes
                + " for "
                + threads);
      }
      if (backoff.isNegative() || backoff.isZero()) {
        throw new IllegalArgumentException("log.cleaner.backoff must be positive, got " + backoff);
      }
    }

    /** The offset map of one thread: its share of the buffer, within a Java array. */
    int offsetMapBytes() {
      return (int) Math.min(dedupeBufferBytes / threads, Integer.MAX_VALUE - 8);
    }
  }

  /** Totals since start, for the metrics endpoint. */
  public record Progress(
      long cleans, long bytesRead, long bytesWritten, long recordsRead, long recordsKept) {}

  /** A registered log and the cleaner's state for it; guarded by {@code lock}. */
  private static final class Entry {
    boolean inProgress;
    volatile boolean abort;
    long notBeforeMs;
    Cleaner.Stats lastClean;
  }

  private final Settings settings;
  private final Clock clock;
  private final Throttler throttler;
  private final Object lock = new Object();
  private final Map<Log, Entry> logs = new IdentityHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong cleans = new AtomicLong();
  private final AtomicLong bytesRead = new AtomicLong();
  private final AtomicLong bytesWritten = new AtomicLong();
  private final AtomicLong recordsRead = new AtomicLong();
  private final AtomicLong recordsKept = new AtomicLong();
  private boolean stopped;

  /** Starts the cleaner threads; they allocate their offset maps on their first clean. */
  public LogCleaner(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.throttler = new Throttler(settings.ioMaxBytesPerSecond());
    for (int i = 0; i < settings.threads(); i++) {
      Thread thread = new Thread(this::run, "log-cleaner-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  /** Makes {@code log} a candidate for cleaning while its cleanup.policy includes compact. */
  public void register(Log log) {
    synchronized (lock) {
      logs.putIfAbsent(log, new Entry());
      lock.notifyAll();
    }
  }

  /**
   * Removes {@code log}, first stopping and waiting for a clean of it in progress; after this the
   * owner may close or delete it.
   */
  public void deregister(Log log) {
    synchronized (lock) {
      Entry entry = logs.get(log);
      if (entry == null) {
        return;
      }
      entry.abort = true;
      boolean interrupted = false;
      while (entry.inProgress) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      logs.remove(log);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What the last clean of {@code log} did, if it was cleaned since it registered. */
  Optional<Cleaner.Stats> lastClean(Log log) {
    synchronized (lock) {
      Entry entry = logs.get(log);
      return Optional.ofNullable(entry == null ? null : entry.lastClean);
    }
  }

  public Progress progress() {
    return new Progress(
        cleans.get(), bytesRead.get(), bytesWritten.get(), recordsRead.get(), recordsKept.get());
  }

  /**
   * The highest dirty ratio of the registered compacted logs now, 0 if there is none. Reads each
   * log's segment headers, outside the lock: for a scrape, not for every clean.
   */
  public double maxDirtyRatio() {
    List<Log> compacted = new ArrayList<>();
    synchronized (lock) {
      for (Log log : logs.keySet()) {
        if (log.config().compact()) {
          compacted.add(log);
        }
      }
    }
    double max = 0;
    for (Log log : compacted) {
      try {
        max = Math.max(max, log.dirtyRatio());
      } catch (RuntimeException closing) {
        // Closed under us: it deregisters next.
      }
    }
    return max;
  }

  /** Wakes the threads to look for work now rather than after the backoff. */
  public void wakeUp() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /** Stops every clean at its next chunk and waits for the threads to end. */
  @Override
  public void close() {
    synchronized (lock) {
      stopped = true;
      for (Entry entry : logs.values()) {
        entry.abort = true;
      }
      lock.notifyAll();
    }
    throttler.stop();
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void run() {
    Cleaner cleaner = null;
    while (true) {
      Log log = claimDirtiest();
      if (log == null) {
        return;
      }
      Entry entry;
      synchronized (lock) {
        entry = logs.get(log);
      }
      Cleaner.Stats stats = null;
      long retryAfterMs = 0;
      try {
        if (cleaner == null) {
          cleaner = new Cleaner(settings.offsetMapBytes(), throttler, clock);
        }
        stats = cleaner.clean(log, () -> entry.abort);
        if (stats != null) {
          record(log, stats);
        }
      } catch (Cleaner.Aborted e) {
        LOG.debug("Stopped cleaning {}: it is closing", log.dir());
      } catch (IOException | RuntimeException e) {
        // Leave the log be for a while rather than fail on it in a loop; its writer carries on.
        LOG.warn("Cleaning {} failed; trying again later", log.dir(), e);
        retryAfterMs = Math.max(settings.backoff().toMillis(), 10_000);
      }
      synchronized (lock) {
        entry.inProgress = false;
        entry.notBeforeMs = clock.millis() + retryAfterMs;
        if (stats != null) {
          entry.lastClean = stats;
        }
        lock.notifyAll();
      }
    }
  }

  private void record(Log log, Cleaner.Stats stats) {
    cleans.incrementAndGet();
    bytesRead.addAndGet(stats.bytesRead());
    bytesWritten.addAndGet(stats.bytesWritten());
    recordsRead.addAndGet(stats.recordsRead());
    recordsKept.addAndGet(stats.recordsKept());
    double seconds = Math.max(stats.durationMs(), 1) / 1000.0;
    LOG.info(
        "Cleaned {} up to offset {}: {} segment(s) of {} bytes to {} of {} bytes, {} of {} records"
            + " kept, in {} ms ({} MB/s)",
        log.dir(),
        stats.cleanedToOffset(),
        stats.segmentsBefore(),
        stats.bytesRead(),
        stats.segmentsAfter(),
        stats.bytesWritten(),
        stats.recordsKept(),
        stats.recordsRead(),
        stats.durationMs(),
        String.format("%.3f", stats.bytesRead() / seconds / (1024 * 1024)));
  }

  /**
   * The log to clean first of {@code candidates}, null if none needs cleaning: one past its
   * max.compaction.lag.ms before any other, then the highest dirty ratio; when none is dirty
   * enough, one whose tombstones are all past their delete horizon.
   */
  static Log dirtiest(List<Log> candidates, long nowMs) {
    Log best = null;
    Log withExpiredTombstones = null;
    boolean bestPastLag = false;
    double bestRatio = -1;
    for (Log candidate : candidates) {
      try {
        LogConfig config = candidate.config();
        CleanableSection section = CleanableSection.of(candidate, nowMs);
        if (!section.cleanable(nowMs, config)) {
          if (withExpiredTombstones == null
              && CleanableSection.tombstonesExpired(candidate, nowMs)) {
            withExpiredTombstones = candidate;
          }
          continue;
        }
        boolean pastLag = section.pastMaxCompactionLag(nowMs, config);
        double ratio = section.dirtyRatio();
        if (best == null
            || (pastLag && !bestPastLag)
            || (pastLag == bestPastLag && ratio > bestRatio)) {
          best = candidate;
          bestPastLag = pastLag;
          bestRatio = ratio;
        }
      } catch (IOException | RuntimeException e) {
        // Closing or closed under us: it deregisters next.
        LOG.debug("Skipping {} this round: {}", candidate.dir(), e.toString());
      }
    }
    return best != null ? best : withExpiredTombstones;
  }

  /**
   * Waits until a log needs cleaning and marks it in progress; null once the cleaner stops. The
   * sections are worked out outside the lock: they read segment headers.
   */
  private Log claimDirtiest() {
    while (true) {
      List<Log> candidates = new ArrayList<>();
      synchronized (lock) {
        if (stopped) {
          return null;
        }
        long now = clock.millis();
        for (Map.Entry<Log, Entry> e : logs.entrySet()) {
          if (!e.getValue().inProgress
              && now >= e.getValue().notBeforeMs
              && e.getKey().config().compact()) {
            candidates.add(e.getKey());
          }
        }
      }
      Log best = dirtiest(candidates, clock.millis());
      synchronized (lock) {
        if (stopped) {
          return null;
        }
        Entry entry = best == null ? null : logs.get(best);
        if (entry != null && !entry.inProgress && !entry.abort) {
          entry.inProgress = true;
          return best;
        }
        if (best == null) {
          try {
            lock.wait(settings.backoff().toMillis());
          } catch (InterruptedException e) {
            // Nobody interrupts cleaner threads; should someone, this one ends.
            Thread.currentThread().interrupt();
            return null;
          }
        }
      }
    }
  }
}
