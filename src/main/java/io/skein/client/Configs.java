package io.skein.client;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.record.internal.CompressionType;

/**
 * Reads client configs by their Kafka names. Values may be given as strings (from
 * Properties or a command line) or as numbers; a bad value is an IllegalArgumentException
 * that names the config. Unknown names are ignored, as Kafka's clients do, so a Kafka
 * config file can be used as it is.
 */
final class Configs {

  private final Map<String, ?> values;

  Configs(Map<String, ?> values) {
    this.values = Map.copyOf(values);
  }

  static Map<String, Object> fromProperties(Properties properties) {
    Map<String, Object> map = new HashMap<>();
    properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
    return map;
  }

  boolean isSet(String name) {
    return values.get(name) != null;
  }

  String string(String name, String defaultValue) {
    Object value = values.get(name);
    return value == null ? defaultValue : value.toString().strip();
  }

  String requiredString(String name) {
    String value = string(name, null);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("missing required config " + name);
    }
    return value;
  }

  long longValue(String name, long defaultValue, long min, long max) {
    Object value = values.get(name);
    long result;
    if (value == null) {
      result = defaultValue;
    } else if (value instanceof Number number) {
      result = number.longValue();
    } else {
      try {
        result = Long.parseLong(value.toString().strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("config " + name + " must be a number, got '" + value + "'");
      }
    }
    if (result < min || result > max) {
      throw new IllegalArgumentException(
          "config " + name + " must be in [" + min + ", " + max + "], got " + result);
    }
    return result;
  }

  int intValue(String name, int defaultValue, int min, int max) {
    return (int) longValue(name, defaultValue, min, max);
  }

  boolean booleanValue(String name, boolean defaultValue) {
    String value = string(name, Boolean.toString(defaultValue)).toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("config " + name + " must be true or false, got '" + value + "'");
    };
  }

  /** {@code acks}: 0, 1, or all (-1). */
  short acks() {
    String acks = string("acks", "all").toLowerCase(Locale.ROOT);
    return switch (acks) {
      case "all", "-1" -> -1;
      case "0" -> 0;
      case "1" -> 1;
      default -> throw new IllegalArgumentException("config acks must be 0, 1, all or -1, got '" + acks + "'");
    };
  }

  CompressionType compressionType() {
    String name = string("compression.type", "none").toLowerCase(Locale.ROOT);
    try {
      return CompressionType.forName(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "config compression.type must be none, gzip, snappy, lz4 or zstd, got '" + name + "'");
    }
  }
}
