package io.skein.security.quota;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * {@code skein.security.quotas}: how many client sensors a broker keeps at most, and after how
 * long without a request a client's sensor is forgotten (Kafka keeps its quota sensors an hour).
 */
public record QuotaSettings(int maxSensors, Duration sensorIdleExpiry) {

  private static final String SECTION = "skein.security.quotas.";

  public QuotaSettings {
    if (maxSensors < 1) {
      throw new ConfigException.BadValue(SECTION + "max-sensors", "must be > 0");
    }
    if (sensorIdleExpiry.toMillis() < 1) {
      throw new ConfigException.BadValue(SECTION + "sensor-idle-expiry", "must be at least 1ms");
    }
  }

  public static QuotaSettings from(Config root) {
    return new QuotaSettings(root.getInt(SECTION + "max-sensors"), root.getDuration(SECTION + "sensor-idle-expiry"));
  }
}
