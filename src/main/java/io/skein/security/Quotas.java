package io.skein.security;

import io.skein.security.quota.QuotaConfigs;
import java.util.concurrent.CompletionStage;

/**
 * This node's read-only copy of the cluster's client quotas. The cluster's {@link QuotaStore}
 * replaces it whenever the quotas change, so that enforcement reads the current quotas here,
 * without asking across the cluster.
 */
public final class Quotas {

  private final VersionedCopy<QuotaConfigs> current = new VersionedCopy<>(QuotaConfigs.EMPTY);

  /** Takes the quotas as they are at {@code version} of the store; an older version than the copy's is ignored. */
  public void replace(long version, QuotaConfigs configs) {
    current.replace(version, configs);
  }

  /** Completes once this copy holds {@code version} of the store or a newer one. */
  public CompletionStage<Void> whenAt(long version) {
    return current.whenAt(version);
  }

  /** The quotas now; the same instance until they change, so a reader may keep what it derived from them. */
  public QuotaConfigs configs() {
    return current.value();
  }
}
