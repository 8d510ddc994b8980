package io.skein.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offsets a log must remember across restarts, in {@code log-offsets-checkpoint}: a version
 * line (0), then "recovery-point N", "log-start-offset N" and "high-watermark N" lines. Written
 * atomically.
 */
final class LogOffsetsCheckpoint {
  static final String FILE_NAME = "log-offsets-checkpoint";
  private static final Logger LOG = LoggerFactory.getLogger(LogOffsetsCheckpoint.class);
  private static final int VERSION = 0;
  private static final String RECOVERY_POINT = "recovery-point";
  private static final String LOG_START_OFFSET = "log-start-offset";
  private static final String HIGH_WATERMARK = "high-watermark";

  /** The saved offsets; all zero for a new log, which also means "recover everything". */
  record Offsets(long recoveryPoint, long logStartOffset, long highWatermark) {
    static final Offsets NONE = new Offsets(0, 0, 0);
  }

  private final CheckpointFile file;

  LogOffsetsCheckpoint(Path dir) {
    this.file = new CheckpointFile(dir.resolve(FILE_NAME));
  }

  /**
   * The saved offsets; {@link Offsets#NONE} if the file is missing or unreadable (then with a
   * warning).
   */
  Offsets read() throws IOException {
    if (!file.exists()) {
      return Offsets.NONE;
    }
    List<String> lines = file.readLines();
    try {
      if (lines.isEmpty() || Integer.parseInt(lines.get(0).trim()) != VERSION) {
        throw new IllegalArgumentException("expected version " + VERSION + " on the first line");
      }
      Map<String, Long> values = new HashMap<>();
      for (String line : lines.subList(1, lines.size())) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length != 2) {
          throw new IllegalArgumentException("malformed line '" + line + "'");
        }
        values.put(fields[0], Long.parseLong(fields[1]));
      }
      return new Offsets(
          require(values, RECOVERY_POINT),
          require(values, LOG_START_OFFSET),
          require(values, HIGH_WATERMARK));
    } catch (RuntimeException e) {
      LOG.warn(
          "Ignoring unreadable offsets checkpoint {} ({}); the whole log will be recovered",
          file.file(),
          e.getMessage());
      return Offsets.NONE;
    }
  }

  void write(Offsets offsets) throws IOException {
    file.write(
        VERSION
            + "\n"
            + RECOVERY_POINT
            + " "
            + offsets.recoveryPoint()
            + "\n"
            + LOG_START_OFFSET
            + " "
            + offsets.logStartOffset()
            + "\n"
            + HIGH_WATERMARK
            + " "
            + offsets.highWatermark()
            + "\n");
  }

  private static long require(Map<String, Long> values, String key) {
    Long value = values.get(key);
    if (value == null || value < 0) {
      throw new IllegalArgumentException("missing or negative " + key);
    }
    return value;
  }
}
