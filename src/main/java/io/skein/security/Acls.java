package io.skein.security;

import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * This node's read-only copy of the cluster's ACLs. The cluster's {@link AclStore} replaces it
 * whenever the ACLs change, so that every authorization is decided here without asking across
 * the cluster.
 */
public final class Acls {

  private final VersionedCopy<Set<Acl>> current = new VersionedCopy<>(Set.of());

  /** A copy holding these ACLs already. */
  public static Acls of(Set<Acl> acls) {
    Acls copy = new Acls();
    copy.replace(0, acls);
    return copy;
  }

  /** Takes the ACLs as they are at {@code version} of the store; an older version than the copy's is ignored. */
  public void replace(long version, Set<Acl> acls) {
    current.replace(version, Set.copyOf(acls));
  }

  /** Completes once this copy holds {@code version} of the store or a newer one. */
  public CompletionStage<Void> whenAt(long version) {
    return current.whenAt(version);
  }

  public Set<Acl> all() {
    return current.value();
  }
}
