package io.skein.broker;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import io.skein.cluster.Controller;
import io.skein.common.AkkaFutures;
import io.skein.common.ErrorCode;
import io.skein.common.FailureException;
import io.skein.security.Acl;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.ResourceType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Hands out producer ids for idempotent producers from a block the Controller allocated to
 * this broker, asking for the next block when one is used up: one ask per thousand producers,
 * and ids unique in the cluster whatever restarts (an unused rest of a block is skipped).
 */
public final class ProducerIds {

  private final ActorSystem<?> system;
  private final ActorRef<Controller.Command> controller;
  private final RequestSettings settings;
  private final int brokerId;
  private final Access access;
  private long next;
  private long end;
  /** The ask for the next block while one is under way; callers meanwhile wait for it. */
  private CompletableFuture<Controller.ProducerIdBlock> nextBlock;

  ProducerIds(ActorSystem<?> system, ActorRef<Controller.Command> controller, RequestSettings settings,
      int brokerId, Access access) {
    this.access = access;
    this.system = system;
    this.controller = controller;
    this.settings = settings;
    this.brokerId = brokerId;
  }

  /**
   * A producer id for a producer that names {@code transactionalId} (empty or null for none):
   * needs WRITE on the transactional id, or for an idempotent producer IDEMPOTENT_WRITE on the
   * cluster or WRITE on some topic, as in Kafka. Transactions are not served yet, so a
   * transactional producer is refused.
   */
  public CompletionStage<Long> allocate(Caller caller, String transactionalId) {
    if (transactionalId != null && !transactionalId.isEmpty()) {
      if (!access.allows(caller, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId)) {
        return CompletableFuture.failedFuture(
            Access.denied(caller, Operation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId));
      }
      return CompletableFuture.failedFuture(new FailureException(ErrorCode.INVALID_REQUEST,
          "transactions are not supported yet: transactional id '" + transactionalId
              + "' given, only idempotent producers (no transactional id) are served"));
    }
    if (!access.shows(caller, Operation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, Acl.CLUSTER_NAME)
        && !access.writesAnyTopic(caller)) {
      return CompletableFuture.failedFuture(
          Access.denied(caller, Operation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, Acl.CLUSTER_NAME));
    }
    return allocate();
  }

  /** A producer id no other producer in the cluster got. */
  private synchronized CompletionStage<Long> allocate() {
    if (next < end) {
      return CompletableFuture.completedFuture(next++);
    }
    if (nextBlock == null) {
      nextBlock = AkkaFutures.direct(AskPattern.<Controller.Command, Controller.ProducerIdBlock>ask(controller,
              replyTo -> new Controller.AllocateProducerIds(brokerId, replyTo), settings.requestTimeout(),
              system.scheduler()))
          // Those waiting allocate only after the block is taken in, never before.
          .whenComplete((block, error) -> received(block));
    }
    return nextBlock.thenCompose(block -> allocate());
  }

  private synchronized void received(Controller.ProducerIdBlock block) {
    nextBlock = null;
    if (block != null && block.firstId() + block.size() > end) {
      next = block.firstId();
      end = block.firstId() + block.size();
    }
  }
}
