package io.skein.client;

import java.util.ArrayList;
import java.util.List;

/** A broker address, as written in {@code bootstrap.servers}: {@code host:port}. */
public record HostPort(String host, int port) {

  public HostPort {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1-65535, got " + port);
    }
  }

  /** Parses {@code host:port} or {@code [ipv6]:port}. */
  public static HostPort parse(String address) {
    String text = address.strip();
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got '" + address + "'");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException("write an IPv6 address as [address]:port, got '" + address + "'");
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port is not a number in '" + address + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1-65535 in '" + address + "'");
    }
    if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("bad host in '" + address + "'");
    }
    return new HostPort(host, port);
  }

  /** Parses a comma-separated, non-empty list of {@code host:port}. */
  public static List<HostPort> parseList(String addresses) {
    if (addresses == null || addresses.isBlank()) {
      throw new IllegalArgumentException("bootstrap.servers must list at least one host:port");
    }
    List<HostPort> result = new ArrayList<>();
    for (String address : addresses.split(",")) {
      if (!address.isBlank()) {
        result.add(parse(address));
      }
    }
    if (result.isEmpty()) {
      throw new IllegalArgumentException("bootstrap.servers must list at least one host:port");
    }
    return List.copyOf(result);
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
