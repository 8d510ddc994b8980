package io.skein.log;

/**
 * What a {@link Log} tells its owner of the rare things it does to its files, for the owner's
 * meters: the storage engine knows no metrics library. Called on the thread that does the work
 * (the opener, the writer), only per open, roll, flush and retention run, never per record or
 * batch. Implementations must be quick and must not throw. {@link #NONE} does nothing.
 */
public interface LogListener {

  /** Listens to nothing: every method is the empty default. */
  LogListener NONE = new LogListener() {};

  /** How a log was found when it opened. */
  enum OpenedAs {
    /** No segment yet: a new partition here. */
    NEW,
    /** Closed cleanly: no batch was validated again. */
    CLEAN,
    /** Not closed cleanly: the segments after the recovery point were validated and a torn tail cut. */
    RECOVERED
  }

  /** The log opened, found {@code as}, in {@code nanos} (recovery included). */
  default void opened(OpenedAs as, long nanos) {}

  /** The active segment was closed and a new one started. */
  default void rolled() {}

  /** An fsync of the log's unflushed segments and their indexes took {@code nanos}. */
  default void flushed(long nanos) {}

  /** Retention deleted {@code segments} whole segments holding {@code bytes} bytes. */
  default void retentionDeleted(int segments, long bytes) {}
}
