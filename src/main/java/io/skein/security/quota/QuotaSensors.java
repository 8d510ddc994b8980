package io.skein.security.quota;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What a broker measures its clients with: one rate per quota kind and group measured together
 * (the user and client-id tags of the quota that applies, {@link QuotaConfigs.Bound}), shared by
 * every connection of that group, as Kafka's quota sensors are. A sensor is made when a
 * connection first needs it; those idle for {@code idleExpiryMs} are forgotten when a new one is
 * made, and at most {@code maxSensors} are kept (the longest idle goes first).
 */
public final class QuotaSensors {

  /** request_percentage counts nanoseconds of handling: 1 % of one thread is 10^7 ns a second. */
  private static final double NANOS_PER_PERCENT = 1e7;
  private static final QuotaKey[] KEYS = QuotaKey.values();
  /** Kafka bounds a throttle by the span its samples cover. */
  private static final long MAX_THROTTLE_MS = SampledRate.DEFAULT_SAMPLES * SampledRate.DEFAULT_WINDOW_MS;

  /** Where {@link #nowMs()} counts from, so that it starts at 0 and never goes back. */
  private final long originNanos = System.nanoTime();

  private final Supplier<QuotaConfigs> configs;
  private final int maxSensors;
  private final long idleExpiryMs;
  private final Map<SensorKey, Sensor> sensors = new ConcurrentHashMap<>();

  private record SensorKey(QuotaKey key, String user, String clientId) {}

  private static final class Sensor {
    final SampledRate rate = SampledRate.withKafkaDefaults();
    volatile long lastRecordMs;
    /** Set once forgotten: a connection holding it looks its sensor up again. */
    volatile boolean expired;

    Sensor(long nowMs) {
      lastRecordMs = nowMs;
    }
  }

  /** Sensors for the quotas {@code configs} gives now (a node's copy of the cluster's quotas). */
  public QuotaSensors(Supplier<QuotaConfigs> configs, QuotaSettings settings) {
    this.configs = configs;
    this.maxSensors = settings.maxSensors();
    this.idleExpiryMs = settings.sensorIdleExpiry().toMillis();
  }

  /** Sensors of no quota at all: every client is within its (absent) quotas. */
  public static QuotaSensors none() {
    return new QuotaSensors(() -> QuotaConfigs.EMPTY, new QuotaSettings(1, Duration.ofHours(1)));
  }

  /** The clock sensors are given: milliseconds since this was made, on the monotonic clock. */
  public long nowMs() {
    return (System.nanoTime() - originNanos) / 1_000_000;
  }

  /** The throttles of one connection; confined to the connection's thread. */
  public Client client() {
    return new Client();
  }

  /** Sensors kept now. */
  int size() {
    return sensors.size();
  }

  private Sensor sensor(SensorKey key, long nowMs) {
    Sensor sensor = sensors.get(key);
    if (sensor != null) {
      return sensor;
    }
    if (sensors.size() >= maxSensors) {
      expireIdle(nowMs);
    }
    return sensors.computeIfAbsent(key, absent -> new Sensor(nowMs));
  }

  /** Forgets the sensors idle too long, and while still full, the longest idle one. */
  private void expireIdle(long nowMs) {
    sensors.entrySet().removeIf(entry -> {
      boolean idle = nowMs - entry.getValue().lastRecordMs >= idleExpiryMs;
      entry.getValue().expired |= idle;
      return idle;
    });
    while (sensors.size() >= maxSensors) {
      sensors.entrySet().stream()
          .min((a, b) -> Long.compare(a.getValue().lastRecordMs, b.getValue().lastRecordMs))
          .ifPresent(oldest -> {
            oldest.getValue().expired = true;
            sensors.remove(oldest.getKey());
          });
    }
  }

  /**
   * One connection's way to its sensors: the quotas that apply to its user and client id are
   * looked up once, again only when the quotas, the user or the client id change.
   */
  public final class Client {
    private QuotaConfigs resolvedFrom;
    private String user;
    private String clientId;
    private final Sensor[] byKey = new Sensor[KEYS.length];
    /** Each key's bound in the units recorded, per second. */
    private final double[] limits = new double[KEYS.length];

    private Client() {}

    /**
     * Records {@code units} (bytes, or nanoseconds of handling for request_percentage) for
     * {@code user} and {@code clientId}; answers how many milliseconds the client is to be
     * throttled for (at most the span of its samples, as Kafka bounds it), 0 if within its quota
     * or without one.
     */
    public long record(QuotaKey key, String user, String clientId, long units, long nowMs) {
      QuotaConfigs current = configs.get();
      Sensor sensor = byKey[key.ordinal()];
      if (current != resolvedFrom || !user.equals(this.user) || !clientId.equals(this.clientId)
          || (sensor != null && sensor.expired)) {
        resolve(current, user, clientId, nowMs);
        sensor = byKey[key.ordinal()];
      }
      if (sensor == null) {
        return 0;
      }
      sensor.lastRecordMs = nowMs;
      return Math.min(sensor.rate.recordAndThrottleMs(units, limits[key.ordinal()], nowMs), MAX_THROTTLE_MS);
    }

    private void resolve(QuotaConfigs current, String user, String clientId, long nowMs) {
      resolvedFrom = current;
      this.user = user;
      this.clientId = clientId;
      for (QuotaKey key : KEYS) {
        Optional<QuotaConfigs.Bound> bound = current.bound(key, user, clientId);
        byKey[key.ordinal()] = bound
            .map(applies -> sensor(new SensorKey(key, applies.user(), applies.clientId()), nowMs))
            .orElse(null);
        limits[key.ordinal()] = bound
            .map(applies -> key == QuotaKey.REQUEST_PERCENTAGE ? applies.limit() * NANOS_PER_PERCENT : applies.limit())
            .orElse(0.0);
      }
    }
  }
}
