package io.skein.server.kafka;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * The {@code skein.kafka} section of the configuration: where the Kafka wire-protocol listener
 * binds, the address brokers give Kafka clients (Kafka's {@code advertised.listeners}), and the
 * per-connection limits.
 *
 * @param advertisedHost empty: the bind host
 * @param advertisedPort 0: the bound port
 * @param socketRequestMaxBytes Kafka's {@code socket.request.max.bytes}: a larger request closes
 *     its connection
 * @param maxInFlightPerConnection requests of one connection being handled at once; reading from
 *     the connection stops while this many wait for their answer
 * @param connectionsMaxReauth Kafka's {@code connections.max.reauth.ms} (KIP-368) on a SASL
 *     listener: how long an authenticated session lasts before the client must re-authenticate;
 *     zero, sessions do not expire
 */
public record KafkaSettings(
    boolean enabled,
    String host,
    int port,
    String advertisedHost,
    int advertisedPort,
    int socketRequestMaxBytes,
    int maxInFlightPerConnection,
    int networkThreads,
    Duration connectionsMaxReauth) {

  public KafkaSettings {
    require(port >= 0 && port <= 65535, "port", "must be 0..65535");
    require(advertisedPort >= 0 && advertisedPort <= 65535, "advertised-port", "must be 0..65535");
    require(socketRequestMaxBytes > 0, "socket-request-max-bytes", "must be > 0");
    require(maxInFlightPerConnection > 0, "max-in-flight-per-connection", "must be > 0");
    require(networkThreads > 0, "network-threads", "must be > 0");
    require(!connectionsMaxReauth.isNegative(), "connections-max-reauth", "must be >= 0 (0: off)");
  }

  public static KafkaSettings from(Config root) {
    Config c = root.getConfig("skein.kafka");
    return new KafkaSettings(
        c.getBoolean("enabled"),
        c.getString("host"),
        c.getInt("port"),
        c.getString("advertised-host"),
        c.getInt("advertised-port"),
        c.getInt("socket-request-max-bytes"),
        c.getInt("max-in-flight-per-connection"),
        c.getInt("network-threads"),
        c.getDuration("connections-max-reauth"));
  }

  /** The host Kafka clients are told to connect to. */
  public String advertisedHostOr(String boundHost) {
    return advertisedHost.isEmpty() ? boundHost : advertisedHost;
  }

  /** The port Kafka clients are told to connect to, given the one the listener bound. */
  public int advertisedPortOr(int boundPort) {
    return advertisedPort == 0 ? boundPort : advertisedPort;
  }

  private static void require(boolean ok, String key, String message) {
    if (!ok) {
      throw new ConfigException.BadValue("skein.kafka." + key, message);
    }
  }
}
