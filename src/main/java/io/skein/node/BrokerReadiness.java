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

  public static BrokerReadiness get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public Stage stage() {
    return stage;
  }

  /** Start-up finished: the partition logs this broker leads are open and gRPC serves. */
  void serving() {
    if (stage == Stage.STARTING) {
      stage = Stage.SERVING;
    }
  }

  void stopping() {
    stage = Stage.STOPPING;
  }
}
