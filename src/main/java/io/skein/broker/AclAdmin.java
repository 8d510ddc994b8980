package io.skein.broker;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import io.skein.common.AkkaFutures;
import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import io.skein.common.FailureException;
import io.skein.security.Acl;
import io.skein.security.Acl.Operation;
import io.skein.security.Acl.ResourceType;
import io.skein.security.AclFilter;
import io.skein.security.AclStore;
import io.skein.security.Acls;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's ACLs for both admin APIs, Kafka's CreateAcls, DescribeAcls and DeleteAcls:
 * described from this node's copy, changed through the {@link AclStore}, and answered once this
 * node's copy holds the change, so that the caller's next request here is decided by it. As in
 * Kafka, describing needs DESCRIBE and changing ALTER on the cluster, and without an authorizer
 * every call fails with SECURITY_DISABLED.
 */
public final class AclAdmin {

  private static final Comparator<Acl> ORDER = Comparator.comparing(Acl::resourceType)
      .thenComparing(Acl::patternType).thenComparing(Acl::resourceName).thenComparing(Acl::principal)
      .thenComparing(Acl::host).thenComparing(Acl::operation).thenComparing(Acl::permission);

  private final ActorSystem<?> system;
  private final ActorRef<AclStore.Command> store;
  private final Acls copy;
  private final Access access;
  private final RequestSettings settings;

  public AclAdmin(ActorSystem<?> system, ActorRef<AclStore.Command> store, Acls copy, Access access,
      RequestSettings settings) {
    this.system = system;
    this.store = store;
    this.copy = copy;
    this.access = access;
    this.settings = settings;
  }

  /**
   * Stores the ACLs Kafka's checks accept ({@link Acl#problem}); answers, per ACL in order, why it
   * was refused or nothing once it is stored.
   */
  public CompletionStage<List<Optional<Failure>>> create(Caller caller, List<Acl> acls) {
    return permitted(caller, Operation.ALTER).thenCompose(permitted -> store(acls));
  }

  private CompletionStage<List<Optional<Failure>>> store(List<Acl> acls) {
    List<Optional<Failure>> outcome = new ArrayList<>();
    List<Acl> accepted = new ArrayList<>();
    for (Acl acl : acls) {
      Optional<Failure> problem = acl.problem();
      outcome.add(problem);
      if (problem.isEmpty()) {
        accepted.add(acl);
      }
    }
    if (accepted.isEmpty()) {
      return CompletableFuture.completedFuture(outcome);
    }
    CompletionStage<AclStore.Version> stored = AkkaFutures.direct(AskPattern.ask(store,
        replyTo -> new AclStore.Create(accepted, replyTo), settings.requestTimeout(), system.scheduler()));
    return stored.thenCompose(version -> reached(version.version())).thenApply(reached -> outcome);
  }

  /** The ACLs {@code filter} matches, ordered by resource. */
  public List<Acl> describe(Caller caller, AclFilter filter) {
    permit(caller, Operation.DESCRIBE);
    return copy.all().stream().filter(filter::matches).sorted(ORDER).toList();
  }

  /** Deletes what the filters match; answers, per filter in order, the ACLs it deleted. */
  public CompletionStage<List<List<Acl>>> delete(Caller caller, List<AclFilter> filters) {
    CompletionStage<AclStore.Deleted> deleted = permitted(caller, Operation.ALTER).thenCompose(permitted ->
        AkkaFutures.direct(AskPattern.ask(store, replyTo -> new AclStore.Delete(filters, replyTo),
            settings.requestTimeout(), system.scheduler())));
    return deleted.thenCompose(answer -> reached(answer.version()).thenApply(reached -> answer.matched()));
  }

  private void permit(Caller caller, Operation operation) {
    if (!access.aclsEnabled()) {
      throw new FailureException(ErrorCode.SECURITY_DISABLED, "No Authorizer is configured on the broker"
          + " (skein.security.authorizer = none)");
    }
    access.check(caller, operation, ResourceType.CLUSTER, Acl.CLUSTER_NAME);
  }

  private CompletionStage<Void> permitted(Caller caller, Operation operation) {
    try {
      permit(caller, operation);
      return CompletableFuture.completedFuture(null);
    } catch (FailureException refused) {
      return CompletableFuture.failedFuture(refused);
    }
  }

  private CompletableFuture<Void> reached(long version) {
    return copy.whenAt(version).toCompletableFuture().orTimeout(settings.requestTimeout().toMillis(),
        TimeUnit.MILLISECONDS);
  }
}
