package io.skein.server.kafka;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.skein.common.FailureException;
import io.skein.metrics.ApiMetrics;
import io.skein.metrics.RequestMetrics;
import io.skein.security.Principal;
import io.skein.security.quota.QuotaKey;
import io.skein.security.quota.QuotaSensors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads request frames, hands each to its API's handler, and writes the
 * answers in the order the requests came (Kafka clients match answers to requests by order as
 * well as by correlation id), however the handlers' stages complete.
 *
 * <p>At most {@code maxInFlight} requests are with handlers at once. While that many are, or the
 * client does not read its answers, the connection stops reading from the socket; frames of the
 * read that filled the window wait here. All state is touched only on the channel's event loop.
 *
 * <p>A request that can be answered with an error is (UNSUPPORTED_VERSION for an API or version
 * not served); one that cannot (unknown API key, a version or body kafka-clients cannot parse)
 * closes the connection after the answers to the requests before it, logged once.
 *
 * <p>On a SASL listener the connection authenticates the client itself ({@link SaslAuthentication})
 * and serves nothing but ApiVersions until then; on an SSL listener a client certificate names
 * the client. Handlers see who it is in {@link KafkaRequestContext#principal()}.
 *
 * <p>Client quotas are enforced here, for every API alike, as Kafka does since KIP-219: each
 * request served is measured against its principal's and client id's quotas (produce bytes from
 * the request, fetched bytes from the response, event-loop time taken to hand it to its handler
 * for request_percentage); a client over a quota has its answer sent at once with
 * {@code throttle_time_ms}, and then nothing more is read from the connection for that time.
 */
final class KafkaConnection extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaConnection.class);

  private final KafkaApiHandlers handlers;
  private final int maxInFlight;
  private final RequestMetrics metrics;
  private final SecurityProtocol securityProtocol;
  private final QuotaSensors quotas;
  private final QuotaSensors.Client throttles;
  /** Whether fetched batches may go from the segment file to the socket unread: not through TLS. */
  private final boolean zeroCopy;
  /** Null on listeners without SASL. */
  private final SaslAuthentication sasl;
  /** Who the client is: from its TLS certificate on an SSL listener, from SASL once it authenticated. */
  private KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
  /** Requests being answered, oldest first: only the head may be written. */
  private final ArrayDeque<PendingResponse> inFlight = new ArrayDeque<>();
  /** Frames read while the in-flight window was full. */
  private final ArrayDeque<ByteBuffer> waiting = new ArrayDeque<>();
  /** Keys this client asked for in versions not served, so each is logged once. */
  private final EnumSet<ApiKeys> reportedUnsupported = EnumSet.noneOf(ApiKeys.class);
  private ChannelHandlerContext ctx;
  private InetSocketAddress clientAddress;
  private KafkaRequestContext.ClientSoftware clientSoftware = KafkaRequestContext.ClientSoftware.UNKNOWN;
  /** Set once a request that cannot be answered was read: nothing after it is served. */
  private boolean closing;
  /** While throttled: nothing is read or dispatched until {@link #mutedUntilMs} (on the sensors' clock). */
  private boolean muted;
  private long mutedUntilMs;

  KafkaConnection(KafkaApiHandlers handlers, QuotaSensors quotas, int maxInFlight, KafkaSecurity security,
      Duration maxReauth, RequestMetrics metrics) {
    this.handlers = handlers;
    this.quotas = quotas;
    this.throttles = quotas.client();
    this.maxInFlight = maxInFlight;
    this.metrics = metrics;
    this.securityProtocol = security.protocol();
    this.zeroCopy = security.tls().isEmpty();
    this.sasl = security.sasl().map(s -> new SaslAuthentication(s, maxReauth)).orElse(null);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.clientAddress = (InetSocketAddress) ctx.channel().remoteAddress();
    metrics.connectionOpened();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    waiting.clear();
    dropInFlight();
    metrics.connectionClosed();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuffer frame = (ByteBuffer) msg;
    if (closing) {
      return;
    }
    if (muted || inFlight.size() >= maxInFlight || !waiting.isEmpty()) {
      waiting.add(frame);
    } else {
      dispatch(frame);
    }
    updateReading();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    updateReading();
    ctx.fireChannelWritabilityChanged();
  }

  /** On an SSL listener, a client certificate names the client, as Kafka's default principal builder does. */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof SslHandshakeCompletionEvent handshake && handshake.isSuccess()
        && securityProtocol == SecurityProtocol.SSL) {
      SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
      try {
        if (session.getPeerCertificates()[0] instanceof X509Certificate certificate) {
          principal = kafkaPrincipal(Principal.of(certificate));
        }
      } catch (SSLPeerUnverifiedException noClientCertificate) {
        principal = KafkaPrincipal.ANONYMOUS;
      }
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof DecoderException && cause.getCause() instanceof SSLException tls) {
      LOG.info("Closing Kafka connection from {}: TLS failed ({})", clientAddress, tls.getMessage());
    } else if (cause instanceof IOException) {
      LOG.debug("Kafka connection from {} failed: {}", clientAddress, cause.toString());
    } else {
      LOG.warn("Closing Kafka connection from {} after an unexpected error", clientAddress, cause);
    }
    closing = true;
    ctx.close();
  }

  private void dispatch(ByteBuffer frame) {
    if (sasl != null && sasl.awaitsRawToken()) {
      authenticateRaw(frame);
      return;
    }
    int frameBytes = frame.remaining();
    if (frameBytes < Short.BYTES) {
      closeAfterAnswered("a request of " + frame.remaining() + " bytes, too short for a header");
      return;
    }
    short keyId = frame.getShort(frame.position());
    if (!ApiKeys.hasId(keyId)) {
      closeAfterAnswered("unknown API key " + keyId);
      return;
    }
    RequestHeader header;
    try {
      header = RequestHeader.parse(frame);
    } catch (InvalidRequestException e) {
      closeAfterAnswered("a malformed request header (" + e.getMessage() + ")");
      return;
    }
    ApiKeys key = header.apiKey();
    short version = header.apiVersion();
    if (sasl != null && key != ApiKeys.SASL_HANDSHAKE && sasl.sessionExpired()) {
      closeAfterAnswered("its SASL session expired without re-authentication (connections.max.reauth.ms"
          + " or its token's expiry)");
      return;
    }
    if (sasl != null && (key == ApiKeys.SASL_HANDSHAKE || key == ApiKeys.SASL_AUTHENTICATE)) {
      authenticate(header, frame);
      return;
    }
    if (sasl != null && !sasl.authenticated() && (key != ApiKeys.API_VERSIONS || sasl.reauthenticating())) {
      closeAfterAnswered(sasl.reauthenticating()
          ? key + " during SASL re-authentication (only SaslAuthenticate is served until it completes)"
          : key + " before SASL authentication (only ApiVersions, SaslHandshake and SaslAuthenticate are served"
              + " until then)");
      return;
    }
    KafkaApiHandler<?, ?> handler = handlers.handlerOrNull(key);
    if (key == ApiKeys.API_VERSIONS && !serves(handler, version)) {
      // KIP-511: answered at v0, with a v0 header, whatever the request's version.
      answer(header, (short) 0, (short) 0, handlers.apiVersions().unsupportedVersionResponse());
      return;
    }
    if (!key.isVersionSupported(version)) {
      closeAfterAnswered(key + " v" + version + ", a version this broker cannot read");
      return;
    }
    AbstractRequest request;
    try {
      request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(frame)).request;
    } catch (RuntimeException e) {
      closeAfterAnswered("a malformed " + key + " v" + version + " request (" + e.getMessage() + ")");
      return;
    }
    if (!serves(handler, version)) {
      if (reportedUnsupported.add(key)) {
        LOG.info("Kafka client {} ({}) at {} asked for {} v{}, which this broker does not serve",
            header.clientId(), clientSoftware, clientAddress, key, version);
      }
      ApiMessage error;
      try {
        error = request.getErrorResponse(0, Errors.UNSUPPORTED_VERSION.exception()).data();
      } catch (RuntimeException e) {
        closeAfterAnswered(key + " v" + version + ", which this broker does not serve");
        return;
      }
      answer(header, version, key.responseHeaderVersion(version), error);
      return;
    }
    if (key == ApiKeys.API_VERSIONS && version >= 3) {
      recordClientSoftware(header, (ApiVersionsRequestData) request.data());
    }
    serve(header, request, handler, frameBytes);
  }

  /** SaslHandshake or SaslAuthenticate: answered here, and a refusal closes the connection once written. */
  private void authenticate(RequestHeader header, ByteBuffer frame) {
    ApiKeys key = header.apiKey();
    short version = header.apiVersion();
    if (!SaslAuthentication.serves(key, version)) {
      closeAfterAnswered(key + " v" + version + ", a version this broker does not serve");
      return;
    }
    ApiMessage request;
    try {
      request = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(frame)).request.data();
    } catch (RuntimeException e) {
      closeAfterAnswered("a malformed " + key + " v" + version + " request (" + e.getMessage() + ")");
      return;
    }
    boolean reauthenticating = sasl.reauthenticating();
    ApiMessage response = key == ApiKeys.SASL_HANDSHAKE
        ? sasl.handshake((SaslHandshakeRequestData) request, version)
        : sasl.authenticate((SaslAuthenticateRequestData) request, version);
    if (reauthenticating && sasl.authenticated()) {
      LOG.debug("Kafka client at {} re-authenticated as {}", clientAddress, principal);
    }
    noteAuthenticated();
    PendingResponse pending = new PendingResponse(header.correlationId(), key, version,
        key.responseHeaderVersion(version));
    pending.body = response;
    pending.closeReason = sasl.failure();
    pending.done = true;
    inFlight.add(pending);
    writeAnswered();
  }

  /**
   * A SASL message after SaslHandshake v0, a frame without a request header; answered the same
   * way. Nothing else is in flight meanwhile: the client waits for each answer.
   */
  private void authenticateRaw(ByteBuffer frame) {
    byte[] token = new byte[frame.remaining()];
    frame.get(token);
    byte[] answer = sasl.authenticateRaw(token);
    if (answer == null) {
      closeAfterAnswered(sasl.failure());
      return;
    }
    noteAuthenticated();
    ctx.writeAndFlush(Unpooled.wrappedBuffer(Unpooled.copyInt(answer.length), Unpooled.wrappedBuffer(answer)),
        ctx.voidPromise());
  }

  private void noteAuthenticated() {
    if (sasl.authenticated() && principal == KafkaPrincipal.ANONYMOUS) {
      principal = kafkaPrincipal(sasl.principal());
      ctx.pipeline().get(KafkaFrameDecoder.class).authenticated();
      LOG.debug("Kafka client at {} authenticated as {}", clientAddress, principal);
    }
  }

  private static KafkaPrincipal kafkaPrincipal(Principal principal) {
    return new KafkaPrincipal(principal.type(), principal.name());
  }

  @SuppressWarnings("unchecked")
  private void serve(RequestHeader header, AbstractRequest request, KafkaApiHandler<?, ?> untyped, int frameBytes) {
    KafkaApiHandler<ApiMessage, ApiMessage> handler = (KafkaApiHandler<ApiMessage, ApiMessage>) untyped;
    ApiMessage body = request.data();
    PendingResponse pending = new PendingResponse(header.correlationId(), header.apiKey(), header.apiVersion(),
        header.apiKey().responseHeaderVersion(header.apiVersion()));
    pending.request = request;
    pending.clientId = header.clientId();
    pending.requestBytes = frameBytes;
    pending.answers = handler.answers(body);
    pending.meters = metrics.api(header.apiKey().name);
    pending.receivedNanos = pending.meters.received(frameBytes);
    inFlight.add(pending);
    KafkaRequestContext context = new KafkaRequestContext(principal, header.clientId(),
        clientAddress, clientSoftware, header.apiKey(), header.apiVersion(), header.correlationId());
    CompletionStage<ApiMessage> stage;
    try {
      stage = handler.handle(context, body);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    pending.handlingNanos = System.nanoTime() - pending.receivedNanos;
    stage.whenComplete((response, error) -> {
      if (ctx.executor().inEventLoop()) {
        complete(pending, response, error);
      } else {
        ctx.executor().execute(() -> complete(pending, response, error));
      }
    });
  }

  private void complete(PendingResponse pending, ApiMessage response, Throwable error) {
    pending.meters.answered(pending.receivedNanos);
    if (closing && inFlight.isEmpty()) {
      if (response != null) {
        SegmentRecords.releaseAll(response);
      }
      return;
    }
    AbstractRequest request = pending.request;
    pending.request = null;
    if (error != null) {
      Throwable cause = unwrap(error);
      pending.meters.failed(Errors.forException(cause).name());
      if (!pending.answers) {
        pending.closeReason = pending.apiKey + " v" + pending.apiVersion + ", which gets no answer, failed ("
            + cause + ")";
      } else {
        if (!(cause instanceof ApiException)) {
          LOG.warn("{} v{} from {} failed", pending.apiKey, pending.apiVersion, clientAddress, cause);
        }
        try {
          pending.body = request.getErrorResponse(0, cause).data();
        } catch (RuntimeException e) {
          pending.closeReason = pending.apiKey + " v" + pending.apiVersion + " failed and has no error response ("
              + cause + ")";
        }
      }
    } else if (pending.answers) {
      if (response == null) {
        pending.closeReason = "the " + pending.apiKey + " handler answered nothing";
      } else {
        pending.body = response;
        PartitionErrorCounts.count(pending.meters, response);
      }
    }
    throttle(pending);
    pending.done = true;
    writeAnswered();
  }

  /** Measures the request against the client's quotas; if over one, its answer says for how long it is throttled. */
  private void throttle(PendingResponse pending) {
    String user = principal.getName();
    long nowMs = quotas.nowMs();
    long throttleMs =
        throttles.record(QuotaKey.REQUEST_PERCENTAGE, user, pending.clientId, pending.handlingNanos, nowMs);
    if (pending.apiKey == ApiKeys.PRODUCE) {
      throttleMs = Math.max(throttleMs,
          throttles.record(QuotaKey.PRODUCER_BYTE_RATE, user, pending.clientId, pending.requestBytes, nowMs));
    } else if (pending.apiKey == ApiKeys.FETCH && pending.body instanceof FetchResponseData fetched) {
      throttleMs = Math.max(throttleMs,
          throttles.record(QuotaKey.CONSUMER_BYTE_RATE, user, pending.clientId, ResponseFrames.recordBytes(fetched),
              nowMs));
    }
    pending.throttleMs = (int) throttleMs;
    if (throttleMs > 0 && pending.body != null) {
      ThrottleTimes.set(pending.apiKey, pending.body, pending.throttleMs);
    }
  }

  /** Stops reading for {@code throttleMs} after an answer that said so (or the longer of it and a mute already on). */
  private void mute(int throttleMs) {
    long untilMs = quotas.nowMs() + throttleMs;
    if (muted) {
      mutedUntilMs = Math.max(mutedUntilMs, untilMs);
      return;
    }
    muted = true;
    mutedUntilMs = untilMs;
    ctx.executor().schedule(this::unmuteIfDue, throttleMs, TimeUnit.MILLISECONDS);
  }

  /** Reads on once the mute is over; a mute made longer meanwhile is waited out first. */
  private void unmuteIfDue() {
    if (!muted) {
      return;
    }
    long remainingMs = mutedUntilMs - quotas.nowMs();
    if (remainingMs > 0) {
      ctx.executor().schedule(this::unmuteIfDue, remainingMs, TimeUnit.MILLISECONDS);
      return;
    }
    muted = false;
    writeAnswered();
  }

  private void answer(RequestHeader header, short version, short headerVersion, ApiMessage body) {
    PendingResponse pending = new PendingResponse(header.correlationId(), header.apiKey(), version, headerVersion);
    pending.body = body;
    pending.done = true;
    inFlight.add(pending);
    writeAnswered();
  }

  private void closeAfterAnswered(String reason) {
    closing = true;
    waiting.clear();
    PendingResponse close = new PendingResponse(-1, null, (short) -1, (short) -1);
    close.closeReason = reason;
    close.done = true;
    inFlight.add(close);
    writeAnswered();
  }

  /** Writes the answers at the head of the queue that are complete, then reads on if there is room. */
  private void writeAnswered() {
    boolean wrote = false;
    while (!inFlight.isEmpty() && inFlight.peekFirst().done) {
      PendingResponse head = inFlight.pollFirst();
      if (head.body != null) {
        try {
          int bytes = ResponseFrames.write(ctx, zeroCopy, head.correlationId, head.responseHeaderVersion, head.body,
              head.apiVersion);
          if (head.meters != null) {
            head.meters.sent(bytes);
          }
          wrote = true;
        } catch (RuntimeException e) {
          LOG.error("Could not write the {} v{} response", head.apiKey, head.apiVersion, e);
          head.closeReason = "its " + head.apiKey + " v" + head.apiVersion + " response could not be written";
        }
      }
      if (head.throttleMs > 0) {
        mute(head.throttleMs);
      }
      if (head.closeReason != null) {
        LOG.warn("Closing Kafka connection from {} ({}): {}", clientAddress, clientSoftware, head.closeReason);
        closing = true;
        dropInFlight();
        waiting.clear();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        return;
      }
    }
    if (wrote) {
      ctx.flush();
    }
    while (!closing && !muted && !waiting.isEmpty() && inFlight.size() < maxInFlight) {
      dispatch(waiting.poll());
    }
    updateReading();
  }

  /** Forgets the requests in flight, letting go of what their answers hold. */
  private void dropInFlight() {
    for (PendingResponse pending : inFlight) {
      if (pending.body != null) {
        SegmentRecords.releaseAll(pending.body);
      }
    }
    inFlight.clear();
  }

  private void updateReading() {
    ctx.channel().config().setAutoRead(
        !closing && !muted && inFlight.size() < maxInFlight && waiting.isEmpty() && ctx.channel().isWritable());
  }

  private void recordClientSoftware(RequestHeader header, ApiVersionsRequestData request) {
    clientSoftware = new KafkaRequestContext.ClientSoftware(request.clientSoftwareName(),
        request.clientSoftwareVersion());
    LOG.debug("Kafka client {} at {} is {}", header.clientId(), clientAddress, clientSoftware);
  }

  private static boolean serves(KafkaApiHandler<?, ?> handler, short version) {
    return handler != null && version >= handler.minVersion() && version <= handler.maxVersion();
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    // A broker call's refusal is Kafka's exception of its code, so the API's error response carries it.
    if (cause instanceof FailureException failure) {
      return Errors.forCode(failure.failure().code().code()).exception(failure.getMessage());
    }
    return cause;
  }

  /** One request's place in the answer order. */
  private static final class PendingResponse {
    final int correlationId;
    final ApiKeys apiKey;
    final short apiVersion;
    final short responseHeaderVersion;
    /** Kept until answered, for the API's error response. */
    AbstractRequest request;
    /** The API's meters, for requests given to a handler; null for those answered here. */
    ApiMetrics meters;
    long receivedNanos;
    /** For the client's quotas: who sent it, its size, and the event-loop time it took to hand it over. */
    String clientId;
    int requestBytes;
    long handlingNanos;
    /** How long the client is throttled for after this answer; 0: not. */
    int throttleMs;
    boolean answers = true;
    boolean done;
    ApiMessage body;
    /** Set when the connection closes here instead of answering. */
    String closeReason;

    PendingResponse(int correlationId, ApiKeys apiKey, short apiVersion, short responseHeaderVersion) {
      this.correlationId = correlationId;
      this.apiKey = apiKey;
      this.apiVersion = apiVersion;
      this.responseHeaderVersion = responseHeaderVersion;
    }
  }
}
