package io.skein.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;

/**
 * Where this broker is in its life, for the readiness check: starting (logs not yet
 * recovered, the cluster perhaps not yet joined), serving, or stopping (a controlled shutdown
 * began: Kubernetes should stop sending it clients).
 */
public final class BrokerReadiness implements Extension {

  public enum Stage { STARTING, SERVING, STOPPING }

  private static final ExtensionId<BrokerReadiness> ID = new ExtensionId<>() {
    @Override
    public BrokerReadiness createExtension(ActorSystem<?> system) {
      return new BrokerReadiness();
    }
  };

  private volatile Stage stage = Stage.STARTING;
  private volatile int brokerId = -1;
  /** Latched: once caught up after start, later lag does not take the broker out of service. */
  private volatile boolean caughtUp;

  public static BrokerReadiness get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public Stage stage() {
    return stage;
  }

  /** Start-up finished: the partition logs this broker leads are open and gRPC serves. */
  void serving(int servingBrokerId) {
    if (stage == Stage.STARTING) {
      brokerId = servingBrokerId;
      stage = Stage.SERVING;
    }
  }

  /**
   * Ready for clients and for the next step of a rolling update: serving, and back in the
   * ISR of every partition it follows, so that restarting the next broker cannot leave a
   * partition with fewer in-sync replicas than before.
   */
  boolean ready(java.util.function.IntPredicate inSyncFollower) {
    if (stage != Stage.SERVING) {
      return false;
    }
    if (!caughtUp && inSyncFollower.test(brokerId)) {
      caughtUp = true;
    }
    return caughtUp;
  }

  void stopping() {
    stage = Stage.STOPPING;
  }
}
