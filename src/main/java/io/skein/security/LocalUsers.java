package io.skein.security;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.skein.common.CborSerializable;
import java.util.Map;

/**
 * One per node: keeps this node's {@link UserCredentials} as the {@link UserStore} last said,
 * so that logins here check the cluster's current users locally. Registered with the
 * Receptionist, where the store finds it and sends it the users at once and after every change.
 */
public final class LocalUsers {

  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "skein-local-users");

  public sealed interface Command extends CborSerializable {}

  /** Every user's credentials at {@code version} of the store. */
  public record UsersChanged(long version, Map<String, Map<ScramMechanism, ScramCredential>> users)
      implements Command {}

  private LocalUsers() {}

  public static Behavior<Command> create(UserCredentials copy) {
    return Behaviors.setup(context -> {
      context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
      return Behaviors.receive(Command.class)
          .onMessage(UsersChanged.class, changed -> {
            copy.replace(changed.version(), changed.users());
            return Behaviors.same();
          })
          .build();
    });
  }
}
