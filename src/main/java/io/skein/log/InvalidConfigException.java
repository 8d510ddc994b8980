package io.skein.log;

/** A log config override with an unknown name, an unparsable value or a value out of range. */
public class InvalidConfigException extends LogException {
  public InvalidConfigException(String message) {
    super(message);
  }
}
