package dev.vigil.gateway.sidecar;

import dev.vigil.identity.BundleSource;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustBundle;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509Svid;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.exception.BundleNotFoundException;
import io.spiffe.workloadapi.DefaultX509Source;
import io.spiffe.workloadapi.X509Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * The workload's own X.509-SVID and the trust bundles it may verify peers with, as the SPIFFE
 * Workload API last pushed them. The sidecar is a Workload API client: java-spiffe's source keeps
 * one stream open and swaps in each rotated SVID and changed bundle, and every read here sees the
 * latest, so key material rotates without a restart.
 *
 * <p>Thread-safe. {@link #close()} closes the stream when this object opened it.
 */
public final class WorkloadCredentials implements AutoCloseable {

  /** Held so that the logger, and the settings made on it, are not collected. */
  private static final Logger JAVA_SPIFFE = Logger.getLogger("io.spiffe.workloadapi");

  private static final Pattern OTHER_SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:");

  private static final org.slf4j.Logger log = LoggerFactory.getLogger(WorkloadCredentials.class);

  private final X509Source source;
  private final boolean owned;

  /** Writes this stream's records to the service log; null for a source the caller owns. */
  private final Handler streamLog;

  private WorkloadCredentials(X509Source source, boolean owned, Handler streamLog) {
    this.source = source;
    this.owned = owned;
    this.streamLog = streamLog;
  }

  /**
   * Connects to the Workload API at {@code address} ({@code unix:/path}; a relative path is taken
   * from the working directory) and waits for the first SVID.
   *
   * @throws IllegalStateException naming the address when it is not a Unix socket, when no socket
   *     is there, or when no SVID arrives within {@code timeout}
   */
  public static WorkloadCredentials connect(String address, Duration timeout) {
    String socket = absolute(address);
    Path path = Path.of(socket.substring("unix:".length()));
    if (!Files.exists(path)) {
      // Checked here: java-spiffe would retry until the timeout, logging every failed attempt.
      throw new IllegalStateException(
          "cannot get an X.509-SVID from the Workload API at "
              + address
              + ": no socket at "
              + path
              + " (is vigil agent running there?)");
    }
    // java-spiffe logs to JUL: each failed stream as a SEVERE record with its stack trace, each
    // update as two INFO lines in JUL's own format. Its records go to this workload's service log
    // instead, one line each; while waiting for the first SVID the last reason is kept for the
    // error, since java-spiffe then throws a message without it.
    StreamLog streamLog = new StreamLog(address);
    JAVA_SPIFFE.addHandler(streamLog);
    JAVA_SPIFFE.setUseParentHandlers(false);
    try {
      WorkloadCredentials creds =
          new WorkloadCredentials(
              DefaultX509Source.newSource(
                  DefaultX509Source.X509SourceOptions.builder()
                      .spiffeSocketPath(socket)
                      .initTimeout(timeout)
                      .build()),
              true,
              streamLog);
      streamLog.connecting = false;
      return creds;
    } catch (Exception e) {
      JAVA_SPIFFE.removeHandler(streamLog);
      String reason = streamLog.reason != null ? streamLog.reason : e.getMessage();
      throw new IllegalStateException(
          "cannot get an X.509-SVID from the Workload API at " + address + ": " + reason, e);
    }
  }

  /**
   * Writes java-spiffe's records about one stream to the service log, one line each and without
   * stack traces: a failure of the stream (java-spiffe retries it with a backoff) as a warning, an
   * update as information. While the first SVID is awaited, failures are only kept for the error.
   */
  private static final class StreamLog extends Handler {

    private final String address;
    volatile boolean connecting = true;
    volatile String reason;

    StreamLog(String address) {
      this.address = address;
    }

    @Override
    public void publish(LogRecord r) {
      Throwable t = r.getThrown();
      if (connecting) {
        if (t != null && t.getMessage() != null) {
          reason = t.getMessage();
        }
        return;
      }
      if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
        log.warn(
            "Workload API at {}: {}: {}; retrying, the last SVID stays in use until it expires",
            address,
            r.getMessage(),
            t == null ? "no reason given" : causes(t));
      } else if (r.getLevel().intValue() >= Level.INFO.intValue()) {
        log.info("Workload API at {}: {}", address, r.getMessage());
      } else {
        log.debug("Workload API at {}: {}", address, r.getMessage());
      }
    }

    /** Returns the messages of {@code t} and its causes, joined on one line. */
    private static String causes(Throwable t) {
      StringBuilder out = new StringBuilder();
      for (Throwable c = t; c != null && out.length() < 500; c = c.getCause()) {
        if (!out.isEmpty()) {
          out.append(": ");
        }
        out.append(c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage());
      }
      return out.toString().replace('\n', ' ');
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  /**
   * Returns {@code unix:/absolute/path}: java-spiffe takes only absolute socket URIs.
   *
   * @throws IllegalStateException for an address with another scheme, such as {@code tcp://}
   */
  static String absolute(String address) {
    if (!address.startsWith("unix:") && OTHER_SCHEME.matcher(address).lookingAt()) {
      throw new IllegalStateException(
          "Workload API address \""
              + address
              + "\" is not supported; the agent serves a Unix socket: unix:/path");
    }
    String path = address.startsWith("unix://") ? address.substring(7) : address;
    path = path.startsWith("unix:") ? path.substring(5) : path;
    return "unix:" + java.nio.file.Path.of(path).toAbsolutePath().normalize();
  }

  /** Wraps a source the caller owns and closes. */
  public static WorkloadCredentials of(X509Source source) {
    return new WorkloadCredentials(source, false, null);
  }

  /** Returns the workload's current SVID. */
  public X509Svid svid() {
    var s = source.getX509Svid();
    return new X509Svid(
        SpiffeId.parse(s.getSpiffeId().toString()), s.getChain(), s.getPrivateKey());
  }

  /** Returns the SPIFFE ID of the workload's current SVID. */
  public String spiffeId() {
    return source.getX509Svid().getSpiffeId().toString();
  }

  /**
   * Returns the bundles the Workload API handed out: the workload's own trust domain and every
   * federated one. A peer of any other trust domain has no bundle, and is refused.
   */
  public BundleSource bundles() {
    return this::bundle;
  }

  private Optional<TrustBundle> bundle(TrustDomain td) {
    X509Bundle b;
    try {
      b = source.getBundleForTrustDomain(io.spiffe.spiffeid.TrustDomain.parse(td.name()));
    } catch (BundleNotFoundException | IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.of(
        new TrustBundle(
            td, new ArrayList<>(b.getX509Authorities()), Map.of(), 0, Duration.ofMinutes(5)));
  }

  @Override
  public void close() {
    if (streamLog != null) {
      JAVA_SPIFFE.removeHandler(streamLog);
    }
    if (owned && source instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        // Closing the stream is best effort at shutdown.
      }
    }
  }
}
