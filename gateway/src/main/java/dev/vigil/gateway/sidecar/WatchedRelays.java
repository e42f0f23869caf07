package dev.vigil.gateway.sidecar;

import dev.vigil.identity.X509SvidValidator;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The connections a TCP listener relays now, each watched while it is open: its peer's certificate
 * chain stops being trusted when its earliest {@code notAfter} passes, or when, verified again
 * every {@code revalidateMillis} against the trust bundles and revoked serials of the moment, it no
 * longer verifies. Then the connection is closed, in every mode, as a new one with that chain would
 * be refused, and the listener is told why ({@link Distrusted}). Verifications run one round at a
 * time on the worker pool ({@link ChainRecheck}). A connection is closed once, by whichever cause
 * comes first ({@link Watched#close}). Thread-safe.
 *
 * @param <T> what the listener keeps of each connection
 */
final class WatchedRelays<T> {

  /** What a listener does once a connection's peer is no longer trusted and it is closing. */
  interface Distrusted<T> {

    /**
     * @param code {@code EXPIRED}, or the rule a chain verified again broke ({@code REVOKED},
     *     {@code NO_BUNDLE} ...)
     * @param why what happened, in words
     */
    void closed(Watched<T> connection, String code, String why);
  }

  private final Vertx vertx;
  private final InstantSource clock;
  private final Distrusted<T> distrusted;

  /** The connections open now, their chains verified again. */
  private final ChainRecheck<Watched<T>> open;

  WatchedRelays(
      Vertx vertx,
      X509SvidValidator validator,
      InstantSource clock,
      long revalidateMillis,
      Distrusted<T> distrusted) {
    this.vertx = vertx;
    this.clock = clock;
    this.distrusted = distrusted;
    this.open =
        new ChainRecheck<>(
            vertx,
            validator,
            revalidateMillis,
            w -> w.chain,
            (w, code, why) -> {
              if (w.close()) {
                distrusted.closed(w, code, why);
              }
            });
  }

  /**
   * Relays {@code a} and {@code b} ({@link TcpRelay#join}) and watches the connection, whose peer
   * authenticated with {@code chain} (leaf first); on the sockets' event loop.
   */
  Watched<T> relay(T about, List<X509Certificate> chain, NetSocket a, NetSocket b) {
    Watched<T> w = new Watched<>(about, chain, vertx.getOrCreateContext());
    w.relay = TcpRelay.join(a, b, () -> forget(w));
    open.add(w);
    Instant notAfter = expiry(chain);
    long wait = Duration.between(clock.instant(), notAfter).toMillis();
    if (wait < 0) {
      expire(w, notAfter);
    } else {
      // notAfter is the last instant a certificate is valid in (RFC 5280, section 4.1.2.5).
      w.expiryTimer = vertx.setTimer(wait + 1, id -> expire(w, notAfter));
    }
    return w;
  }

  /** The connections open now. */
  List<Watched<T>> open() {
    return open.open();
  }

  boolean isEmpty() {
    return open.isEmpty();
  }

  /** Forgets a connection once it is closed, by whichever side or cause; on the event loop. */
  private void forget(Watched<T> w) {
    open.remove(w);
    if (w.expiryTimer >= 0) {
      vertx.cancelTimer(w.expiryTimer);
    }
  }

  private void expire(Watched<T> w, Instant notAfter) {
    w.expiryTimer = -1;
    if (w.close()) {
      distrusted.closed(w, "EXPIRED", "expired at " + notAfter);
    }
  }

  /** The earliest {@code notAfter} of {@code chain}: when it stops verifying. */
  static Instant expiry(List<X509Certificate> chain) {
    Instant first = Instant.MAX;
    for (X509Certificate cert : chain) {
      Instant end = cert.getNotAfter().toInstant();
      if (end.isBefore(first)) {
        first = end;
      }
    }
    return first;
  }

  /** One connection being relayed. */
  static final class Watched<T> {

    /** What the listener keeps of it. */
    final T about;

    /** The chain its peer authenticated with, leaf first. */
    final List<X509Certificate> chain;

    /** The connection's event loop, where its relay is closed. */
    private final Context context;

    /** Set once, by the first close. */
    private final AtomicBoolean closing = new AtomicBoolean();

    /** Set on the event loop, before the connection is open. */
    private TcpRelay relay;

    /** The expiry timer's id, or -1; read and written on the event loop. */
    private long expiryTimer = -1;

    private Watched(T about, List<X509Certificate> chain, Context context) {
      this.about = about;
      this.chain = chain;
      this.context = context;
    }

    /**
     * Closes both of its connections, unless something closed them first; from any thread.
     *
     * @return whether this call closed them
     */
    boolean close() {
      if (!closing.compareAndSet(false, true)) {
        return false;
      }
      context.runOnContext(v -> relay.close());
      return true;
    }

    /** Whether it is closed or closing, for any cause. */
    boolean closing() {
      return closing.get();
    }
  }
}
