package io.skein.server.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The handlers of one listener, one per API key, with the ApiVersions handler that advertises
 * exactly them: a key without a handler is not advertised, and its requests get
 * UNSUPPORTED_VERSION.
 */
public final class KafkaApiHandlers {

  /** Indexed by API key id, which kafka-clients numbers densely from 0. */
  private final KafkaApiHandler<?, ?>[] byKey;
  private final ApiVersionsHandler apiVersions;
  /** The handlers given, without ApiVersions. */
  private final List<KafkaApiHandler<?, ?>> given;

  private KafkaApiHandlers(KafkaApiHandler<?, ?>[] byKey, ApiVersionsHandler apiVersions,
      List<KafkaApiHandler<?, ?>> given) {
    this.byKey = byKey;
    this.apiVersions = apiVersions;
    this.given = given;
  }

  /**
   * The given handlers and ApiVersions. Each handler's version range must lie within what
   * kafka-clients can parse, so that every advertised version can be read and written.
   */
  public static KafkaApiHandlers of(Collection<? extends KafkaApiHandler<?, ?>> handlers) {
    return of(handlers, List.of());
  }

  /**
   * The same handlers, and ApiVersions advertising SaslHandshake and SaslAuthenticate as well,
   * which a SASL listener's connections answer themselves.
   */
  KafkaApiHandlers withSasl() {
    return of(given, SaslAuthentication.API_VERSIONS);
  }

  private static KafkaApiHandlers of(Collection<? extends KafkaApiHandler<?, ?>> handlers,
      List<ApiVersion> answeredByConnections) {
    int maxId = 0;
    for (ApiKeys key : ApiKeys.values()) {
      maxId = Math.max(maxId, key.id);
    }
    KafkaApiHandler<?, ?>[] byKey = new KafkaApiHandler<?, ?>[maxId + 1];
    List<KafkaApiHandler<?, ?>> all = new ArrayList<>(handlers);
    ApiVersionCollection advertised = new ApiVersionCollection();
    ApiVersionsHandler apiVersions = new ApiVersionsHandler(advertised);
    all.add(apiVersions);
    for (KafkaApiHandler<?, ?> handler : all) {
      ApiKeys key = handler.apiKey();
      if (byKey[key.id] != null) {
        throw new IllegalArgumentException("two handlers for " + key);
      }
      if (handler.minVersion() < key.oldestVersion()
          || handler.maxVersion() > key.latestVersion(true)
          || handler.minVersion() > handler.maxVersion()) {
        throw new IllegalArgumentException(
            key + " handler serves versions " + handler.minVersion() + ".." + handler.maxVersion()
                + ", outside what kafka-clients parses (" + key.oldestVersion() + ".."
                + key.latestVersion(true) + ")");
      }
      byKey[key.id] = handler;
      advertised.add(new ApiVersion()
          .setApiKey(key.id)
          .setMinVersion(handler.minVersion())
          .setMaxVersion(handler.maxVersion()));
    }
    answeredByConnections.forEach(version -> advertised.add(version.duplicate()));
    return new KafkaApiHandlers(byKey, apiVersions, List.copyOf(handlers));
  }

  /** The handler of {@code key}; null if this listener does not serve it. */
  KafkaApiHandler<?, ?> handlerOrNull(ApiKeys key) {
    return byKey[key.id];
  }

  ApiVersionsHandler apiVersions() {
    return apiVersions;
  }
}
