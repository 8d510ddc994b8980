package io.skein.log;

/**
 * Base of every error the storage engine reports to its owner; unchecked so callers decide where to
 * map them.
 */
public class LogException extends RuntimeException {
  public LogException(String message) {
    super(message);
  }

  public LogException(String message, Throwable cause) {
    super(message, cause);
  }
}
