package io.skein.security;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's TLS key material, reloaded without a restart ({@link WatchedFiles}): the files'
 * modification times are checked every {@code reload-interval}, and when one changed they are
 * read again. A good new set
 * replaces the old one for every handshake from then on (connections already open keep theirs);
 * a bad one is logged and the old one kept.
 *
 * <p>Listeners get key and trust managers that delegate to the current material, so one TLS
 * context per listener (Netty's for Kafka, gRPC's own) serves every reload.
 */
public final class ServerTls implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

  private final TlsSettings settings;
  private final CurrentKeyManager keyManager;
  private final Optional<CurrentTrustManager> trustManager;
  private final WatchedFiles files;
  private volatile TlsMaterial material;

  private ServerTls(TlsSettings settings, TlsMaterial material, WatchedFiles files) {
    this.settings = settings;
    this.material = material;
    this.files = files;
    this.keyManager = new CurrentKeyManager(material.keyManager());
    this.trustManager = material.trustManager().map(CurrentTrustManager::new);
  }

  /**
   * Reads the files (an {@link IllegalArgumentException} says what is wrong with them) and
   * starts watching them.
   */
  public static ServerTls start(TlsSettings settings) {
    WatchedFiles files = new WatchedFiles(settings.files(), "skein-tls-reload");
    ServerTls tls;
    try {
      tls = new ServerTls(settings, TlsMaterial.load(settings), files);
    } catch (RuntimeException e) {
      files.close();
      throw e;
    }
    files.checkEvery(settings.reloadInterval(), tls::reloadIfChanged);
    LOG.info("TLS certificate {} (valid until {}), client certificates {}; files checked for changes every {}",
        tls.serverCertificate().getSubjectX500Principal().getName(), tls.serverCertificate().getNotAfter(),
        settings.clientAuth().name().toLowerCase(), settings.reloadInterval());
    return tls;
  }

  /**
   * Reads the files again if any changed since they were last read; true if the new material is
   * in use. Runs on the reload scheduler; callable directly.
   */
  public synchronized boolean reloadIfChanged() {
    try {
      if (!files.changedSinceLastCheck()) {
        return false;
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("TLS files not reloaded, the current ones stay in use: {}", e.getMessage());
      return false;
    }
    TlsMaterial loaded;
    try {
      loaded = TlsMaterial.load(settings);
    } catch (RuntimeException e) {
      LOG.warn("TLS files changed but cannot be used, the current ones stay in use: {}", e.getMessage());
      return false;
    }
    material = loaded;
    keyManager.use(loaded.keyManager());
    trustManager.ifPresent(current -> current.use(loaded.trustManager().orElseThrow()));
    LOG.info("TLS files reloaded: certificate {} (valid until {})",
        loaded.serverCertificate().getSubjectX500Principal().getName(), loaded.serverCertificate().getNotAfter());
    return true;
  }

  /** The certificate handshakes present now. */
  public X509Certificate serverCertificate() {
    return material.serverCertificate();
  }

  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** Checks client certificates against the configured CA; empty when none is. */
  public Optional<X509ExtendedTrustManager> trustManager() {
    return trustManager.map(X509ExtendedTrustManager.class::cast);
  }

  public ClientAuth clientAuth() {
    return settings.clientAuth();
  }

  /** A Netty server context over the current material, for a Netty listener's SslHandler. */
  public SslContext nettyServerContext() {
    SslContextBuilder builder = SslContextBuilder.forServer(keyManager)
        .sslProvider(SslProvider.JDK)
        .clientAuth(switch (settings.clientAuth()) {
          case NONE -> io.netty.handler.ssl.ClientAuth.NONE;
          case REQUESTED -> io.netty.handler.ssl.ClientAuth.OPTIONAL;
          case REQUIRED -> io.netty.handler.ssl.ClientAuth.REQUIRE;
        });
    trustManager.ifPresent(builder::trustManager);
    try {
      return builder.build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("cannot build a TLS context: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    files.close();
  }
}
