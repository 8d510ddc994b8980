package io.skein.broker;

import io.skein.security.Principal;

/**
 * Who sent a request and from where, as the protocol layer authenticated it: what every
 * authorization of the request layer is decided on.
 *
 * @param host the client's IP address, as ACLs name hosts
 */
public record Caller(Principal principal, String host) {

  /**
   * The broker itself, for its own requests (health metrics): not subject to ACLs. Only this
   * instance is: no client authenticates as it, since the listeners' principals are all of type User.
   */
  public static final Caller BROKER = new Caller(new Principal("Broker", "self"), "127.0.0.1");
}
