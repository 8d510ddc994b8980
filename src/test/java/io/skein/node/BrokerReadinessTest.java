package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Readiness: serving, then caught up once after start; never while stopping. */
class BrokerReadinessTest {

  @Test
  void readyOnlyOnceServingAndCaughtUpAndNotWhileStopping() {
    BrokerReadiness readiness = new BrokerReadiness();
    AtomicBoolean inSync = new AtomicBoolean(true);
    assertFalse(readiness.ready(id -> inSync.get()), "still starting");

    inSync.set(false);
    readiness.serving(2);
    assertFalse(readiness.ready(id -> id == 2 && inSync.get()), "serving but still catching up");
    inSync.set(true);
    assertTrue(readiness.ready(id -> id == 2 && inSync.get()));
    // Later lag does not take a caught-up broker out of service.
    inSync.set(false);
    assertTrue(readiness.ready(id -> inSync.get()));

    readiness.stopping();
    assertFalse(readiness.ready(id -> true), "a controlled shutdown began");
  }
}
