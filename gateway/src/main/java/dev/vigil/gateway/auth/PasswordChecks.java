package dev.vigil.gateway.auth;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The password checks of one node: sign-ins and password confirmations, each an Argon2id hash that
 * costs tens of milliseconds of one core and 19 MiB by design, run on a few threads of their own
 * with a bounded queue in front of them.
 *
 * <p>Why: a sign-in at an account and address that are not locked costs one hash whatever the name
 * (a name that is no one's costs the same, so that the time of the answer does not tell whether it
 * is a user's). Run on Vert.x's shared worker pool and queued without limit, a flood of sign-ins
 * with different names queued as much work as it sent, and every other blocking task of the node
 * (reading the assertion keys, decisions moved off the event loop, writing refusals) waited behind
 * it. Here at most {@link Limits#atOnce} checks run at once and at most {@link Limits#waiting}
 * wait; a check asked for beyond that is refused at once ({@link Busy}), before anything of it is
 * looked at: the refusal is the same for every name and password, and counts as no failed attempt.
 *
 * <p>Thread-safe. The threads are daemons and end after 30 s without work; {@link #close} stops
 * them sooner.
 */
public final class PasswordChecks implements AutoCloseable {

  /**
   * The bounds.
   *
   * @param atOnce checks run at once, each on a thread of its own
   * @param waiting checks waiting for a thread at most
   * @param retryAfter what a refused client is told to wait ({@code Retry-After})
   */
  public record Limits(int atOnce, int waiting, Duration retryAfter) {

    /**
     * Half the cores (at least one) at once, 16 waiting per thread (well under a second of wait at
     * the default cost), and a retry after one second.
     */
    public static Limits defaults() {
      int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
      return new Limits(threads, 16 * threads, Duration.ofSeconds(1));
    }

    public Limits {
      if (atOnce < 1 || atOnce > 256) {
        throw new IllegalArgumentException(
            "password checks at once must be 1 to 256, not " + atOnce);
      }
      if (waiting < 0 || waiting > 65_536) {
        throw new IllegalArgumentException(
            "password checks waiting must be 0 to 65536, not " + waiting);
      }
      if (retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()) {
        throw new IllegalArgumentException(
            "the retry after a busy refusal must be positive, not " + retryAfter);
      }
    }
  }

  /** A check refused because {@link Limits#atOnce} run and {@link Limits#waiting} wait already. */
  public static final class Busy extends RuntimeException {

    private final Duration retryAfter;

    Busy(Limits limits) {
      super(
          "too many sign-ins being checked ("
              + limits.atOnce()
              + " at once, "
              + limits.waiting()
              + " waiting); refused unheard",
          null,
          false,
          false);
      this.retryAfter = limits.retryAfter();
    }

    /** Returns how long the client is told to wait. */
    public Duration retryAfter() {
      return retryAfter;
    }
  }

  private static final AtomicInteger NODES = new AtomicInteger();

  private final Limits limits;
  private final ThreadPoolExecutor pool;

  public PasswordChecks(Limits limits) {
    this.limits = limits;
    int node = NODES.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            limits.atOnce(),
            limits.atOnce(),
            30,
            TimeUnit.SECONDS,
            limits.waiting() == 0
                ? new SynchronousQueue<>()
                : new ArrayBlockingQueue<>(limits.waiting()),
            r ->
                Thread.ofPlatform()
                    .name("vigil-password-check-" + node + "-" + n.incrementAndGet())
                    .daemon(true)
                    .unstarted(r),
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
  }

  /** Checks with {@link Limits#defaults()}. */
  public static PasswordChecks withDefaults() {
    return new PasswordChecks(Limits.defaults());
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Runs {@code check} on one of the threads; the future completes with its result, or fails with
   * what it throws.
   *
   * @throws Busy at once, running nothing, when {@link Limits#atOnce} checks run and {@link
   *     Limits#waiting} wait already (or after {@link #close})
   */
  public <T> CompletableFuture<T> submit(Supplier<T> check) {
    try {
      return CompletableFuture.supplyAsync(check, pool);
    } catch (RejectedExecutionException e) {
      throw new Busy(limits);
    }
  }

  /** Returns the checks waiting for a thread now (for tests and metrics). */
  public int waiting() {
    return pool.getQueue().size();
  }

  /** Refuses new checks; those already taken still run. */
  @Override
  public void close() {
    pool.shutdown();
  }
}
