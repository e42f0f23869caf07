package dev.vigil.sdk;

import io.spiffe.exception.BundleNotFoundException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.svid.x509svid.X509SvidValidator;
import io.spiffe.workloadapi.DefaultX509Source;
import io.spiffe.workloadapi.X509Source;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * An {@link SSLContext} for mutual TLS between workloads with X.509-SVIDs from the SPIFFE Workload
 * API (served by {@code vigil agent}). It holds one Workload API stream open; each handshake
 * presents the SVID last pushed and verifies the peer against the bundles last pushed, so a rotated
 * SVID or a new root is used at once, without building a new context. A peer is accepted when its
 * chain verifies up to the bundle of its own trust domain (SPIFFE X509-SVID specification section
 * 5) and {@code acceptPeer} accepts its SPIFFE ID; hostnames play no part.
 *
 * <p>A resumed TLS session skips the certificate exchange, so it would keep a rotated or revoked
 * SVID in use. Sessions therefore live {@link #SESSION_LIFETIME_SECONDS} seconds at most: in
 * practice every new connection presents the current SVID and checks the peer's.
 *
 * <p>Thread-safe. {@link #close()} closes the Workload API stream when this object opened it.
 */
public final class SvidSslContext implements AutoCloseable {

  private static final String ENDPOINT_VARIABLE = "SPIFFE_ENDPOINT_SOCKET";

  private static final Pattern OTHER_SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:");

  /** Held so that the logger, and the settings made on it while connecting, are not collected. */
  private static final Logger JAVA_SPIFFE = Logger.getLogger("io.spiffe.workloadapi");

  /** How long a TLS session may be resumed. */
  public static final int SESSION_LIFETIME_SECONDS = 1;

  private final X509Source source;
  private final boolean owned;
  private final SSLContext context;

  private SvidSslContext(X509Source source, boolean owned, Predicate<String> acceptPeer) {
    this.source = source;
    this.owned = owned;
    try {
      this.context = SSLContext.getInstance("TLSv1.3");
      context.init(
          new KeyManager[] {new Keys(source)},
          new TrustManager[] {new Peers(source, acceptPeer)},
          null);
      context.getClientSessionContext().setSessionTimeout(SESSION_LIFETIME_SECONDS);
      context.getServerSessionContext().setSessionTimeout(SESSION_LIFETIME_SECONDS);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS 1.3 is not available: " + e.getMessage(), e);
    }
  }

  /**
   * Connects to the Workload API at {@code address} ({@code unix:/path}, or a path alone; a
   * relative path is read from the working directory; null reads {@code SPIFFE_ENDPOINT_SOCKET})
   * and waits for the first SVID.
   *
   * @param acceptPeer decides, by SPIFFE ID, which peers this workload talks to
   * @throws IllegalStateException naming the address and why, when there is no address, no socket
   *     at its path, or no SVID within {@code timeout} (with what the agent answered)
   */
  public static SvidSslContext connect(
      String address, Duration timeout, Predicate<String> acceptPeer) {
    Objects.requireNonNull(acceptPeer, "acceptPeer");
    String given = address != null ? address : System.getenv(ENDPOINT_VARIABLE);
    if (given == null || given.isBlank()) {
      throw new IllegalStateException(
          "no Workload API address: pass unix:/path/to/agent.sock, or set " + ENDPOINT_VARIABLE);
    }
    String named = address != null ? given : given + " (" + ENDPOINT_VARIABLE + ")";
    String socket = socketUri(given);
    if (socket.startsWith("unix:") && !Files.exists(Path.of(socket.substring(5)))) {
      // java-spiffe would retry until the timeout, logging a stack trace per attempt.
      throw new IllegalStateException(
          "cannot get an X.509-SVID from the Workload API at "
              + named
              + ": no socket at "
              + socket.substring(5)
              + " (is vigil agent running there?)");
    }
    // While the first SVID is awaited, java-spiffe logs each failed stream with its stack trace and
    // then throws a message without the reason: keep the last reason for the error instead.
    LastFailure last = new LastFailure();
    boolean parents = JAVA_SPIFFE.getUseParentHandlers();
    JAVA_SPIFFE.addHandler(last);
    JAVA_SPIFFE.setUseParentHandlers(false);
    try {
      var options =
          DefaultX509Source.X509SourceOptions.builder()
              .initTimeout(timeout)
              .spiffeSocketPath(socket);
      return new SvidSslContext(DefaultX509Source.newSource(options.build()), true, acceptPeer);
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot get an X.509-SVID from the Workload API at "
              + named
              + ": "
              + (last.reason != null ? last.reason : e.getMessage()),
          e);
    } finally {
      JAVA_SPIFFE.removeHandler(last);
      JAVA_SPIFFE.setUseParentHandlers(parents);
    }
  }

  /**
   * Returns {@code unix:/absolute/path} for a Unix socket address (java-spiffe takes only absolute
   * ones), and any other address (such as {@code tcp://}) as given.
   */
  static String socketUri(String address) {
    String path;
    if (address.startsWith("unix://")) {
      path = address.substring("unix://".length());
    } else if (address.startsWith("unix:")) {
      path = address.substring("unix:".length());
    } else if (OTHER_SCHEME.matcher(address).lookingAt()) {
      return address;
    } else {
      path = address;
    }
    return "unix:" + Path.of(path).toAbsolutePath().normalize();
  }

  /** Keeps the message of the last exception java-spiffe logged. */
  private static final class LastFailure extends Handler {

    volatile String reason;

    @Override
    public void publish(LogRecord r) {
      if (r.getThrown() != null && r.getThrown().getMessage() != null) {
        reason = r.getThrown().getMessage();
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  /** Builds a context over a source the caller owns and closes. */
  public static SvidSslContext of(X509Source source, Predicate<String> acceptPeer) {
    return new SvidSslContext(source, false, Objects.requireNonNull(acceptPeer, "acceptPeer"));
  }

  /**
   * Accepts exactly one SPIFFE ID.
   *
   * @throws IllegalArgumentException quoting {@code spiffeId} when it is not a SPIFFE ID in its one
   *     spelling, or names a trust domain rather than a workload (no SVID carries such an ID)
   */
  public static Predicate<String> only(String spiffeId) {
    SpiffeId parsed;
    try {
      parsed = SpiffeId.parse(spiffeId);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "\"" + spiffeId + "\" is not a SPIFFE ID: " + e.getMessage(), e);
    }
    String expected = parsed.toString();
    if (!expected.equals(spiffeId)) {
      throw new IllegalArgumentException(
          "\"" + spiffeId + "\" is not written as SVIDs carry it: " + expected);
    }
    if (parsed.getPath().isEmpty()) {
      throw new IllegalArgumentException(
          "\""
              + spiffeId
              + "\" names no workload (no SVID carries a trust domain's own ID); name the peer's"
              + " SPIFFE ID, e.g. "
              + spiffeId
              + "/orders");
    }
    return expected::equals;
  }

  public SSLContext sslContext() {
    return context;
  }

  /** Returns the SPIFFE ID of the SVID presented now. */
  public String spiffeId() {
    return source.getX509Svid().getSpiffeId().toString();
  }

  @Override
  public void close() {
    if (owned) {
      try {
        source.close();
      } catch (IOException e) {
        // Closing the stream is best effort.
      }
    }
  }

  /**
   * Presents the current SVID. TLS asks for an alias first and for the chain and key later; the
   * alias names the SVID's serial, and the SVIDs handed out recently are kept by it, so a rotation
   * between the two calls cannot pair a chain with another SVID's key.
   */
  private static final class Keys extends X509ExtendedKeyManager {
    private final X509Source source;
    private final Map<String, X509Svid> recent = new ConcurrentHashMap<>();

    Keys(X509Source source) {
      this.source = source;
    }

    private String alias() {
      X509Svid svid = source.getX509Svid();
      String alias = svid.getLeaf().getSerialNumber().toString(16);
      if (recent.putIfAbsent(alias, svid) == null && recent.size() > 4) {
        recent.keySet().retainAll(List.of(alias));
      }
      return alias;
    }

    @Override
    public String chooseEngineClientAlias(String[] types, Principal[] issuers, SSLEngine e) {
      return alias();
    }

    @Override
    public String chooseEngineServerAlias(String type, Principal[] issuers, SSLEngine e) {
      return alias();
    }

    @Override
    public String chooseClientAlias(String[] types, Principal[] issuers, Socket s) {
      return alias();
    }

    @Override
    public String chooseServerAlias(String type, Principal[] issuers, Socket s) {
      return alias();
    }

    @Override
    public String[] getClientAliases(String type, Principal[] issuers) {
      return new String[] {alias()};
    }

    @Override
    public String[] getServerAliases(String type, Principal[] issuers) {
      return new String[] {alias()};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      X509Svid svid = alias == null ? null : recent.get(alias);
      return svid == null ? null : svid.getChainArray();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      X509Svid svid = alias == null ? null : recent.get(alias);
      return svid == null ? null : svid.getPrivateKey();
    }
  }

  /** Verifies the peer's SVID against the latest bundles and the caller's choice of peers. */
  private static final class Peers extends X509ExtendedTrustManager {
    private final X509Source source;
    private final Predicate<String> acceptPeer;

    Peers(X509Source source, Predicate<String> acceptPeer) {
      this.source = source;
      this.acceptPeer = acceptPeer;
    }

    private void verify(X509Certificate[] chain) throws CertificateException {
      if (chain == null || chain.length == 0) {
        throw new CertificateException("the peer presented no certificate");
      }
      try {
        X509SvidValidator.verifyChain(List.of(chain), source);
      } catch (BundleNotFoundException e) {
        throw new CertificateException("the peer's trust domain is not trusted: " + e.getMessage());
      }
      SpiffeId id = SpiffeIdOf.leaf(chain[0]);
      if (!acceptPeer.test(id.toString())) {
        throw new CertificateException("peer " + id + " is not accepted");
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String auth, SSLEngine e)
        throws CertificateException {
      verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String auth, SSLEngine e)
        throws CertificateException {
      verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String auth, Socket s)
        throws CertificateException {
      verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String auth, Socket s)
        throws CertificateException {
      verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String auth)
        throws CertificateException {
      verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String auth)
        throws CertificateException {
      verify(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
