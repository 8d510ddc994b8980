package io.skein.group;

import java.util.ArrayList;
import java.util.List;

/**
 * What a step of a plain group state machine ({@link ClassicGroup}, {@link ConsumerGroup})
 * leaves its coordinator to do: the replies it queued, and whether its snapshot changed, in
 * which case the coordinator persists the snapshot before sending them, so no member acts on
 * a state a coordinator move would forget.
 */
public final class StepOutcome {

  private final List<Runnable> replies = new ArrayList<>();
  private boolean changed;

  void reply(Runnable reply) {
    replies.add(reply);
  }

  void changed() {
    changed = true;
  }

  /** Whether the snapshot changed since the last call. */
  public boolean takeChanged() {
    boolean was = changed;
    changed = false;
    return was;
  }

  /** The replies queued since the last call. */
  public List<Runnable> takeReplies() {
    List<Runnable> taken = List.copyOf(replies);
    replies.clear();
    return taken;
  }
}
