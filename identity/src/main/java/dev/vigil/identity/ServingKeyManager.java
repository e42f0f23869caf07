package dev.vigil.identity;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A TLS server key manager that asks for the current key and chain at every handshake, so that a
 * renewed SVID is served without restarting the listener. Thread-safe when the supplier is.
 */
final class ServingKeyManager extends X509ExtendedKeyManager {

  /** A private key and its certificate chain, leaf first. */
  record Credential(PrivateKey key, List<X509Certificate> chain) {}

  private static final String ALIAS = "current";
  private final Supplier<Credential> current;

  ServingKeyManager(Supplier<Credential> current) {
    this.current = current;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return ALIAS;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return ALIAS;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return current.get().chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return current.get().key();
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return new String[] {ALIAS};
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return new String[0];
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
