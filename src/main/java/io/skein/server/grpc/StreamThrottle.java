package io.skein.server.grpc;

import io.skein.security.quota.QuotaKey;
import io.skein.security.quota.QuotaSensors;

/**
 * One record stream's consumer byte-rate quota: what it sends is counted, and a stream over its
 * quota takes a pause, resumed from the quotas' scheduler. Confined to its stream (called under
 * the stream's lock), as its sensors client is.
 */
final class StreamThrottle {

  private final GrpcQuotas quotas;
  private final GrpcQuotas.CallIdentity identity;
  private final QuotaSensors.Client throttles;
  private final Runnable resume;
  private long throttledUntilMs;

  /** @param resume called on the scheduler's thread, without the stream's lock, once a pause ends */
  StreamThrottle(GrpcQuotas quotas, GrpcQuotas.CallIdentity identity, Runnable resume) {
    this.quotas = quotas;
    this.identity = identity;
    this.throttles = quotas.client();
    this.resume = resume;
  }

  /** Whether the stream is paused now. */
  boolean throttled() {
    return throttledUntilMs > 0 && throttledUntilMs > quotas.nowMs();
  }

  /** Counts {@code bytes} sent; if that is over the quota, pauses the stream and answers for how long (else 0). */
  int sent(long bytes) {
    long throttleMs = quotas.record(throttles, identity, QuotaKey.CONSUMER_BYTE_RATE, bytes);
    if (throttleMs > 0) {
      throttledUntilMs = quotas.nowMs() + throttleMs;
      quotas.after(throttleMs, resume);
    }
    return (int) throttleMs;
  }
}
