package io.skein.security;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A node's read-only copy of what a cluster store holds, at the store's version: replaced
 * whole on every change, read without locks, and waited on by whoever changed the store
 * until this copy has the change.
 *
 * @param <T> the stored value, immutable
 */
final class VersionedCopy<T> {

  private record Snapshot<T>(long version, T value) {}

  private record Waiter(long version, CompletableFuture<Void> reached) {}

  private final List<Waiter> waiters = new ArrayList<>();
  private volatile Snapshot<T> current;

  /** A copy holding {@code empty} at version -1: nothing received yet. */
  VersionedCopy(T empty) {
    current = new Snapshot<>(-1, empty);
  }

  T value() {
    return current.value();
  }

  long version() {
    return current.version();
  }

  /** Takes {@code value} as it is at {@code version} of the store; an older version than the copy's is ignored. */
  void replace(long version, T value) {
    List<CompletableFuture<Void>> reached = new ArrayList<>();
    synchronized (waiters) {
      if (version < current.version()) {
        return;
      }
      current = new Snapshot<>(version, value);
      for (Iterator<Waiter> waiting = waiters.iterator(); waiting.hasNext(); ) {
        Waiter waiter = waiting.next();
        if (waiter.version() <= version) {
          reached.add(waiter.reached());
          waiting.remove();
        }
      }
    }
    reached.forEach(future -> future.complete(null));
  }

  /** Completes once this copy holds {@code version} of the store or a newer one. */
  CompletionStage<Void> whenAt(long version) {
    synchronized (waiters) {
      if (current.version() >= version) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> reached = new CompletableFuture<>();
      waiters.add(new Waiter(version, reached));
      return reached;
    }
  }
}
