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
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

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

  private final X509Source source;
  private final boolean owned;

  private WorkloadCredentials(X509Source source, boolean owned) {
    this.source = source;
    this.owned = owned;
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
    // While waiting for the first SVID, java-spiffe logs each failed stream with its stack trace
    // and then throws a message without the reason: keep the last reason instead, for the error.
    LastFailure last = new LastFailure();
    JAVA_SPIFFE.addHandler(last);
    JAVA_SPIFFE.setUseParentHandlers(false);
    try {
      return new WorkloadCredentials(
          DefaultX509Source.newSource(
              DefaultX509Source.X509SourceOptions.builder()
                  .spiffeSocketPath(socket)
                  .initTimeout(timeout)
                  .build()),
          true);
    } catch (Exception e) {
      String reason = last.reason != null ? last.reason : e.getMessage();
      throw new IllegalStateException(
          "cannot get an X.509-SVID from the Workload API at " + address + ": " + reason, e);
    } finally {
      JAVA_SPIFFE.removeHandler(last);
      JAVA_SPIFFE.setUseParentHandlers(true);
    }
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
    return new WorkloadCredentials(source, false);
  }

  /** Returns the workload's current SVID. */
  public X509Svid svid() {
    var s = source.getX509Svid();
    return new X509Svid(
        SpiffeId.parse(s.getSpiffeId().toString()), s.getChain(), s.getPrivateKey());
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
    if (owned && source instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        // Closing the stream is best effort at shutdown.
      }
    }
  }
}
