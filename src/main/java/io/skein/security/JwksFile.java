package io.skein.security;

import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of a JWKS file, read again when the file changes ({@link WatchedFiles}, every
 * {@code reload-interval}): a good new file replaces the keys for every token checked from then
 * on; a bad one is logged and the old keys kept.
 */
public final class JwksFile implements Supplier<JsonWebKeys>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JwksFile.class);

  private final OAuthBearerSettings settings;
  private final WatchedFiles file;
  private volatile JsonWebKeys keys;

  private JwksFile(OAuthBearerSettings settings, WatchedFiles file, JsonWebKeys keys) {
    this.settings = settings;
    this.file = file;
    this.keys = keys;
  }

  /** Reads the file (an {@link IllegalArgumentException} says what is wrong with it) and starts watching it. */
  public static JwksFile start(OAuthBearerSettings settings) {
    WatchedFiles file = new WatchedFiles(List.of(settings.jwksFile()), "skein-jwks-reload");
    JwksFile jwks;
    try {
      jwks = new JwksFile(settings, file, JsonWebKeys.read(settings.jwksFile()));
    } catch (RuntimeException e) {
      file.close();
      throw e;
    }
    file.checkEvery(settings.reloadInterval(), jwks::reloadIfChanged);
    LOG.info("OAUTHBEARER: {} keys from {}, checked for changes every {}", jwks.keys.keys().size(),
        settings.jwksFile(), settings.reloadInterval());
    return jwks;
  }

  /** The keys loaded last. */
  @Override
  public JsonWebKeys get() {
    return keys;
  }

  /**
   * Reads the file again if it changed since it was last read; true if its keys are now in use.
   * Runs on the reload scheduler; callable directly.
   */
  public synchronized boolean reloadIfChanged() {
    try {
      if (!file.changedSinceLastCheck()) {
        return false;
      }
      keys = JsonWebKeys.read(settings.jwksFile());
    } catch (IllegalArgumentException e) {
      LOG.warn("JWKS file not reloaded, the current keys stay in use: {}", e.getMessage());
      return false;
    }
    LOG.info("JWKS file {} reloaded: {} keys", settings.jwksFile(), keys.keys().size());
    return true;
  }

  @Override
  public void close() {
    file.close();
  }
}
