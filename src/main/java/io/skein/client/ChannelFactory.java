package io.skein.client;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

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
}
