package io.skein.client;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/** Opens the gRPC channel to one broker address. Replaceable for TLS, or in-process tests. */
@FunctionalInterface
public interface ChannelFactory {

  ManagedChannel open(HostPort address);

  /** Plaintext HTTP/2 over the default transport. */
  static ChannelFactory plaintext() {
    return address -> ManagedChannelBuilder.forAddress(address.host(), address.port()).usePlaintext().build();
  }
}
