package dev.vigil.gateway.sidecar;

import dev.vigil.identity.X509Svid;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the workload's current X.509-SVID in every TLS handshake, as client and as server.
 *
 * <p>TLS asks for an alias first and for the chain and key by that alias afterwards; an SVID may
 * rotate in between. The alias therefore names the SVID's serial, and the few most recent SVIDs are
 * kept by serial so that one handshake always gets a chain and key that belong together.
 *
 * <p>Also used by the edge gateway towards upstreams that are Vigil workloads. Thread-safe.
 */
public final class SvidKeyManager extends X509ExtendedKeyManager {

  private static final int KEPT = 4;

  private final Supplier<X509Svid> current;
  private final Map<String, X509Svid> recent = new ConcurrentHashMap<>();

  /** Presents whatever {@code current} returns at the time of each handshake. */
  public SvidKeyManager(Supplier<X509Svid> current) {
    this.current = current;
  }

  /** Returns the alias of the current SVID if its key is of one of the types TLS asks for. */
  private String alias(String... keyTypes) {
    X509Svid svid = current.get();
    if (!keyTypeFits(svid.privateKey().getAlgorithm(), keyTypes)) {
      return null;
    }
    String alias = "svid-" + svid.serial().toString(16);
    if (!recent.containsKey(alias)) {
      if (recent.size() >= KEPT) {
        recent.clear();
      }
      recent.put(alias, svid);
    }
    return alias;
  }

  static boolean keyTypeFits(String keyAlgorithm, String... keyTypes) {
    if (keyTypes == null || keyTypes.length == 0) {
      return true;
    }
    for (String t : keyTypes) {
      // TLS 1.3 asks for "RSASSA-PSS" for RSA keys and "EC" for ECDSA ones.
      if (t == null
          || t.startsWith(keyAlgorithm)
          || (keyAlgorithm.equals("RSA") && t.equals("RSASSA-PSS"))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine e) {
    return alias(keyTypes);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine e) {
    return alias(keyType);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return alias(keyTypes);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = alias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    X509Svid svid = alias == null ? null : recent.get(alias);
    return svid == null ? null : svid.chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    X509Svid svid = alias == null ? null : recent.get(alias);
    return svid == null ? null : svid.privateKey();
  }
}
