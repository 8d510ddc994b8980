package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.broker.ConfigAdmin.DescribedConfig;
import io.skein.broker.ConfigAdmin.Source;
import io.skein.broker.ConfigAdmin.Synonym;
import io.skein.log.LogConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A topic's configs as described: where each value comes from, most specific first. */
class ConfigAdminTest {

  /** A broker whose configuration changed the default of retention.ms. */
  private final ConfigAdmin configs = new ConfigAdmin(null, null, new RequestSettings(Duration.ofSeconds(5),
      Duration.ofSeconds(1), 1 << 20, 1, 1, LogConfig.fromMap(Map.of("retention.ms", "3600000"), LogConfig.defaults())), null);

  private Map<String, DescribedConfig> describe(Map<String, String> overrides) {
    return configs.describeTopicConfigs(overrides).stream()
        .collect(Collectors.toMap(DescribedConfig::name, Function.identity()));
  }

  @Test
  void eachValueNamesItsSourceAndTheValuesItOverrides() {
    Map<String, DescribedConfig> described = describe(Map.of("segment.ms", "1000", "retention.ms", "60000"));

    DescribedConfig segmentMs = described.get("segment.ms");
    assertEquals(Source.TOPIC_OVERRIDE, segmentMs.source());
    assertEquals(List.of(new Synonym("segment.ms", "1000", Source.TOPIC_OVERRIDE),
        new Synonym("log.roll.ms", "604800000", Source.DEFAULT)), segmentMs.synonyms());

    assertEquals(List.of(new Synonym("retention.ms", "60000", Source.TOPIC_OVERRIDE),
        new Synonym("log.retention.ms", "3600000", Source.BROKER_CONFIG),
        new Synonym("log.retention.ms", "604800000", Source.DEFAULT)), described.get("retention.ms").synonyms());

    assertEquals(Source.DEFAULT, described.get("segment.bytes").source());
    assertEquals(ConfigAdmin.Type.LIST, described.get("cleanup.policy").type());
  }

  @Test
  void aDefaultTheBrokerChangedComesFromTheBrokerConfig() {
    DescribedConfig retention = describe(Map.of()).get("retention.ms");
    assertEquals("3600000", retention.value());
    assertEquals(Source.BROKER_CONFIG, retention.source());
    assertEquals(17, describe(Map.of()).size(), "every topic config Skein knows");
  }
}
