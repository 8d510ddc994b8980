package io.skein.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.security.quota.QuotaConfigs;
import io.skein.security.quota.QuotaEntity;
import io.skein.security.quota.QuotaKey;
import io.skein.security.quota.QuotaSensors;
import io.skein.security.quota.QuotaSettings;
import io.skein.server.grpc.GrpcQuotas.CallIdentity;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GrpcQuotas without a broker: who is measured, and what an answer over a quota waits for. */
class GrpcQuotasTest {

  private final GrpcQuotas quotas = new GrpcQuotas(new QuotaSensors(
      () -> QuotaConfigs.of(Map.of(QuotaEntity.clientId(QuotaEntity.Name.of("slow")),
          Map.of(QuotaKey.PRODUCER_BYTE_RATE, 1000.0))),
      new QuotaSettings(100, Duration.ofHours(1))));

  @AfterEach
  void close() {
    quotas.close();
  }

  @Test
  void onlyTheClientIdWithTheQuotaIsThrottledWhetherPerStreamOrPerThread() {
    assertTrue(quotas.record(new CallIdentity("ANONYMOUS", "slow"), QuotaKey.PRODUCER_BYTE_RATE, 100_000) > 0);
    assertEquals(0, quotas.record(new CallIdentity("ANONYMOUS", "fast"), QuotaKey.PRODUCER_BYTE_RATE, 100_000));
    assertEquals(0, quotas.record(new CallIdentity("ANONYMOUS", ""), QuotaKey.PRODUCER_BYTE_RATE, 100_000));
    assertEquals(0, quotas.record(new CallIdentity("ANONYMOUS", "slow"), QuotaKey.CONSUMER_BYTE_RATE, 100_000));

    QuotaSensors.Client stream = quotas.client();
    assertTrue(quotas.record(stream, new CallIdentity("alice", "slow"), QuotaKey.PRODUCER_BYTE_RATE, 100_000) > 0,
        "a client-id quota holds whoever the user is");
  }

  @Test
  void anUnthrottledAnswerIsTheBrokersOwnAndAThrottledOneWaits() throws Exception {
    CompletableFuture<String> answer = CompletableFuture.completedFuture("appended");
    assertSame(answer, quotas.delayed(answer, 0));

    CompletionStage<String> held = quotas.delayed(answer, TimeUnit.HOURS.toMillis(1));
    assertFalse(held.toCompletableFuture().isDone(), "held back for the throttle time");

    CompletableFuture<String> soon = quotas.delayed("appended", 1).toCompletableFuture();
    assertEquals("appended", soon.get(10, TimeUnit.SECONDS));
  }
}
