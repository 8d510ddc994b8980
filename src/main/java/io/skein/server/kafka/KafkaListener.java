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
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Kafka wire-protocol endpoint: a Netty server on its own event loops. */
public final class KafkaListener implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaListener.class);

  private final EventLoopGroup eventLoops;
  private final Channel serverChannel;

  private KafkaListener(EventLoopGroup eventLoops, Channel serverChannel) {
    this.eventLoops = eventLoops;
    this.serverChannel = serverChannel;
  }

  /** Binds {@code settings.host():settings.port()} (port 0: any free port) and serves. */
  public static KafkaListener start(KafkaSettings settings, KafkaApiHandlers handlers) throws IOException {
    EventLoopGroup eventLoops = new MultiThreadIoEventLoopGroup(settings.networkThreads(),
        new DefaultThreadFactory("skein-kafka-network", true), NioIoHandler.newFactory());
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(eventLoops)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline().addLast(
                new KafkaFrameDecoder(settings.socketRequestMaxBytes()),
                new KafkaConnection(handlers, settings.maxInFlightPerConnection()));
          }
        });
    try {
      Channel serverChannel = bootstrap.bind(settings.host(), settings.port()).sync().channel();
      KafkaListener listener = new KafkaListener(eventLoops, serverChannel);
      LOG.info("Serving the Kafka protocol on {}", listener.localAddress());
      return listener;
    } catch (Exception e) {
      eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("cannot listen for Kafka clients on " + settings.host() + ":" + settings.port(), e);
    }
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
