package io.skein.server.kafka;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.skein.metrics.RequestMetrics;
import io.skein.security.ServerTls;
import io.skein.security.quota.QuotaSensors;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Kafka wire-protocol endpoint: a Netty server on its own event loops. */
public final class KafkaListener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaListener.class);

  private final EventLoopGroup eventLoops;
  private final Channel serverChannel;
  /** Null until {@link #serve}: connections accepted before are closed at once, and clients retry. */
  private final AtomicReference<Serving> serving;
  private final KafkaSecurity security;

  /** What connections are served with: the APIs, and the sensors of the client quotas they enforce. */
  private record Serving(KafkaApiHandlers handlers, QuotaSensors quotas) {}

  private KafkaListener(EventLoopGroup eventLoops, Channel serverChannel, AtomicReference<Serving> serving,
      KafkaSecurity security) {
    this.eventLoops = eventLoops;
    this.serverChannel = serverChannel;
    this.serving = serving;
    this.security = security;
  }

  /**
   * Binds and serves at once, secured as {@code security} says, counting requests in {@code
   * metrics}, without client quotas.
   */
  public static KafkaListener start(KafkaSettings settings, KafkaSecurity security, KafkaApiHandlers handlers,
      RequestMetrics metrics) throws IOException {
    KafkaListener listener = bind(settings, security, metrics);
    listener.serve(handlers, QuotaSensors.none());
    return listener;
  }

  /**
   * Binds {@code settings.host():settings.port()} (port 0: any free port) without serving yet,
   * so that a broker knows its port, and can announce it, before its request layer exists. With
   * TLS, the handshake comes first on every connection, so a plaintext client is refused.
   */
  public static KafkaListener bind(KafkaSettings settings, KafkaSecurity security, RequestMetrics metrics)
      throws IOException {
    SslContext tls = security.tls().map(ServerTls::nettyServerContext).orElse(null);
    EventLoopGroup eventLoops = new MultiThreadIoEventLoopGroup(settings.networkThreads(),
        new DefaultThreadFactory("skein-kafka-network", true), NioIoHandler.newFactory());
    AtomicReference<Serving> serving = new AtomicReference<>();
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(eventLoops)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            Serving served = serving.get();
            if (served == null) {
              channel.close();
              return;
            }
            if (tls != null) {
              channel.pipeline().addLast(tls.newHandler(channel.alloc()));
            }
            channel.pipeline().addLast(
                security.sasl().isPresent()
                    ? new KafkaFrameDecoder(settings.socketRequestMaxBytes(),
                        SaslAuthentication.MAX_UNAUTHENTICATED_REQUEST_BYTES)
                    : new KafkaFrameDecoder(settings.socketRequestMaxBytes()),
                new KafkaConnection(served.handlers(), served.quotas(), settings.maxInFlightPerConnection(), security,
                    settings.connectionsMaxReauth(), metrics));
          }
        });
    try {
      Channel serverChannel = bootstrap.bind(settings.host(), settings.port()).sync().channel();
      return new KafkaListener(eventLoops, serverChannel, serving, security);
    } catch (Exception e) {
      eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("cannot listen for Kafka clients on " + settings.host() + ":" + settings.port(), e);
    }
  }

  /** Starts answering requests with {@code handlers}, clients held to the quotas {@code quotas} measure; once only. */
  public void serve(KafkaApiHandlers handlers, QuotaSensors quotas) {
    KafkaApiHandlers served = security.sasl().isPresent() ? handlers.withSasl() : handlers;
    if (!serving.compareAndSet(null, new Serving(served, quotas))) {
      throw new IllegalStateException("the Kafka listener already serves");
    }
    LOG.info("Serving the Kafka protocol on {}, {}", localAddress(), security.describe());
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  public int port() {
    return localAddress().getPort();
  }

  /** Stops accepting, closes every connection, and waits for the event loops to stop. */
  @Override
  public void close() {
    serverChannel.close().syncUninterruptibly();
    eventLoops.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
