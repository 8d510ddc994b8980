package io.skein.node;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Optional;

/**
 * A listener of the broker could not bind its port because something else holds it: reported
 * as one line that names the setting (and flag) to change.
 */
public final class PortInUseException extends IOException {

  private PortInUseException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The port conflict behind {@code failure} of the {@code listener} on {@code host:port}, if a
   * {@link BindException} caused it; {@code change} says how to choose another port.
   */
  static Optional<PortInUseException> of(Throwable failure, String listener, String host, int port, String change) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      // Netty's native transports report it as a plain IOException with the OS's message.
      if (cause instanceof BindException
          || (cause.getMessage() != null && cause.getMessage().contains("Address already in use"))) {
        return Optional.of(new PortInUseException("the " + listener + " port " + host + ":" + port
            + " is in use (another broker on this machine?): choose another with " + change, failure));
      }
    }
    return Optional.empty();
  }

  /**
   * Fails if {@code host:port} cannot be bound now. For listeners Akka binds (remoting,
   * management), which log a bind failure with its stack trace before they report it.
   */
  static void checkFree(String listener, String host, int port, String change) throws PortInUseException {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      Optional<PortInUseException> conflict = of(e, listener, host, port, change);
      if (conflict.isPresent()) {
        throw conflict.get();
      }
    }
  }

  /** {@code failure}, or the port conflict that caused it (see {@link #of}). */
  static IOException explain(IOException failure, String listener, String host, int port, String change) {
    return of(failure, listener, host, port, change).<IOException>map(conflict -> conflict).orElse(failure);
  }
}
