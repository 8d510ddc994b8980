package io.skein.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Ports for servers a test starts in other processes, each free when picked and never handed
 * out twice by this JVM: the kernel may give a port it just released to the next bind, so two
 * listeners of one broker (gRPC, Kafka, remoting, management) could otherwise be told the same.
 */
public final class FreePorts {

  private static final Set<String> handedOut = new HashSet<>();

  private FreePorts() {
  }

  /** A port free on {@code host} now, not handed out before by this JVM. */
  public static synchronized int on(String host) {
    while (true) {
      int port = bindAny(host);
      if (handedOut.add(host + ":" + port)) {
        return port;
      }
    }
  }

  private static int bindAny(String host) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(host, 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + host, e);
    }
  }
}
