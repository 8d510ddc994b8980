package io.skein.security.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.security.quota.QuotaEntity.Name;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Which sensor measures a client's requests, by Kafka's precedence, and how sensors are kept, on a driven clock. */
class QuotaSensorsTest {

  private final AtomicReference<QuotaConfigs> configs = new AtomicReference<>(QuotaConfigs.EMPTY);
  private final QuotaSensors sensors = new QuotaSensors(configs::get, new QuotaSettings(3, Duration.ofSeconds(60)));

  private void set(QuotaEntity entity, QuotaKey key, double limit) {
    configs.set(configs.get().altered(entity, Map.of(key, limit)));
  }

  @Test
  void withoutAQuotaNothingIsThrottledOrKept() {
    QuotaSensors.Client client = sensors.client();
    assertEquals(0, client.record(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app", 1_000_000, 0));
    assertEquals(0, sensors.size());
  }

  @Test
  void aUsersQuotaMeasuresAllItsClientIdsTogether() {
    set(QuotaEntity.user(Name.of("alice")), QuotaKey.PRODUCER_BYTE_RATE, 100);
    QuotaSensors.Client first = sensors.client();
    QuotaSensors.Client second = sensors.client();
    // 1000 bytes over 10 s is the bound exactly; 1000 more from another client id of alice's are over it.
    assertEquals(0, first.record(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app-1", 1000, 0));
    assertEquals(10_000, second.record(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app-2", 1000, 0));
    assertEquals(1, sensors.size());
    assertEquals(0, sensors.client().record(QuotaKey.PRODUCER_BYTE_RATE, "bob", "app-1", 1_000_000, 0));
  }

  @Test
  void aDefaultClientIdQuotaMeasuresEachClientIdOnItsOwn() {
    set(QuotaEntity.userAndClientId(Name.of("alice"), Name.DEFAULT), QuotaKey.CONSUMER_BYTE_RATE, 100);
    QuotaSensors.Client client = sensors.client();
    assertEquals(0, client.record(QuotaKey.CONSUMER_BYTE_RATE, "alice", "app-1", 1000, 0));
    assertEquals(0, client.record(QuotaKey.CONSUMER_BYTE_RATE, "alice", "app-2", 1000, 0));
    assertEquals(2, sensors.size());
  }

  @Test
  void aChangedQuotaHoldsAtOnceAndARemovedOneNoLonger() {
    QuotaEntity alice = QuotaEntity.user(Name.of("alice"));
    set(alice, QuotaKey.PRODUCER_BYTE_RATE, 1000);
    QuotaSensors.Client client = sensors.client();
    assertEquals(0, client.record(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app", 5000, 0));
    set(alice, QuotaKey.PRODUCER_BYTE_RATE, 100);
    // 6000 bytes over 10 s, at 100 B/s: (600 - 100) / 100 * 10 s, bounded by the 11 s the samples span.
    assertEquals(11_000, client.record(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app", 1000, 0));
    configs.set(configs.get().altered(alice, Collections.singletonMap(QuotaKey.PRODUCER_BYTE_RATE, null)));
    assertEquals(0, client.record(QuotaKey.PRODUCER_BYTE_RATE, "alice", "app", 1000, 0));
  }

  @Test
  void requestPercentageCountsNanosecondsOfOneThread() {
    set(QuotaEntity.user(Name.of("alice")), QuotaKey.REQUEST_PERCENTAGE, 1);
    QuotaSensors.Client client = sensors.client();
    // 1 % is 10 ms a second: 100 ms over 10 s is the bound, 200 ms twice it.
    assertEquals(0, client.record(QuotaKey.REQUEST_PERCENTAGE, "alice", "", 100_000_000, 0));
    assertEquals(10_000, client.record(QuotaKey.REQUEST_PERCENTAGE, "alice", "", 100_000_000, 0));
  }

  @Test
  void idleSensorsAreForgottenAndAtMostTheMaximumKept() {
    set(QuotaEntity.user(Name.DEFAULT), QuotaKey.PRODUCER_BYTE_RATE, 100);
    QuotaSensors.Client early = sensors.client();
    assertEquals(0, early.record(QuotaKey.PRODUCER_BYTE_RATE, "u1", "", 10, 0));
    assertEquals(0, sensors.client().record(QuotaKey.PRODUCER_BYTE_RATE, "u2", "", 10, 30_000));
    assertEquals(0, sensors.client().record(QuotaKey.PRODUCER_BYTE_RATE, "u3", "", 10, 40_000));
    assertEquals(3, sensors.size());
    // Full: u1, idle for 60 s, goes.
    assertEquals(0, sensors.client().record(QuotaKey.PRODUCER_BYTE_RATE, "u4", "", 10, 60_000));
    assertEquals(3, sensors.size());
    // Full and none idle long enough: the longest idle (u2) goes.
    assertEquals(0, sensors.client().record(QuotaKey.PRODUCER_BYTE_RATE, "u5", "", 10, 61_000));
    assertEquals(3, sensors.size());
    // The connection that held u1's forgotten sensor measures into a new one, kept with the others.
    assertTrue(early.record(QuotaKey.PRODUCER_BYTE_RATE, "u1", "", 100_000, 62_000) > 0);
    assertEquals(3, sensors.size());
  }
}
