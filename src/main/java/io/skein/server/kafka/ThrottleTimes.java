package io.skein.server.kafka;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Sets a response's {@code throttle_time_ms}, which most APIs' responses have but no interface of
 * kafka-clients' message classes declares: each response class's setter is looked up once.
 */
final class ThrottleTimes {

  /** By API key id; null for responses without the field. */
  private static final MethodHandle[] SETTERS = setters();

  private ThrottleTimes() {}

  /** Sets it on {@code response} of {@code key}, if that response has the field. */
  static void set(ApiKeys key, ApiMessage response, int throttleMs) {
    MethodHandle setter = SETTERS[key.id];
    if (setter == null) {
      return;
    }
    try {
      setter.invokeExact(response, throttleMs);
    } catch (Throwable e) {
      throw new IllegalStateException("could not set the throttle time of a " + key + " response", e);
    }
  }

  private static MethodHandle[] setters() {
    int maxId = 0;
    for (ApiKeys key : ApiKeys.values()) {
      maxId = Math.max(maxId, key.id);
    }
    MethodHandle[] setters = new MethodHandle[maxId + 1];
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    for (ApiKeys key : ApiKeys.values()) {
      try {
        Class<?> response = key.messageType.newResponse().getClass();
        setters[key.id] = lookup
            .findVirtual(response, "setThrottleTimeMs", MethodType.methodType(response, int.class))
            .asType(MethodType.methodType(void.class, ApiMessage.class, int.class));
      } catch (NoSuchMethodException | UnsupportedVersionException noThrottleTime) {
        // No such field, or an API kafka-clients knows only by number (removed from Kafka).
        setters[key.id] = null;
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    return setters;
  }
}
