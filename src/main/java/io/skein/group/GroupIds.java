package io.skein.group;

import java.util.Optional;

/** What a group id may be: 1 to 249 characters without control characters. */
public final class GroupIds {

  public static final int MAX_LENGTH = 249;

  private GroupIds() {}

  /** Why the id is not legal, or empty if it is. */
  public static Optional<String> problem(String groupId) {
    if (groupId == null || groupId.isEmpty()) {
      return Optional.of("group id is empty");
    }
    if (groupId.length() > MAX_LENGTH) {
      return Optional.of("group id is " + groupId.length() + " characters long; the limit is " + MAX_LENGTH);
    }
    if (groupId.chars().anyMatch(Character::isISOControl)) {
      return Optional.of("group id contains control characters");
    }
    return Optional.empty();
  }
}
