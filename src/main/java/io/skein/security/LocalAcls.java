package io.skein.security;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import io.skein.common.CborSerializable;
import java.util.Set;

/**
 * One per node: keeps this node's {@link Acls} as the {@link AclStore} last said, so that
 * authorization here decides locally. Registered with the Receptionist, where the store finds
 * it and sends it the ACLs at once and after every change.
 */
public final class LocalAcls {

  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "skein-local-acls");

  public sealed interface Command extends CborSerializable {}

  /** Every ACL at {@code version} of the store. */
  public record AclsChanged(long version, Set<Acl> acls) implements Command {}

  private LocalAcls() {}

  public static Behavior<Command> create(Acls copy) {
    return Behaviors.setup(context -> {
      context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
      return Behaviors.receive(Command.class)
          .onMessage(AclsChanged.class, changed -> {
            copy.replace(changed.version(), changed.acls());
            return Behaviors.same();
          })
          .build();
    });
  }
}
