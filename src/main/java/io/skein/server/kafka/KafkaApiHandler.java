package io.skein.server.kafka;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Serves one Kafka API: translates its request (a kafka-clients message class) into calls of
 * the broker and the outcome back into its response. The listener parses the request, checks
 * its version against {@link #minVersion()}..{@link #maxVersion()}, and writes the response at
 * the request's version in request order, whatever order handlers complete in.
 *
 * <p>A stage that completes exceptionally is answered with the API's error response for the
 * exception ({@link org.apache.kafka.common.protocol.Errors#forException}), so handlers throw
 * Kafka's {@link org.apache.kafka.common.errors.ApiException}s for request-level errors.
 *
 * @param <Req> the request's message class, e.g. {@code MetadataRequestData}
 * @param <Resp> the response's message class, e.g. {@code MetadataResponseData}
 */
public interface KafkaApiHandler<Req extends ApiMessage, Resp extends ApiMessage> {

  ApiKeys apiKey();

  /** Oldest version served; by default the oldest kafka-clients knows (the KIP-896 baseline). */
  default short minVersion() {
    return apiKey().oldestVersion();
  }

  /** Newest version served. */
  short maxVersion();

  /**
   * Whether this request gets a response. Produce with {@code acks=0} does not: its stage's value
   * is not written, and a stage that fails closes the connection instead (as Kafka does), the
   * only way to tell such a producer that something went wrong.
   */
  default boolean answers(Req request) {
    return true;
  }

  /** Serves one request; the stage may complete on any thread. */
  CompletionStage<Resp> handle(KafkaRequestContext context, Req request);
}
