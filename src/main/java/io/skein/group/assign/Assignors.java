package io.skein.group.assign;

import java.util.List;
import java.util.Optional;

/** The assignors a group may use, by name. */
public final class Assignors {

  public static final String RANGE = "range";
  public static final String ROUND_ROBIN = "roundrobin";
  public static final String COOPERATIVE_STICKY = "cooperative-sticky";
  /** Used when a member does not name one. */
  public static final String DEFAULT = COOPERATIVE_STICKY;

  public static final List<String> NAMES = List.of(COOPERATIVE_STICKY, RANGE, ROUND_ROBIN);

  private Assignors() {}

  /** The assignor of that name (empty name means the default), or empty if unknown. */
  public static Optional<Assignor> byName(String name) {
    String n = name == null || name.isEmpty() ? DEFAULT : name;
    return switch (n) {
      case RANGE -> Optional.of(new RangeAssignor());
      case ROUND_ROBIN -> Optional.of(new RoundRobinAssignor());
      case COOPERATIVE_STICKY -> Optional.of(new CooperativeStickyAssignor());
      default -> Optional.empty();
    };
  }
}
