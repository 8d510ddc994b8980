package io.skein.server.kafka;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * ApiVersions: the APIs this listener serves, each with its version range. Versions 0–4; v5
 * (kafka-clients 4.4's newest) is left out until its request fields mean something here, so
 * such a client negotiates down through the KIP-511 fallback.
 */
final class ApiVersionsHandler
    implements KafkaApiHandler<ApiVersionsRequestData, ApiVersionsResponseData> {

  static final short MAX_VERSION = 4;

  /** KIP-511's rule for the client software name and version a v3+ request carries. */
  private static final Pattern SOFTWARE_NAME_OR_VERSION =
      Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");

  /** Shared by every answer: messages are only read when written. */
  private final CompletableFuture<ApiVersionsResponseData> supported;
  private final ApiVersionsResponseData unsupportedVersion;

  /** {@code advertised} is filled by the registry before the first request. */
  ApiVersionsHandler(ApiVersionCollection advertised) {
    this.supported = CompletableFuture.completedFuture(
        new ApiVersionsResponseData().setErrorCode(Errors.NONE.code()).setApiKeys(advertised));
    this.unsupportedVersion = new ApiVersionsResponseData()
        .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
        .setApiKeys(advertised);
  }

  @Override
  public ApiKeys apiKey() {
    return ApiKeys.API_VERSIONS;
  }

  @Override
  public short maxVersion() {
    return MAX_VERSION;
  }

  @Override
  public CompletionStage<ApiVersionsResponseData> handle(
      KafkaRequestContext context, ApiVersionsRequestData request) {
    if (context.apiVersion() >= 3
        && !(SOFTWARE_NAME_OR_VERSION.matcher(request.clientSoftwareName()).matches()
            && SOFTWARE_NAME_OR_VERSION.matcher(request.clientSoftwareVersion()).matches())) {
      return CompletableFuture.completedFuture(
          new ApiVersionsResponseData().setErrorCode(Errors.INVALID_REQUEST.code()));
    }
    return supported;
  }

  /**
   * The answer to an ApiVersions request of a version this listener does not serve (KIP-511):
   * written at version 0, which every client can read, it carries the supported versions so the
   * client retries with one of them.
   */
  ApiVersionsResponseData unsupportedVersionResponse() {
    return unsupportedVersion;
  }
}
