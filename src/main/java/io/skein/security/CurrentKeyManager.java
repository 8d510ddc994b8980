package io.skein.security;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of the material loaded last: each handshake asks whichever is current. A
 * handshake chooses an alias first and asks for its certificate chain and private key after;
 * a reload in between must not pair the old certificate with the new key (the peer then refuses
 * the handshake's signature). So each alias names the material it came from, and the chain and
 * key are taken from that one: the current material or the one before it.
 */
final class CurrentKeyManager extends X509ExtendedKeyManager {

  private static final char SEPARATOR = ':';

  /** Material loaded {@code number}th. */
  private record Generation(long number, X509ExtendedKeyManager keys) {
    String tag(String alias) {
      return alias == null ? null : number + String.valueOf(SEPARATOR) + alias;
    }

    String[] tag(String[] aliases) {
      return aliases == null ? null : Arrays.stream(aliases).map(this::tag).toArray(String[]::new);
    }
  }

  private volatile Generation current;
  private volatile Generation previous;

  CurrentKeyManager(X509ExtendedKeyManager initial) {
    this.current = new Generation(0, initial);
  }

  synchronized void use(X509ExtendedKeyManager next) {
    previous = current;
    current = new Generation(current.number() + 1, next);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    Generation generation = current;
    return generation.tag(generation.keys().getClientAliases(keyType, issuers));
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    Generation generation = current;
    return generation.tag(generation.keys().chooseClientAlias(keyType, issuers, socket));
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    Generation generation = current;
    return generation.tag(generation.keys().getServerAliases(keyType, issuers));
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    Generation generation = current;
    return generation.tag(generation.keys().chooseServerAlias(keyType, issuers, socket));
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    Generation generation = current;
    return generation.tag(generation.keys().chooseEngineServerAlias(keyType, issuers, engine));
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    Generation generation = current;
    return generation.tag(generation.keys().chooseEngineClientAlias(keyType, issuers, engine));
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Generation generation = generationOf(alias);
    return generation == null ? null : generation.keys().getCertificateChain(untagged(alias));
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Generation generation = generationOf(alias);
    return generation == null ? null : generation.keys().getPrivateKey(untagged(alias));
  }

  /** The material the alias was chosen from, if still kept (not two reloads ago), else null. */
  private Generation generationOf(String alias) {
    int separator = alias == null ? -1 : alias.indexOf(SEPARATOR);
    if (separator <= 0) {
      return null;
    }
    long number;
    try {
      number = Long.parseLong(alias.substring(0, separator));
    } catch (NumberFormatException notOurs) {
      return null;
    }
    Generation now = current;
    Generation before = previous;
    if (now.number() == number) {
      return now;
    }
    return before != null && before.number() == number ? before : null;
  }

  private static String untagged(String alias) {
    return alias.substring(alias.indexOf(SEPARATOR) + 1);
  }
}
