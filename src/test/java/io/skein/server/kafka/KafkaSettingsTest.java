package io.skein.server.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.skein.node.SkeinNode;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

  @Test
  void theListenerIsOnByDefaultOnKafkasPortWithKafkasRequestSizeLimit() {
    KafkaSettings settings = KafkaSettings.from(SkeinNode.loadConfig(Optional.empty(), Map.of()));
    assertTrue(settings.enabled());
    assertEquals(9092, settings.port());
    assertEquals("127.0.0.1", settings.host());
    assertEquals(104857600, settings.socketRequestMaxBytes());
    assertEquals("127.0.0.1", settings.advertisedHostOr(settings.host()));
    assertEquals(40123, settings.advertisedPortOr(40123));
  }

  @Test
  void advertisedAddressOverridesTheBoundOne() {
    KafkaSettings settings = KafkaSettings.from(SkeinNode.loadConfig(Optional.empty(), Map.of(
        "skein.kafka.advertised-host", "skein-0.skein", "skein.kafka.advertised-port", 19092)));
    assertEquals("skein-0.skein", settings.advertisedHostOr("0.0.0.0"));
    assertEquals(19092, settings.advertisedPortOr(40123));
  }

  @Test
  void aBadValueNamesItsKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> KafkaSettings.from(
        ConfigFactory.parseMap(Map.of("skein.kafka.max-in-flight-per-connection", 0))
            .withFallback(SkeinNode.loadConfig(Optional.empty(), Map.of()))));
    assertEquals(true, e.getMessage().contains("skein.kafka.max-in-flight-per-connection"));
  }
}
