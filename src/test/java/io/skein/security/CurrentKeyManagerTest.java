package io.skein.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.Test;

class CurrentKeyManagerTest {

  private static final TestCertificates CA = TestCertificates.authority("Key Manager Test CA");

  private static X509ExtendedKeyManager keyManager(TestCertificates.Issued issued) throws Exception {
    char[] password = TestCertificates.STORE_PASSWORD.toCharArray();
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("server", issued.keys().getPrivate(), password,
        new X509Certificate[] {issued.certificate(), issued.ca()});
    KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(store, password);
    return (X509ExtendedKeyManager) factory.getKeyManagers()[0];
  }

  @Test
  void aHandshakeUnderWayWhenTheMaterialIsReloadedKeepsTheCertificateAndKeyItChose() throws Exception {
    TestCertificates.Issued first = CA.server("first");
    TestCertificates.Issued second = CA.server("second");
    CurrentKeyManager keys = new CurrentKeyManager(keyManager(first));
    String keyType = first.keys().getPublic().getAlgorithm();

    String chosenBefore = keys.chooseEngineServerAlias(keyType, null, null);
    keys.use(keyManager(second));
    assertEquals(first.certificate(), keys.getCertificateChain(chosenBefore)[0]);
    assertArrayEquals(first.keys().getPrivate().getEncoded(), keys.getPrivateKey(chosenBefore).getEncoded());

    String chosenAfter = keys.chooseEngineServerAlias(keyType, null, null);
    assertEquals(second.certificate(), keys.getCertificateChain(chosenAfter)[0]);
    assertArrayEquals(second.keys().getPrivate().getEncoded(), keys.getPrivateKey(chosenAfter).getEncoded());

    keys.use(keyManager(first));
    assertNull(keys.getCertificateChain(chosenBefore), "material two reloads old is gone");
    assertNull(keys.getPrivateKey("server"), "an alias this manager did not give names nothing");
  }
}
