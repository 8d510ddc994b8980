package io.skein.server.kafka;

import io.skein.metrics.NodeMetrics;
import io.skein.security.SaslAuthenticator;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * SASL_PLAINTEXT listeners for the wire-level SASL tests, each with its own connection: they answer
 * only Metadata, noting the principal of every request served, so a test sees which session answered.
 */
final class PrincipalNotingListeners implements AutoCloseable {

  final ConcurrentLinkedQueue<KafkaPrincipal> principals = new ConcurrentLinkedQueue<>();

  private final SaslAuthenticator sasl;
  private final List<AutoCloseable> opened = new ArrayList<>();

  PrincipalNotingListeners(SaslAuthenticator sasl) {
    this.sasl = sasl;
  }

  /** A new listener whose sessions last at most {@code maxReauth} (zero: no re-authentication), and a client of it. */
  KafkaTestClient connect(Duration maxReauth) throws IOException {
    KafkaSettings base = KafkaListenerTest.testSettings(104857600);
    KafkaSettings settings = new KafkaSettings(true, base.host(), 0, "", 0, base.socketRequestMaxBytes(),
        base.maxInFlightPerConnection(), 1, maxReauth);
    KafkaListener listener = KafkaListener.start(settings,
        new KafkaSecurity(SecurityProtocol.SASL_PLAINTEXT, Optional.empty(), Optional.of(sasl)),
        KafkaApiHandlers.of(List.of(new PrincipalNotingMetadata(principals))), NodeMetrics.disabled().kafka());
    opened.add(listener);
    KafkaTestClient client = new KafkaTestClient(listener.localAddress());
    opened.add(client);
    return client;
  }

  @Override
  public void close() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    opened.clear();
  }
}
