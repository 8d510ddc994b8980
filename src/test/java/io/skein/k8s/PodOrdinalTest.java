package io.skein.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigException;
import io.skein.node.BrokerConfig;
import io.skein.node.PodOrdinal;
import io.skein.node.SkeinNode;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodOrdinalTest {

  @Test
  void brokerIdIsTheOrdinalAtTheEndOfThePodName() {
    assertEquals(0, PodOrdinal.brokerIdOf("skein-0"));
    assertEquals(2, PodOrdinal.brokerIdOf("skein-2"));
    assertEquals(11, PodOrdinal.brokerIdOf("my-skein-11.skein-headless.ns.svc.cluster.local"));
  }

  @Test
  void aHostNameWithoutOrdinalIsRefused() {
    assertThrows(ConfigException.BadValue.class, () -> PodOrdinal.brokerIdOf("skein"));
    assertThrows(ConfigException.BadValue.class, () -> PodOrdinal.brokerIdOf("skein-"));
    assertThrows(ConfigException.BadValue.class, () -> PodOrdinal.brokerIdOf("skein-99999999999"));
  }

  @Test
  void theFlagTakesTheIdFromTheHostNameOverTheConfiguredId() {
    Map<String, Object> pod = Map.of("skein.broker.id-from-hostname", "on", "skein.broker.hostname", "skein-2",
        "skein.broker.id", 7);
    assertEquals(2, BrokerConfig.from(SkeinNode.loadConfig(Optional.empty(), pod)).brokerId());
    Map<String, Object> off = Map.of("skein.broker.hostname", "skein-2", "skein.broker.id", 7);
    assertEquals(7, BrokerConfig.from(SkeinNode.loadConfig(Optional.empty(), off)).brokerId());
  }
}
