package io.skein.security;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's TLS key material, reloaded without a restart: the files' modification times are
 * checked every {@code reload-interval}, and when one changed they are read again. A good new set
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
  private final ScheduledExecutorService scheduler;
  private volatile TlsMaterial material;
  private List<FileTime> loadedTimes;

  private ServerTls(TlsSettings settings, TlsMaterial material, List<FileTime> loadedTimes) {
    this.settings = settings;
    this.material = material;
    this.loadedTimes = loadedTimes;
    this.keyManager = new CurrentKeyManager(material.keyManager());
    this.trustManager = material.trustManager().map(CurrentTrustManager::new);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "skein-tls-reload");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Reads the files (an {@link IllegalArgumentException} says what is wrong with them) and
   * starts watching them.
   */
  public static ServerTls start(TlsSettings settings) {
    List<FileTime> times = modificationTimes(settings.files());
    ServerTls tls = new ServerTls(settings, TlsMaterial.load(settings), times);
    long every = settings.reloadInterval().toMillis();
    tls.scheduler.scheduleWithFixedDelay(tls::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
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
    List<FileTime> times;
    try {
      times = modificationTimes(settings.files());
    } catch (IllegalArgumentException e) {
      LOG.warn("TLS files not reloaded, the current ones stay in use: {}", e.getMessage());
      return false;
    }
    if (times.equals(loadedTimes)) {
      return false;
    }
    loadedTimes = times;
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
    scheduler.shutdownNow();
  }

  private static List<FileTime> modificationTimes(List<Path> files) {
    List<FileTime> times = new ArrayList<>(files.size());
    for (Path file : files) {
      try {
        times.add(Files.getLastModifiedTime(file));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
      }
    }
    return times;
  }
}
