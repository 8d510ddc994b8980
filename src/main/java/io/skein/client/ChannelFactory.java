package io.skein.client;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/** Opens the gRPC channel to one broker address. Replaceable for TLS, or in-process tests. */
@FunctionalInterface
public interface ChannelFactory {

  ManagedChannel open(HostPort address);

  /**
   * Above the broker's largest fetch answer (skein.request.max-fetch-bytes, 50 MiB): with gRPC's
   * default of 4 MiB, a consumer with max.partition.fetch.bytes over it would fail every fetch.
   */
  int MAX_ANSWER_BYTES = 64 << 20;

  /** Plaintext HTTP/2 over the default transport. */
  static ChannelFactory plaintext() {
    return address -> ManagedChannelBuilder.forAddress(address.host(), address.port()).usePlaintext()
        .maxInboundMessageSize(MAX_ANSWER_BYTES).build();
  }

  /**
   * TLS when {@code caFile} (PEM CA certificates the broker's certificate must chain to) is given,
   * and Basic credentials with every call when {@code user} is: for brokers with
   * {@code skein.grpc.tls} and {@code skein.grpc.authentication = basic}. A password over
   * plaintext can be read on the way: give the CA file too.
   */
  static ChannelFactory secured(Optional<Path> caFile, Optional<String> user, String password) {
    ChannelCredentials transport = transport(caFile);
    return withCredentials(user
        .<ChannelCredentials>map(name -> CompositeChannelCredentials.create(transport,
            new BasicCallCredentials(name, password)))
        .orElse(transport));
  }

  /**
   * TLS when {@code caFile} is given, and {@code authorization: Bearer} with every call, the token
   * read from {@code tokenFile} at each call: for brokers with {@code skein.grpc.authentication}
   * bearer. A token over plaintext can be read on the way: give the CA file too.
   */
  static ChannelFactory bearer(Optional<Path> caFile, Path tokenFile) {
    return withCredentials(CompositeChannelCredentials.create(transport(caFile), new BearerCallCredentials(tokenFile)));
  }

  private static ChannelCredentials transport(Optional<Path> caFile) {
    try {
      return caFile.isPresent()
          ? TlsChannelCredentials.newBuilder().trustManager(caFile.get().toFile()).build()
          : InsecureChannelCredentials.create();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CA file " + caFile.get() + ": " + e.getMessage(), e);
    }
  }

  private static ChannelFactory withCredentials(ChannelCredentials credentials) {
    return address -> Grpc.newChannelBuilderForAddress(address.host(), address.port(), credentials)
        .maxInboundMessageSize(MAX_ANSWER_BYTES).build();
  }
}
