package io.skein.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Files read at start-up and read again when they change, without a restart: their modification
 * times are checked every interval on a daemon thread of their own, and when one differs from
 * the last check the owner's reload runs. The owner decides what a bad change does (in Skein: it
 * is logged and what was loaded before stays in use).
 */
final class WatchedFiles implements AutoCloseable {

  private final List<Path> files;
  private final ScheduledExecutorService scheduler;
  private List<FileTime> checkedTimes;

  /** Notes the files' times now: the caller reads them next. */
  WatchedFiles(List<Path> files, String threadName) {
    this.files = List.copyOf(files);
    this.checkedTimes = modificationTimes(this.files);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, threadName);
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Runs {@code reloadIfChanged} every {@code interval}, first one interval from now. */
  void checkEvery(Duration interval, Runnable reloadIfChanged) {
    long every = interval.toMillis();
    scheduler.scheduleWithFixedDelay(reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Whether a file's modification time differs from the last check's; a changed file counts once,
   * whether or not it then loads.
   *
   * @throws IllegalArgumentException a file cannot be read (missing, no permission)
   */
  synchronized boolean changedSinceLastCheck() {
    List<FileTime> times = modificationTimes(files);
    if (times.equals(checkedTimes)) {
      return false;
    }
    checkedTimes = times;
    return true;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  private static List<FileTime> modificationTimes(List<Path> files) {
    List<FileTime> times = new ArrayList<>(files.size());
    for (Path file : files) {
      try {
        times.add(Files.getLastModifiedTime(file));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
      }
    }
    return times;
  }
}
