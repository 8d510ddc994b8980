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
import io.skein.security.ScramChanges;
import io.skein.security.ScramCredential;
import io.skein.security.ScramMechanism;
import io.skein.security.UserCredentials;
import io.skein.security.UserStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's SCRAM users for both admin APIs: described from this node's copy, changed
 * through the {@link UserStore}. A change is answered once this node's copy holds it, so a
 * client that changed a user logs in with it here at once (the other nodes hear of it as
 * quickly, without being waited for). As in Kafka, describing users needs DESCRIBE and changing
 * them ALTER on the cluster.
 */
public final class UserAdmin {

  /** What a user's credential of one mechanism says about itself. */
  public record CredentialInfo(ScramMechanism mechanism, int iterations) {}

  public record UserInfo(String name, List<CredentialInfo> credentials) {}

  private final ActorSystem<?> system;
  private final ActorRef<UserStore.Command> store;
  private final UserCredentials copy;
  private final RequestSettings settings;
  private final Access access;
  private final SecureRandom random = new SecureRandom();

  public UserAdmin(ActorSystem<?> system, ActorRef<UserStore.Command> store, UserCredentials copy,
      RequestSettings settings, Access access) {
    this.access = access;
    this.system = system;
    this.store = store;
    this.copy = copy;
    this.settings = settings;
  }

  /** Every user, by name. */
  public List<UserInfo> users(Caller caller) {
    access.check(caller, Operation.DESCRIBE, ResourceType.CLUSTER, Acl.CLUSTER_NAME);
    List<UserInfo> users = new ArrayList<>();
    new TreeMap<>(copy.users()).forEach((name, credentials) -> users.add(info(name, credentials)));
    return users;
  }

  /** The user, if it has a credential. */
  public Optional<UserInfo> user(Caller caller, String name) {
    access.check(caller, Operation.DESCRIBE, ResourceType.CLUSTER, Acl.CLUSTER_NAME);
    Map<ScramMechanism, ScramCredential> credentials = copy.users().get(name);
    return credentials == null ? Optional.empty() : Optional.of(info(name, credentials));
  }

  /**
   * Kafka's AlterUserScramCredentials: the changes Kafka's rules accept ({@link ScramChanges})
   * are stored together; answers each user named with why its changes were refused, or
   * nothing (an empty Optional) if they were made.
   */
  public CompletionStage<Map<String, Optional<Failure>>> alter(Caller caller, List<ScramChanges.Deletion> deletions,
      List<ScramChanges.Upsertion> upsertions) {
    if (!mayAlter(caller)) {
      return failed(Access.denied(caller, Operation.ALTER, ResourceType.CLUSTER, Acl.CLUSTER_NAME).failure());
    }
    ScramChanges.Screened screened = ScramChanges.screen(deletions, upsertions);
    Map<String, Optional<Failure>> outcome = new HashMap<>();
    screened.accepted().forEach(change -> outcome.put(change.user(), Optional.empty()));
    screened.refused().forEach((user, failure) -> outcome.put(user, Optional.of(failure)));
    if (screened.accepted().isEmpty()) {
      return CompletableFuture.completedFuture(outcome);
    }
    return store(screened.accepted()).thenApply(refused -> {
      refused.forEach((user, failure) -> outcome.put(user, Optional.of(failure)));
      return outcome;
    });
  }

  /**
   * Creates {@code user}, or gives it a new password, for {@code mechanisms} (none: both) with
   * {@code iterations} (0: 4096); answers with the user as it is then.
   */
  public CompletionStage<UserInfo> setPassword(Caller caller, String user, String password, List<String> mechanisms,
      int iterations) {
    if (!mayAlter(caller)) {
      return failed(Access.denied(caller, Operation.ALTER, ResourceType.CLUSTER, Acl.CLUSTER_NAME).failure());
    }
    int rounds = iterations == 0 ? ScramMechanism.MIN_ITERATIONS : iterations;
    if (password.isEmpty()) {
      return failed(Failure.of(ErrorCode.UNACCEPTABLE_CREDENTIAL, "Password must not be empty"));
    }
    List<UserStore.CredentialChange> changes = new ArrayList<>();
    for (String name : mechanismNames(mechanisms)) {
      Optional<Failure> problem = ScramChanges.upsertionProblem(user, name, rounds);
      if (problem.isPresent()) {
        return failed(problem.get());
      }
      ScramMechanism mechanism = ScramMechanism.forName(name).orElseThrow();
      changes.add(UserStore.CredentialChange.put(user, ScramCredential.create(mechanism, password, rounds, random)));
    }
    return store(changes).thenApply(refused -> info(user, copy.users().get(user)));
  }

  /** Removes the user's credentials of {@code mechanisms} (none: all it has); RESOURCE_NOT_FOUND if one is missing. */
  public CompletionStage<Void> delete(Caller caller, String user, List<String> mechanisms) {
    if (!mayAlter(caller)) {
      return failed(Access.denied(caller, Operation.ALTER, ResourceType.CLUSTER, Acl.CLUSTER_NAME).failure());
    }
    Set<String> names = new LinkedHashSet<>(mechanisms);
    if (names.isEmpty()) {
      copy.users().getOrDefault(user, Map.of()).keySet().forEach(mechanism -> names.add(mechanism.mechanismName()));
    }
    if (names.isEmpty()) {
      return failed(Failure.of(ErrorCode.RESOURCE_NOT_FOUND, "user '" + user + "' has no SCRAM credentials"));
    }
    List<UserStore.CredentialChange> changes = new ArrayList<>();
    for (String name : names) {
      Optional<Failure> problem = ScramChanges.nameOrMechanismProblem(user, name);
      if (problem.isPresent()) {
        return failed(problem.get());
      }
      changes.add(UserStore.CredentialChange.remove(user, ScramMechanism.forName(name).orElseThrow()));
    }
    return store(changes).thenApply(refused -> {
      if (refused.containsKey(user)) {
        throw new FailureException(refused.get(user));
      }
      return null;
    });
  }

  /** Stores the changes; completes, with the users refused, once this node's copy has them. */
  private CompletionStage<Map<String, Failure>> store(List<UserStore.CredentialChange> changes) {
    CompletionStage<UserStore.Altered> altered = AkkaFutures.direct(AskPattern.ask(store,
        replyTo -> new UserStore.Alter(changes, replyTo), settings.requestTimeout(), system.scheduler()));
    return altered.thenCompose(answer -> copy.whenAt(answer.version()).toCompletableFuture()
        .orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(reached -> answer.refused()));
  }

  private boolean mayAlter(Caller caller) {
    return access.allows(caller, Operation.ALTER, ResourceType.CLUSTER, Acl.CLUSTER_NAME);
  }

  private static List<String> mechanismNames(List<String> mechanisms) {
    if (!mechanisms.isEmpty()) {
      return List.copyOf(new LinkedHashSet<>(mechanisms));
    }
    List<String> all = new ArrayList<>();
    for (ScramMechanism mechanism : ScramMechanism.values()) {
      all.add(mechanism.mechanismName());
    }
    return all;
  }

  private static UserInfo info(String name, Map<ScramMechanism, ScramCredential> credentials) {
    List<CredentialInfo> infos = new ArrayList<>();
    new TreeMap<>(credentials).forEach((mechanism, credential) ->
        infos.add(new CredentialInfo(mechanism, credential.iterations())));
    return new UserInfo(name, infos);
  }

  private static <T> CompletionStage<T> failed(Failure failure) {
    return CompletableFuture.failedFuture(new FailureException(failure));
  }
}
