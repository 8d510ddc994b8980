package io.skein.client;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * Sends {@code authorization: Bearer <token>} with every call, the token read from a file at each
 * call: whatever renews the file (an identity provider's agent) is followed without a restart.
 */
final class BearerCallCredentials extends CallCredentials {

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Path tokenFile;

  BearerCallCredentials(Path tokenFile) {
    this.tokenFile = tokenFile;
  }

  @Override
  public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    appExecutor.execute(() -> {
      String token;
      try {
        token = new String(Files.readAllBytes(tokenFile), StandardCharsets.US_ASCII).strip();
      } catch (IOException e) {
        applier.fail(Status.UNAUTHENTICATED.withDescription("cannot read the bearer token file " + tokenFile + ": " + e));
        return;
      }
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + token);
      applier.apply(headers);
    });
  }
}
