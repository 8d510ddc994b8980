package io.skein.console;

import akka.actor.setup.Setup;
import io.skein.security.UserCredentials;
import java.util.Optional;

/**
 * Hands the console, which Akka Management loads by class name, the users it logs in: those of
 * the client listeners when they authenticate with passwords (gRPC Basic or a SASL Kafka
 * listener); none, and the console needs no login, when they do not.
 */
public final class ConsoleSetup extends Setup {

  private final Optional<UserCredentials> users;

  public ConsoleSetup(Optional<UserCredentials> users) {
    this.users = users;
  }

  Optional<UserCredentials> users() {
    return users;
  }
}
