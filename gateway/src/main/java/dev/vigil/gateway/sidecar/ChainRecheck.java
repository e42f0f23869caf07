package dev.vigil.gateway.sidecar;

import dev.vigil.identity.SvidRejectedException;
import dev.vigil.identity.X509SvidValidator;
import io.vertx.core.Vertx;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Connections whose peer authenticated with a certificate chain, each verified again every {@code
 * revalidateMillis} against the trust bundles and revoked serials of the moment, one round at a
 * time on the worker pool; the owner is told of each one whose chain no longer verifies, and closes
 * it. Serves the TCP listeners ({@link WatchedRelays}) and the HTTP outbound pools ({@link
 * OutboundListener}). Thread-safe.
 *
 * @param <T> a connection
 */
final class ChainRecheck<T> {

  /** What the owner does with a connection whose peer's chain no longer verifies. */
  interface Distrusted<T> {

    /**
     * @param code the rule the chain broke ({@code REVOKED}, {@code NO_BUNDLE} ...), or {@code
     *     CHAIN_UNTRUSTED} when it could not be verified at all
     * @param why what happened, in words
     */
    void distrusted(T connection, String code, String why);
  }

  private final Vertx vertx;
  private final X509SvidValidator validator;
  private final Function<T, List<X509Certificate>> chain;
  private final Distrusted<T> distrusted;

  private final Set<T> open = ConcurrentHashMap.newKeySet();

  /** A round of verifications is queued or running on the worker pool. */
  private final AtomicBoolean verifying = new AtomicBoolean();

  /**
   * @param chain the chain a connection's peer authenticated with, leaf first; may throw, which
   *     fails the connection closed
   */
  ChainRecheck(
      Vertx vertx,
      X509SvidValidator validator,
      long revalidateMillis,
      Function<T, List<X509Certificate>> chain,
      Distrusted<T> distrusted) {
    this.vertx = vertx;
    this.validator = validator;
    this.chain = chain;
    this.distrusted = distrusted;
    vertx.setPeriodic(revalidateMillis, id -> verifySoon());
  }

  void add(T connection) {
    open.add(connection);
  }

  void remove(T connection) {
    open.remove(connection);
  }

  /** The connections open now. */
  List<T> open() {
    return List.copyOf(open);
  }

  boolean isEmpty() {
    return open.isEmpty();
  }

  /** Queues a round of verifications, unless one is queued or running or nothing is open. */
  private void verifySoon() {
    if (!open.isEmpty() && verifying.compareAndSet(false, true)) {
      vertx.executeBlocking(this::verifyAll, false);
    }
  }

  /** Verifies the chain of every open connection again; on the worker pool. */
  private Void verifyAll() {
    try {
      for (T c : open()) {
        try {
          validator.validate(chain.apply(c));
        } catch (SvidRejectedException e) {
          distrusted.distrusted(c, e.reason().name(), "no longer verifies: " + e.getMessage());
        } catch (RuntimeException e) {
          // Fail closed, as a first verification that fails does.
          distrusted.distrusted(c, "CHAIN_UNTRUSTED", "could not be verified again: " + e);
        }
      }
    } finally {
      verifying.set(false);
    }
    return null;
  }
}
