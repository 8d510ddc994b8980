package io.skein.server.kafka;

import io.skein.broker.Caller;
import io.skein.security.Principal;
import java.net.InetSocketAddress;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * What a handler knows of a request besides its body: who sent it, from where, and at which
 * version of its API (the version its response is written at).
 *
 * @param principal {@link KafkaPrincipal#ANONYMOUS} until the listener authenticates
 * @param clientId the request header's client id; empty when the client sent none
 * @param clientSoftware what the client said it is in its ApiVersions request (KIP-511)
 */
public record KafkaRequestContext(
    KafkaPrincipal principal,
    String clientId,
    InetSocketAddress clientAddress,
    ClientSoftware clientSoftware,
    ApiKeys apiKey,
    short apiVersion,
    int correlationId) {

  /** Who sent the request, for the broker's authorization: made once per request, by the handler that needs it. */
  public Caller caller() {
    return new Caller(new Principal(principal.getPrincipalType(), principal.getName()),
        clientAddress.getAddress().getHostAddress());
  }

  /** A client's software name and version (KIP-511), for logs. */
  public record ClientSoftware(String name, String version) {

    public static final ClientSoftware UNKNOWN = new ClientSoftware("unknown", "unknown");

    @Override
    public String toString() {
      return name + " " + version;
    }
  }
}
