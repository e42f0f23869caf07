package dev.vigil.gateway.sidecar;

import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.SvidRejectedException;
import dev.vigil.identity.X509SvidValidator;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies the peer of a TLS handshake as a SPIFFE workload: its chain and X509-SVID profile
 * against the bundle of the peer's own trust domain, with revoked serials refused (all by {@link
 * X509SvidValidator}), and, when an expected SPIFFE ID is set, that the peer has exactly that ID. A
 * refused peer fails the handshake and is logged with its reason. The bundles are read at each
 * handshake, so new roots apply at once.
 *
 * <p>The edge gateway uses it towards upstreams that are Vigil workloads, without a refusal log: it
 * logs the refusal itself, with the request it belongs to, from the {@link Refused} it reads off
 * the failed connection. Thread-safe.
 */
public final class PeerVerifier extends X509ExtendedTrustManager {

  private final String listener;
  private final X509SvidValidator validator;
  private final SpiffeId expected;
  private final RefusalLog refusals;

  /**
   * @param expected the only SPIFFE ID the peer may have, or null to accept any valid SVID (an
   *     inbound listener, where policy decides about the caller)
   * @param refusals where refusals are logged, or null to leave that to the caller
   */
  public PeerVerifier(
      String listener, X509SvidValidator validator, SpiffeId expected, RefusalLog refusals) {
    this.listener = listener;
    this.validator = validator;
    this.expected = expected;
    this.refusals = refusals;
  }

  private void verify(X509Certificate[] chain, String peer) throws CertificateException {
    SpiffeId id;
    try {
      id = validator.validate(chain == null ? List.of() : List.of(chain));
    } catch (SvidRejectedException e) {
      throw refused(peer, e.reason().name(), e.getMessage());
    }
    if (expected != null && !expected.equals(id)) {
      throw refused(peer, "UNEXPECTED_ID", "peer is " + id + ", expected " + expected);
    }
  }

  private Refused refused(String peer, String code, String why) {
    String decisionId = refusals == null ? null : refusals.refuse(listener, peer, code, why);
    return new Refused(code, why, decisionId);
  }

  /** The handshake failure of a refused peer, with a stable code for logs and callers. */
  public static final class Refused extends CertificateException {

    private final String code;
    private final String decisionId;

    Refused(String code, String message, String decisionId) {
      super(message);
      this.code = code;
      this.decisionId = decisionId;
    }

    /** Returns an {@code SvidRejectedException} reason name, or {@code UNEXPECTED_ID}. */
    public String code() {
      return code;
    }

    /** Returns the id of the logged refusal, or null when none was logged. */
    public String decisionId() {
      return decisionId;
    }

    /** Returns the refusal among the causes of a failed connection, or null. */
    public static Refused in(Throwable failure) {
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t instanceof Refused r) {
          return r;
        }
      }
      return null;
    }
  }

  private static String peerOf(SSLEngine engine) {
    if (engine == null || engine.getPeerHost() == null) {
      return "unknown";
    }
    return engine.getPeerHost() + ":" + engine.getPeerPort();
  }

  private static String peerOf(Socket socket) {
    return socket == null ? "unknown" : String.valueOf(socket.getRemoteSocketAddress());
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain, peerOf(engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain, peerOf(engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain, peerOf(socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain, peerOf(socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain, "unknown");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    verify(chain, "unknown");
  }

  /** Names no issuer: SPIFFE peers are chosen by SPIFFE ID, and each domain has its own roots. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
