package io.skein.security;

import java.util.Optional;

/** Where a SCRAM exchange finds a user's stored credential. */
@FunctionalInterface
public interface ScramCredentials {

  Optional<ScramCredential> scram(String user, ScramMechanism mechanism);
}
