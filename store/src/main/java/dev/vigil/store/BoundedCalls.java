package dev.vigil.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Store calls that a person's request waits for (a sign-in's count of failures, a one-time code's
 * step), bounded in time so that a PostgreSQL store out of reach slows a sign-in by a few seconds
 * at most instead of holding it until the network gives up, which for a store that stopped
 * answering without closing its connections is never.
 *
 * <p>How. A call runs on a thread of its own with a connection whose reads time out after {@link
 * #BOUND}; the caller waits {@link #BOUND} for it, and past that gets a {@link StoreException}
 * while the thread ends on its own (its reads time out, or its wait for a connection does). After a
 * call that failed or timed out, the next calls for {@link #HOLD} fail at once without asking the
 * store, so that a node cut off from it answers at its usual speed; the first call after the hold
 * asks again. On SQLite (one node, a local file) calls run directly, unbounded.
 *
 * <p>Thread-safe.
 */
final class BoundedCalls {

  /** How long a caller waits for the store, and a read on the call's connection. */
  static final Duration BOUND = Duration.ofSeconds(3);

  /** How long the store is not asked again after a call failed or timed out. */
  static final Duration HOLD = Duration.ofSeconds(10);

  /** A statement or a few, on a connection of the store. */
  interface Call<T> {
    T run(Connection c) throws SQLException;
  }

  private static final ExecutorService RUNNER =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "vigil-store-bounded");
            t.setDaemon(true);
            return t;
          });

  private final Store store;

  /** {@link System#nanoTime} until which calls fail at once; meaningful while {@code held}. */
  private volatile long heldUntil;

  private volatile boolean held;
  private volatile String lastFailure = "";

  BoundedCalls(Store store) {
    this.store = store;
  }

  /**
   * Runs {@code call} on a connection of the store, within {@link #BOUND}.
   *
   * @param what what the call does, for the message: {@code "count the failed sign-ins"}
   * @throws StoreException naming {@code what} and the cause when the store failed, did not answer
   *     in time, or failed or timed out less than {@link #HOLD} ago
   */
  <T> T run(String what, Call<T> call) {
    if (store.dialect() == Dialect.SQLITE) {
      return onConnection(what, call, false);
    }
    if (held && System.nanoTime() - heldUntil < 0) {
      throw new StoreException(
          "cannot "
              + what
              + ": the store failed less than "
              + HOLD.toSeconds()
              + " s ago and is not asked again yet ("
              + lastFailure
              + ")");
    }
    Future<T> result = RUNNER.submit(() -> onConnection(what, call, true));
    try {
      T value = result.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
      held = false;
      return value;
    } catch (TimeoutException e) {
      result.cancel(true);
      throw hold(
          new StoreException(
              "cannot " + what + ": the store did not answer within " + BOUND.toSeconds() + " s",
              e));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw hold(
          cause instanceof StoreException s
              ? s
              : new StoreException("cannot " + what + ": " + cause.getMessage(), cause));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.cancel(true);
      throw new StoreException("cannot " + what + ": interrupted", e);
    }
  }

  private StoreException hold(StoreException e) {
    lastFailure = e.getMessage();
    heldUntil = System.nanoTime() + HOLD.toNanos();
    held = true;
    return e;
  }

  /** Runs the call on a connection of the pool; {@code bounded}, its reads give up after BOUND. */
  private <T> T onConnection(String what, Call<T> call, boolean bounded) {
    try (Connection c = store.dataSource().getConnection()) {
      if (bounded) {
        // The pool puts the usual timeout back.
        c.setNetworkTimeout(Runnable::run, (int) BOUND.toMillis());
      }
      c.setAutoCommit(true);
      return call.run(c);
    } catch (SQLException e) {
      throw new StoreException("cannot " + what + ": " + Store.firstLine(e.getMessage()), e);
    }
  }
}
