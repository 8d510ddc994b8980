package io.skein.node;

import com.typesafe.config.ConfigException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The broker id of a StatefulSet pod: its ordinal, the number at the end of its host name
 * ({@code skein-2} is broker 2). A StatefulSet gives every pod a stable name and its own
 * volume, so the id a data directory remembers always comes back with it.
 */
public final class PodOrdinal {

  private static final Pattern ORDINAL = Pattern.compile("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?-(\\d+)$");

  private PodOrdinal() {}

  /** The ordinal of {@code hostname}; a bad value fails naming the setting that asked for it. */
  public static int brokerIdOf(String hostname) {
    // A pod's HOSTNAME is its name; only the first label matters if a domain came with it.
    String name = hostname.strip();
    int dot = name.indexOf('.');
    String podName = dot < 0 ? name : name.substring(0, dot);
    Matcher matcher = ORDINAL.matcher(podName);
    if (!matcher.matches()) {
      throw new ConfigException.BadValue("skein.broker.id-from-hostname",
          "host name '" + hostname + "' does not end in a pod ordinal like 'skein-2'");
    }
    try {
      return Integer.parseInt(matcher.group(2));
    } catch (NumberFormatException tooLarge) {
      throw new ConfigException.BadValue("skein.broker.id-from-hostname",
          "the ordinal of host name '" + hostname + "' is not a broker id");
    }
  }
}
