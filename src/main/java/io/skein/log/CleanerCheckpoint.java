package io.skein.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far the cleaner has compacted a log, in {@code cleaner-offset-checkpoint} in the log's
 * directory: a version line (0), then the offset below which the log is clean. Kept per log rather
 * than per data directory, so that it moves, truncates and is deleted with its log. Written
 * atomically.
 */
final class CleanerCheckpoint {
  static final String FILE_NAME = "cleaner-offset-checkpoint";
  private static final Logger LOG = LoggerFactory.getLogger(CleanerCheckpoint.class);
  private static final int VERSION = 0;

  private final CheckpointFile file;

  CleanerCheckpoint(Path dir) {
    this.file = new CheckpointFile(dir.resolve(FILE_NAME));
  }

  /** The clean offset; 0 (nothing clean) if the file is missing or unreadable. */
  long read() throws IOException {
    if (!file.exists()) {
      return 0;
    }
    List<String> lines = file.readLines();
    try {
      if (lines.size() != 2 || Integer.parseInt(lines.get(0).trim()) != VERSION) {
        throw new IllegalArgumentException("expected version " + VERSION + " and one offset");
      }
      long offset = Long.parseLong(lines.get(1).trim());
      if (offset < 0) {
        throw new IllegalArgumentException("negative offset " + offset);
      }
      return offset;
    } catch (RuntimeException e) {
      // Losing it costs one clean of the whole log, nothing more.
      LOG.warn("Ignoring unreadable cleaner checkpoint {} ({})", file.file(), e.getMessage());
      return 0;
    }
  }

  void write(long cleanedOffset) throws IOException {
    file.write(VERSION + "\n" + cleanedOffset + "\n");
  }
}
