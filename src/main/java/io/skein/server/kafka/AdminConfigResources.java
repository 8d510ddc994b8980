package io.skein.server.kafka;

import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;

/** What the config APIs say of resource types Skein has no configs for. */
final class AdminConfigResources {

  private AdminConfigResources() {}

  static InvalidRequestException unsupported(byte resourceType) {
    ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
    return new InvalidRequestException(type == ConfigResource.Type.UNKNOWN
        ? "unknown config resource type " + resourceType
        : "Skein has no " + type + " configs; it serves TOPIC and BROKER configs");
  }
}
