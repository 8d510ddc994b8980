package io.skein.security;

import io.skein.common.ErrorCode;
import io.skein.common.Failure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Apache Kafka's rules for the credential changes of one AlterUserScramCredentials request
 * (its ScramControlManager), before any is stored: a user changed twice in one request (two
 * mechanisms, or a deletion and an upsertion) gets DUPLICATE_RESOURCE for all its changes; an
 * empty name UNACCEPTABLE_CREDENTIAL; a mechanism other than SCRAM-SHA-256/512
 * UNSUPPORTED_SASL_MECHANISM; fewer than 4096 or more than 16384 iterations
 * UNACCEPTABLE_CREDENTIAL. Whether a deleted credential exists is the {@link UserStore}'s to say.
 */
public final class ScramChanges {

  private static final String TWICE = "A user credential cannot be altered twice in the same request";

  /** Removes the user's credential of {@code mechanism} (a SASL name). */
  public record Deletion(String user, String mechanism) {}

  /** Sets the user's credential of {@code mechanism} from a password the client salted itself. */
  public record Upsertion(String user, String mechanism, int iterations, byte[] salt, byte[] saltedPassword) {}

  /** The changes to store, and the users refused, with why. */
  public record Screened(List<UserStore.CredentialChange> accepted, Map<String, Failure> refused) {}

  private ScramChanges() {}

  public static Screened screen(List<Deletion> deletions, List<Upsertion> upsertions) {
    Map<String, UserStore.CredentialChange> accepted = new LinkedHashMap<>();
    Map<String, Failure> refused = new HashMap<>();
    for (Deletion deletion : deletions) {
      if (refused.containsKey(deletion.user())) {
        continue;
      }
      if (accepted.remove(deletion.user()) != null) {
        refused.put(deletion.user(), Failure.of(ErrorCode.DUPLICATE_RESOURCE, TWICE));
        continue;
      }
      Optional<Failure> problem = nameOrMechanismProblem(deletion.user(), deletion.mechanism());
      if (problem.isPresent()) {
        refused.put(deletion.user(), problem.get());
      } else {
        accepted.put(deletion.user(), UserStore.CredentialChange.remove(deletion.user(), mechanism(deletion.mechanism())));
      }
    }
    for (Upsertion upsertion : upsertions) {
      if (refused.containsKey(upsertion.user())) {
        continue;
      }
      if (accepted.remove(upsertion.user()) != null) {
        refused.put(upsertion.user(), Failure.of(ErrorCode.DUPLICATE_RESOURCE, TWICE));
        continue;
      }
      Optional<Failure> problem = upsertionProblem(upsertion.user(), upsertion.mechanism(), upsertion.iterations());
      if (problem.isPresent()) {
        refused.put(upsertion.user(), problem.get());
      } else {
        accepted.put(upsertion.user(), UserStore.CredentialChange.put(upsertion.user(),
            ScramCredential.fromSaltedPassword(mechanism(upsertion.mechanism()), upsertion.salt(),
                upsertion.iterations(), upsertion.saltedPassword())));
      }
    }
    return new Screened(new ArrayList<>(accepted.values()), refused);
  }

  /** Why a credential of {@code mechanism} with {@code iterations} cannot be set for {@code user}, if it cannot. */
  public static Optional<Failure> upsertionProblem(String user, String mechanism, int iterations) {
    Optional<Failure> problem = nameOrMechanismProblem(user, mechanism);
    if (problem.isPresent()) {
      return problem;
    }
    if (iterations < ScramMechanism.MIN_ITERATIONS) {
      return Optional.of(Failure.of(ErrorCode.UNACCEPTABLE_CREDENTIAL,
          "Too few iterations: " + iterations + " (at least " + ScramMechanism.MIN_ITERATIONS + ")"));
    }
    if (iterations > ScramMechanism.MAX_ITERATIONS) {
      return Optional.of(Failure.of(ErrorCode.UNACCEPTABLE_CREDENTIAL,
          "Too many iterations: " + iterations + " (at most " + ScramMechanism.MAX_ITERATIONS + ")"));
    }
    return Optional.empty();
  }

  /** Why {@code user} and {@code mechanism} name no credential, if they do not. */
  public static Optional<Failure> nameOrMechanismProblem(String user, String mechanism) {
    if (user.isEmpty()) {
      return Optional.of(Failure.of(ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty"));
    }
    if (ScramMechanism.forName(mechanism).isEmpty()) {
      return Optional.of(Failure.of(ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism " + mechanism
          + " (known: SCRAM-SHA-256, SCRAM-SHA-512)"));
    }
    return Optional.empty();
  }

  private static ScramMechanism mechanism(String name) {
    return ScramMechanism.forName(name).orElseThrow();
  }
}
