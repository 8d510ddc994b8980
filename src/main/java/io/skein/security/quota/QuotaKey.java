package io.skein.security.quota;

import java.util.Optional;

/** The quota kinds Kafka knows for a client (KIP-13, KIP-124), by their config names. */
public enum QuotaKey {
  PRODUCER_BYTE_RATE("producer_byte_rate", true),
  CONSUMER_BYTE_RATE("consumer_byte_rate", true),
  /** Percentage of one request-handler thread's time per quota window (KIP-124). */
  REQUEST_PERCENTAGE("request_percentage", false);

  private final String configName;
  private final boolean wholeNumber;

  QuotaKey(String configName, boolean wholeNumber) {
    this.configName = configName;
    this.wholeNumber = wholeNumber;
  }

  public String configName() {
    return configName;
  }

  /** Kafka declares the byte rates as LONG configs, so a fractional byte rate is refused. */
  public boolean wholeNumber() {
    return wholeNumber;
  }

  public static Optional<QuotaKey> named(String configName) {
    for (QuotaKey key : values()) {
      if (key.configName.equals(configName)) {
        return Optional.of(key);
      }
    }
    return Optional.empty();
  }
}
