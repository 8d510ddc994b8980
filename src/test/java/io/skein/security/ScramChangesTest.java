package io.skein.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.common.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kafka's rules for one AlterUserScramCredentials request, before anything is stored. */
class ScramChangesTest {

  private static final byte[] SALT = {1, 2, 3};

  private static ScramChanges.Upsertion upsert(String user, String mechanism, int iterations) {
    return new ScramChanges.Upsertion(user, mechanism, iterations, SALT,
        ScramMechanism.SCRAM_SHA_512.saltedPassword("secret", SALT, 4096));
  }

  private static ErrorCode refusal(ScramChanges.Screened screened, String user) {
    return screened.refused().get(user).code();
  }

  @Test
  void aValidUpsertionKeepsOnlyTheKeysOfTheSaltedPassword() {
    ScramChanges.Screened screened = ScramChanges.screen(List.of(), List.of(upsert("alice", "SCRAM-SHA-512", 4096)));

    assertTrue(screened.refused().isEmpty());
    UserStore.CredentialChange change = screened.accepted().get(0);
    assertEquals("alice", change.user());
    assertEquals(ScramMechanism.SCRAM_SHA_512, change.mechanism());
    assertTrue(change.credential().matches("secret"));
    assertEquals(4096, change.credential().iterations());
  }

  @Test
  void badUpsertionsAndDeletionsGetKafkasErrors() {
    ScramChanges.Screened screened = ScramChanges.screen(
        List.of(new ScramChanges.Deletion("dan", "UNKNOWN"), new ScramChanges.Deletion("", "SCRAM-SHA-256")),
        List.of(upsert("few", "SCRAM-SHA-512", 4095), upsert("many", "SCRAM-SHA-256", 16_385),
            upsert("md5", "SCRAM-MD5", 4096), upsert("max", "SCRAM-SHA-256", 16_384)));

    assertEquals(ErrorCode.UNSUPPORTED_SASL_MECHANISM, refusal(screened, "dan"));
    assertEquals(ErrorCode.UNACCEPTABLE_CREDENTIAL, refusal(screened, ""));
    assertEquals(ErrorCode.UNACCEPTABLE_CREDENTIAL, refusal(screened, "few"));
    assertEquals(ErrorCode.UNACCEPTABLE_CREDENTIAL, refusal(screened, "many"));
    assertEquals(ErrorCode.UNSUPPORTED_SASL_MECHANISM, refusal(screened, "md5"));
    assertEquals(List.of("max"), screened.accepted().stream().map(UserStore.CredentialChange::user).toList());
  }

  @Test
  void aUserChangedTwiceInOneRequestIsRefusedWholeAndTheOthersGoAhead() {
    ScramChanges.Screened screened = ScramChanges.screen(
        List.of(new ScramChanges.Deletion("bob", "SCRAM-SHA-256"), new ScramChanges.Deletion("carl", "SCRAM-SHA-256"),
            new ScramChanges.Deletion("carl", "SCRAM-SHA-512")),
        List.of(upsert("bob", "SCRAM-SHA-512", 4096), upsert("ann", "SCRAM-SHA-512", 4096),
            upsert("ann", "SCRAM-SHA-256", 4096), upsert("ann", "SCRAM-SHA-256", 4096),
            upsert("eve", "SCRAM-SHA-512", 4096)));

    assertEquals(ErrorCode.DUPLICATE_RESOURCE, refusal(screened, "bob"));
    assertEquals(ErrorCode.DUPLICATE_RESOURCE, refusal(screened, "carl"));
    assertEquals(ErrorCode.DUPLICATE_RESOURCE, refusal(screened, "ann"));
    assertEquals(List.of("eve"), screened.accepted().stream().map(UserStore.CredentialChange::user).toList());
  }
}
