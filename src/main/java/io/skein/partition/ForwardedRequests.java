package io.skein.partition;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.actor.typed.Props;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per node: the requests waiting for a partition leader on another broker, failed with
 * NOT_LEADER_OR_FOLLOWER the moment that broker becomes unreachable, is downed or leaves.
 *
 * <p>A request sent to a leader whose node then dies is lost with it, and its client would wait
 * out its whole request timeout (30 s for Kafka's clients) before retrying, long after a new
 * leader was elected. Failed at once with a retriable error instead, the client refreshes its
 * metadata and retries at the new leader. As when Kafka's connection to a dead leader drops,
 * the write may or may not have been applied: an idempotent producer's retry is deduplicated.
 */
public final class ForwardedRequests implements Extension {

  public static final ExtensionId<ForwardedRequests> ID = new ExtensionId<>() {
    @Override
    public ForwardedRequests createExtension(ActorSystem<?> system) {
      ForwardedRequests forwarded = new ForwardedRequests();
      system.systemActorOf(BrokerFailures.create(forwarded), "broker-failures", Props.empty());
      return forwarded;
    }
  };

  public static ForwardedRequests get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The unanswered requests to each broker. */
  private final Map<Integer, Set<CompletableFuture<?>>> waiting = new ConcurrentHashMap<>();
  /** Brokers unreachable or downed now: a request that starts waiting for one fails at once. */
  private final Set<Integer> failedBrokers = ConcurrentHashMap.newKeySet();

  ForwardedRequests() {}

  /** {@code answer}, from a leader on {@code broker}, failed early if that broker fails first. */
  public <T> CompletableFuture<T> untilBrokerFails(int broker, CompletableFuture<T> answer) {
    Set<CompletableFuture<?>> toBroker = waiting.computeIfAbsent(broker, b -> ConcurrentHashMap.newKeySet());
    toBroker.add(answer);
    answer.whenComplete((value, error) -> toBroker.remove(answer));
    // Checked after adding, as failed() marks before it fails the waiting: one of the two sees the other.
    if (failedBrokers.contains(broker)) {
      answer.completeExceptionally(lost(broker));
    }
    return answer;
  }

  /** {@code broker} is unreachable or downed: what waits for it is failed, and what would. */
  void failed(int broker) {
    failedBrokers.add(broker);
    Set<CompletableFuture<?>> toBroker = waiting.get(broker);
    if (toBroker != null) {
      FailureException lost = lost(broker);
      toBroker.forEach(answer -> answer.completeExceptionally(lost));
    }
  }

  /** {@code broker} is reachable again (or a new incarnation of it is up). */
  void recovered(int broker) {
    failedBrokers.remove(broker);
  }

  /**
   * {@code broker}'s node left the cluster: what waits for it is failed, but nothing sent from
   * now on is lost (sharding no longer routes to a removed node), so nothing more is refused.
   */
  void removed(int broker) {
    failed(broker);
    recovered(broker);
  }

  /** How many requests wait for {@code broker} (for tests). */
  int waitingFor(int broker) {
    Set<CompletableFuture<?>> toBroker = waiting.get(broker);
    return toBroker == null ? 0 : toBroker.size();
  }

  private static FailureException lost(int broker) {
    return new FailureException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "broker " + broker
        + ", the partition's leader, failed before it answered (the request may or may not have been applied);"
        + " retry at the new leader");
  }
}
