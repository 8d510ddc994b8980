package io.skein.common;

import java.util.Optional;
import java.util.regex.Pattern;

/** Kafka's rules for topic names, so a name valid in one system is valid in the other. */
public final class TopicNames {

  public static final int MAX_LENGTH = 249;
  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

  private TopicNames() {}

  /** Why the name is not a legal topic name, or empty if it is. */
  public static Optional<String> problem(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("topic name is empty");
    }
    if (name.equals(".") || name.equals("..")) {
      return Optional.of("topic name cannot be \".\" or \"..\"");
    }
    if (name.length() > MAX_LENGTH) {
      return Optional.of(
          "topic name is " + name.length() + " characters long; the limit is " + MAX_LENGTH);
    }
    if (!LEGAL.matcher(name).matches()) {
      return Optional.of(
          "topic name \"" + name + "\" contains characters other than ASCII letters, digits, '.', '_' and '-'");
    }
    return Optional.empty();
  }
}
