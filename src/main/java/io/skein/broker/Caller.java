package io.skein.broker;

import io.skein.security.Principal;

/**
 * Who sent a request and from where, as the protocol layer authenticated it: what every
 * authorization of the request layer is decided on.
 *
 * @param host the client's IP address, as ACLs name hosts
 */
public record Caller(Principal principal, String host) {

  /** An unauthenticated client on this machine, for callers inside the broker and tests. */
  public static final Caller LOCAL_ANONYMOUS = new Caller(Principal.ANONYMOUS, "127.0.0.1");
}
