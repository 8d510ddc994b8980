package io.skein.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;

/**
 * One per node: the Controller as this node's brokers, partitions and groups address it. Each
 * command goes where {@link ControllerStandby} last said the Controller is: the singleton, or,
 * while the singleton's node is suspected, the Controller standing in for it.
 */
public final class ControllerRouter {

  private ControllerRouter() {}

  /** Where commands go now; set by {@link ControllerStandby}, read for every command. */
  public static final class Route {
    private final ActorRef<Controller.Command> singleton;
    private volatile ActorRef<Controller.Command> target;

    public Route(ActorRef<Controller.Command> singleton) {
      this.singleton = singleton;
      this.target = singleton;
    }

    ActorRef<Controller.Command> singleton() {
      return singleton;
    }

    void toSingleton() {
      target = singleton;
    }

    void to(ActorRef<Controller.Command> standIn) {
      target = standIn;
    }

    ActorRef<Controller.Command> target() {
      return target;
    }
  }

  public static Behavior<Controller.Command> create(Route route) {
    return Behaviors.receive(Controller.Command.class)
        .onAnyMessage(command -> {
          route.target().tell(command);
          return Behaviors.same();
        })
        .build();
  }
}
