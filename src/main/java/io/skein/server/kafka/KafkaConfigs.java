package io.skein.server.kafka;

import io.skein.broker.ConfigAdmin;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/** The request layer's config sources and types in Kafka's vocabulary. */
final class KafkaConfigs {

  private KafkaConfigs() {}

  static ConfigSource source(ConfigAdmin.Source source) {
    return switch (source) {
      case TOPIC_OVERRIDE -> ConfigSource.TOPIC_CONFIG;
      case BROKER_CONFIG -> ConfigSource.STATIC_BROKER_CONFIG;
      case DEFAULT -> ConfigSource.DEFAULT_CONFIG;
    };
  }

  static ConfigType type(ConfigAdmin.Type type) {
    return switch (type) {
      case STRING -> ConfigType.STRING;
      case INT -> ConfigType.INT;
      case LONG -> ConfigType.LONG;
      case DOUBLE -> ConfigType.DOUBLE;
      case LIST -> ConfigType.LIST;
    };
  }
}
