package io.skein.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/**
 * A broker channel whose every call names the client in the {@code skein-client-id} header, as
 * Kafka's client.id, which the broker's client quotas are keyed by with the principal.
 */
final class ClientIdChannel extends ManagedChannel {

  static final Metadata.Key<String> HEADER = Metadata.Key.of("skein-client-id", Metadata.ASCII_STRING_MARSHALLER);

  private final ManagedChannel channel;
  private final Channel withHeader;

  private ClientIdChannel(ManagedChannel channel, String clientId) {
    this.channel = channel;
    Metadata headers = new Metadata();
    headers.put(HEADER, clientId);
    this.withHeader = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Channels of {@code factory} that send {@code clientId}; {@code factory} itself when it is empty. */
  static ChannelFactory sending(ChannelFactory factory, String clientId) {
    return clientId.isEmpty() ? factory : address -> new ClientIdChannel(factory.open(address), clientId);
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    return withHeader.newCall(method, options);
  }

  @Override
  public String authority() {
    return channel.authority();
  }

  @Override
  public ManagedChannel shutdown() {
    channel.shutdown();
    return this;
  }

  @Override
  public boolean isShutdown() {
    return channel.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return channel.isTerminated();
  }

  @Override
  public ManagedChannel shutdownNow() {
    channel.shutdownNow();
    return this;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return channel.awaitTermination(timeout, unit);
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return channel.getState(requestConnection);
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    channel.notifyWhenStateChanged(source, callback);
  }

  @Override
  public void resetConnectBackoff() {
    channel.resetConnectBackoff();
  }

  @Override
  public void enterIdle() {
    channel.enterIdle();
  }
}
