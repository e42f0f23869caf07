package dev.vigil.gateway.auth;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Blocking work of one kind that strangers can ask for (a sign-in's password hash, a one-time code
 * recorded in the store, an identity provider's discovery, token exchange or keys), run on a few
 * threads of its own with a bounded queue in front of them.
 *
 * <p>Why: run on Vert.x's shared worker pool and queued without limit, a flood of such requests
 * queued as much work as it sent, and every other blocking task of the node (reading the assertion
 * keys, decisions moved off the event loop, writing refusals) waited behind it. Here at most {@link
 * Limits#atOnce} tasks run at once and at most {@link Limits#waiting} wait; a task asked for beyond
 * that is refused at once ({@link Busy}), before anything of it runs, so the caller can answer 503
 * with {@code Retry-After} and the rest of the node goes on.
 *
 * <p>Thread-safe. The threads are daemons and end after 30 s without work; {@link #close} stops
 * them sooner.
 */
public class BoundedWork implements AutoCloseable {

  /**
   * The bounds.
   *
   * @param atOnce tasks run at once, each on a thread of its own
   * @param waiting tasks waiting for a thread at most
   * @param retryAfter what a refused client is told to wait ({@code Retry-After})
   */
  public record Limits(int atOnce, int waiting, Duration retryAfter) {

    /**
     * For work that takes a core (a password hash): half the cores (at least one) at once, 16
     * waiting per thread (well under a second of wait at the default hash cost), and a retry after
     * one second.
     */
    public static Limits defaults() {
      int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
      return new Limits(threads, 16 * threads, Duration.ofSeconds(1));
    }

    /**
     * For work that mostly waits on another server (an identity provider's answer): four threads
     * per core (at least four) at once, 16 waiting per thread, and a retry after one second.
     */
    public static Limits waitingOnPeers() {
      int threads = Math.max(4, 4 * Runtime.getRuntime().availableProcessors());
      return new Limits(threads, 16 * threads, Duration.ofSeconds(1));
    }

    public Limits {
      if (atOnce < 1 || atOnce > 256) {
        throw new IllegalArgumentException("tasks at once must be 1 to 256, not " + atOnce);
      }
      if (waiting < 0 || waiting > 65_536) {
        throw new IllegalArgumentException("tasks waiting must be 0 to 65536, not " + waiting);
      }
      if (retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()) {
        throw new IllegalArgumentException(
            "the retry after a busy refusal must be positive, not " + retryAfter);
      }
    }
  }

  /** A task refused because {@link Limits#atOnce} run and {@link Limits#waiting} wait already. */
  public static final class Busy extends RuntimeException {

    private final Duration retryAfter;

    Busy(String work, Limits limits) {
      super(
          "too many "
              + work
              + " ("
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

    /** Returns the wait in whole seconds, rounded up, for {@code Retry-After}. */
    public long retryAfterSeconds() {
      return (retryAfter.toMillis() + 999) / 1000;
    }
  }

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final String work;
  private final Limits limits;
  private final ThreadPoolExecutor pool;

  /**
   * One per task running or waiting. A task gives its permit back before its future completes, so a
   * task asked for once another has ended is never refused for it, as an executor's own bound
   * refuses it until the freed thread has come back for more.
   */
  private final Semaphore permits;

  /**
   * @param threadName the prefix of the threads' names, such as {@code vigil-password-check}
   * @param work what the tasks are, plural, for the {@link Busy} message ("sign-ins being checked")
   */
  public BoundedWork(String threadName, String work, Limits limits) {
    this.work = work;
    this.limits = limits;
    this.permits = new Semaphore(limits.atOnce() + limits.waiting());
    int id = POOLS.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            limits.atOnce(),
            limits.atOnce(),
            30,
            TimeUnit.SECONDS,
            // Unbounded here: the permits bound what is queued to the tasks that may wait.
            new LinkedBlockingQueue<>(),
            r ->
                Thread.ofPlatform()
                    .name(threadName + "-" + id + "-" + n.incrementAndGet())
                    .daemon(true)
                    .unstarted(r),
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
  }

  /**
   * Returns the bound on an identity provider's calls made for sign-ins (discovery, token exchange,
   * keys), with {@link Limits#waitingOnPeers()}.
   */
  public static BoundedWork providerCalls() {
    return providerCalls(Limits.waitingOnPeers());
  }

  /** Returns a bound on an identity provider's calls made for sign-ins, with these limits. */
  public static BoundedWork providerCalls(Limits limits) {
    return new BoundedWork(
        "vigil-provider-call", "sign-ins waiting on the identity provider", limits);
  }

  /**
   * Returns the bound on checks of bearer tokens and refreshes of provider sessions, with {@link
   * Limits#waitingOnPeers()}: work any request can ask for (a token with a key the node must fetch,
   * a session about to expire), kept apart from the sign-ins' own bound so that a flood of tokens
   * does not stop people signing in.
   */
  public static BoundedWork tokenChecks() {
    return tokenChecks(Limits.waitingOnPeers());
  }

  /** Returns a bound on bearer-token checks and session refreshes, with these limits. */
  public static BoundedWork tokenChecks(Limits limits) {
    return new BoundedWork(
        "vigil-token-check", "bearer tokens and sessions waiting on the identity provider", limits);
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Runs {@code task} on one of the threads; the future completes with its result, or fails with
   * what it throws.
   *
   * @throws Busy at once, running nothing, when {@link Limits#atOnce} tasks run and {@link
   *     Limits#waiting} wait already (or after {@link #close})
   */
  public <T> CompletableFuture<T> submit(Supplier<T> task) {
    if (!permits.tryAcquire()) {
      throw new Busy(work, limits);
    }
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            try {
              return task.get();
            } finally {
              permits.release();
            }
          },
          pool);
    } catch (RejectedExecutionException e) {
      permits.release();
      throw new Busy(work, limits);
    }
  }

  /** Returns the tasks waiting for a thread now (for tests and metrics). */
  public int waiting() {
    return pool.getQueue().size();
  }

  /** Refuses new tasks; those already taken still run. */
  @Override
  public void close() {
    pool.shutdown();
  }
}
