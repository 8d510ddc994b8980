package io.skein.server.grpc;

import io.skein.security.quota.QuotaKey;
import io.skein.security.quota.QuotaSensors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Client quotas on the gRPC API, measured on the node's sensors (the same the Kafka listener
 * measures on, so a client's use of both protocols counts together), by the call's principal name
 * and {@code skein-client-id} header. Where Kafka answers at once and then mutes the connection,
 * gRPC has no connection to mute: the answer itself is held back for the throttle time, on a
 * scheduler, never on a gRPC or actor thread.
 */
final class GrpcQuotas implements AutoCloseable {

  private final QuotaSensors sensors;
  /** For unary calls, which run on whatever thread: one client per thread keeps each confined. */
  private final ThreadLocal<QuotaSensors.Client> perThread;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "skein-grpc-throttle");
    thread.setDaemon(true);
    return thread;
  });

  GrpcQuotas(QuotaSensors sensors) {
    this.sensors = sensors;
    this.perThread = ThreadLocal.withInitial(sensors::client);
  }

  /** A client of the sensors for one stream, confined to it (a stream's callbacks are serialised). */
  QuotaSensors.Client client() {
    return sensors.client();
  }

  /**
   * Records {@code units} for the current call's principal and client id on {@code client}; the
   * milliseconds the call is to be throttled for, 0 if within its quota or without one.
   */
  long record(QuotaSensors.Client client, CallIdentity caller, QuotaKey key, long units) {
    return client.record(key, caller.user(), caller.clientId(), units, sensors.nowMs());
  }

  /** {@link #record} for a unary call, on the calling thread's client. */
  long record(CallIdentity caller, QuotaKey key, long units) {
    return record(perThread.get(), caller, key, units);
  }

  /** The sensors' clock. */
  long nowMs() {
    return sensors.nowMs();
  }

  /** Runs {@code action} after {@code delayMs}, or at once on this thread if 0. */
  void after(long delayMs, Runnable action) {
    if (delayMs <= 0) {
      action.run();
    } else {
      scheduler.schedule(action, delayMs, TimeUnit.MILLISECONDS);
    }
  }

  /** {@code answer}'s value, {@code delayMs} after it; just {@code answer} if 0: an unthrottled call costs nothing. */
  <T> CompletionStage<T> delayed(CompletionStage<T> answer, long delayMs) {
    return delayMs <= 0 ? answer : answer.thenCompose(value -> delayed(value, delayMs));
  }

  /** {@code value}, {@code delayMs} later (at once if 0). */
  <T> CompletableFuture<T> delayed(T value, long delayMs) {
    if (delayMs <= 0) {
      return CompletableFuture.completedFuture(value);
    }
    CompletableFuture<T> later = new CompletableFuture<>();
    scheduler.schedule(() -> later.complete(value), delayMs, TimeUnit.MILLISECONDS);
    return later;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  /** Whom a call's usage is measured for: its principal's name and its client id ("" when it sent none). */
  record CallIdentity(String user, String clientId) {

    /** The current call's. */
    static CallIdentity current() {
      return new CallIdentity(CallerContext.current().principal().name(), CallerContext.clientId());
    }
  }
}
