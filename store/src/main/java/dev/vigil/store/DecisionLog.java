package dev.vigil.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable decision log: decisions are queued by the decide path and written in batches by one
 * background thread.
 *
 * <p>How it works: {@link #append} puts the record on a bounded queue and returns a future at once;
 * the decide path never waits on the database. The writer thread takes everything queued (up to a
 * batch size), stores it as one batch in one transaction (see {@link DecisionBatch}) and completes
 * the futures only after the commit, so a completed future means the event survives a crash. A
 * failed write is retried with backoff; if it keeps failing the futures fail, and the caller sees
 * it. When the queue is full the configured {@link OverflowPolicy} applies: wait for room, or
 * refuse at once so the caller fails closed. Nothing is dropped silently, and {@link #stats()}
 * shows the lag.
 *
 * <p>Thread-safe.
 */
public final class DecisionLog implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DecisionLog.class);

  /**
   * How the log behaves.
   *
   * @param capacity events that may wait to be written
   * @param maxBatch events written in one transaction at most
   * @param overflow what to do when the queue is full
   * @param blockTimeout how long {@link OverflowPolicy#BLOCK} waits before failing closed
   * @param retryFor how long a failing write is retried before its events fail, unless it fails
   *     because the store is out of reach ({@link #outOfReach}): that write is retried until the
   *     store answers again or the log closes, the events behind it waiting in the queue
   * @param linger how long after an event is queued the writer may wait for more before it commits;
   *     zero commits whatever is queued at once
   */
  public record Options(
      int capacity,
      int maxBatch,
      OverflowPolicy overflow,
      Duration blockTimeout,
      Duration retryFor,
      Duration linger) {

    /**
     * The defaults: 65,536 queued events, 2,000 per transaction, callers wait up to 5 s for room,
     * failing writes are retried for 10 s, and a batch gathers for up to 10 ms.
     *
     * <p>Why the linger: each commit writes the pages it touched and syncs the file, whatever the
     * number of events in it. Behind the gateway at about 24,000 decisions/s on two cores, the
     * writer spent 10–13 µs per decision with 2 ms (about 480 commits/s, a quarter of the writer's
     * time in {@code fsync}) and 6–7 µs with 10 ms, together with the store's larger checkpoint
     * interval; 20 ms did no better. No request waits for it: callers get the decision at once, and
     * only the acknowledgement of durability comes up to 10 ms later.
     */
    public static Options defaults() {
      return new Options(
          65_536,
          2_000,
          OverflowPolicy.BLOCK,
          Duration.ofSeconds(5),
          Duration.ofSeconds(10),
          Duration.ofMillis(10));
    }

    public Options withCapacity(int c) {
      return new Options(c, maxBatch, overflow, blockTimeout, retryFor, linger);
    }

    public Options withOverflow(OverflowPolicy o) {
      return new Options(capacity, maxBatch, o, blockTimeout, retryFor, linger);
    }

    public Options withLinger(Duration l) {
      return new Options(capacity, maxBatch, overflow, blockTimeout, retryFor, l);
    }
  }

  /**
   * One queued event. The record is made by the writer thread, so that a caller on a busy thread
   * can hand over the rendering of the event text with it. Only the writer thread makes it.
   */
  private static final class Pending {
    private final Supplier<DecisionRecord> record;
    private final CompletableFuture<Void> done;
    private final long enqueuedNanos;
    private DecisionRecord made;
    private RuntimeException failure;

    Pending(Supplier<DecisionRecord> record, CompletableFuture<Void> done, long enqueuedNanos) {
      this.record = record;
      this.done = done;
      this.enqueuedNanos = enqueuedNanos;
    }

    CompletableFuture<Void> done() {
      return done;
    }

    long enqueuedNanos() {
      return enqueuedNanos;
    }

    /** Makes the record once; a time the log cannot store fails the event here, not its batch. */
    void make() {
      if (made != null || failure != null) {
        return;
      }
      try {
        DecisionRecord r = record.get();
        micros(r.timestamp());
        made = r;
      } catch (RuntimeException e) {
        failure = e;
      }
    }
  }

  /**
   * How often a lingering batch makes the records that came meanwhile. Why: made all at once when
   * the linger ends, a batch of 500 decisions held a core for about 2 ms, while the event loop, its
   * clients and its upstreams shared the other; made as they come, the same work is cut into short
   * runs between theirs.
   */
  private static final long MAKE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private static final String INSERT_BATCH =
      "INSERT INTO decision_batches (attempt, size, denied, min_ts_us, max_ts_us)"
          + " VALUES (?,?,?,?,?) ON CONFLICT (attempt) DO NOTHING RETURNING seq";
  private static final String INSERT_EVENTS =
      "INSERT INTO decision_events (batch, events) VALUES (?,?)";

  /**
   * A key the database holds already for the batch is a key, not a failure: keys are distinct in
   * Java, but should two of them ever be stored alike, the batch must not be lost over it.
   */
  private static final String INSERT_KEY =
      "INSERT INTO decision_keys (key, batch) VALUES (?,?) ON CONFLICT (key, batch) DO NOTHING";

  private final Store store;
  private final Options options;
  private final BlockingQueue<Pending> queue;
  private final Thread writer;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private volatile long inflightOldestNanos;
  private volatile int inflight;

  /**
   * Events accepted whose outcome (durable or failed) is not known yet: queued, gathered into a
   * batch, or being written. Counted up before an event is queued and down before its future
   * completes, so {@link #stats()} never shows an acknowledged event as pending, nor a pending one
   * as gone.
   */
  private final AtomicInteger unwritten = new AtomicInteger();

  private volatile boolean closing;

  public DecisionLog(Store store, Options options) {
    if (options.capacity() < 1 || options.maxBatch() < 1) {
      throw new IllegalArgumentException("decision log capacity and batch size must be positive");
    }
    if (options.linger().isNegative()) {
      throw new IllegalArgumentException("decision log linger must not be negative");
    }
    this.store = store;
    this.options = options;
    this.queue = new ArrayBlockingQueue<>(options.capacity());
    this.writer = Thread.ofPlatform().name("vigil-decision-log").daemon(true).unstarted(this::run);
    writer.start();
  }

  /**
   * Queues a decision for writing. The future completes once the event is durable, or fails with
   * the reason it could not be written.
   *
   * @throws DecisionLogFullException when the queue is full and the policy is to fail closed (or
   *     the wait of {@link OverflowPolicy#BLOCK} ran out)
   * @throws IllegalStateException after {@link #close()}
   */
  public CompletableFuture<Void> append(DecisionRecord record) {
    return append(() -> record);
  }

  /**
   * Queues a decision whose record is made on the writer thread, as {@link #append(DecisionRecord)}
   * does otherwise. The supplier must be cheap to keep and safe to call from another thread.
   */
  public CompletableFuture<Void> append(Supplier<DecisionRecord> record) {
    if (closing) {
      throw new IllegalStateException("decision log is closed");
    }
    Pending p = new Pending(record, new CompletableFuture<>(), System.nanoTime());
    boolean queued;
    unwritten.incrementAndGet();
    if (options.overflow() == OverflowPolicy.FAIL_CLOSED) {
      queued = queue.offer(p);
    } else {
      try {
        queued = queue.offer(p, options.blockTimeout().toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        queued = false;
      }
    }
    if (!queued) {
      unwritten.decrementAndGet();
      rejected.incrementAndGet();
      throw new DecisionLogFullException(options.capacity());
    }
    return p.done();
  }

  /**
   * Queues a decision only if there is room now, without waiting and without counting a refusal:
   * for callers on an event loop, which must not block and can retry with {@link #append} on a
   * thread that may wait.
   *
   * @param record makes the record, on the writer thread
   * @return the future of {@link #append}, or null when the queue is full
   * @throws IllegalStateException after {@link #close()}
   */
  public CompletableFuture<Void> tryAppend(Supplier<DecisionRecord> record) {
    if (closing) {
      throw new IllegalStateException("decision log is closed");
    }
    Pending p = new Pending(record, new CompletableFuture<>(), System.nanoTime());
    unwritten.incrementAndGet();
    if (queue.offer(p)) {
      return p.done();
    }
    unwritten.decrementAndGet();
    return null;
  }

  /** Returns the current counters and lag. */
  public DecisionLogStats stats() {
    long now = System.nanoTime();
    long oldest = 0;
    if (inflight > 0) {
      oldest = now - inflightOldestNanos;
    } else {
      Pending head = queue.peek();
      if (head != null) {
        oldest = now - head.enqueuedNanos();
      }
    }
    return new DecisionLogStats(
        unwritten.get(), written.get(), rejected.get(), failed.get(), oldest, batches.get());
  }

  private void run() {
    BackgroundScheduling.batchCurrentThread();
    List<Pending> batch = new ArrayList<>(options.maxBatch());
    while (true) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing && queue.isEmpty()) {
            return;
          }
          continue;
        }
        inflightOldestNanos = first.enqueuedNanos();
        inflight = 1;
        batch.add(first);
        queue.drainTo(batch, options.maxBatch() - 1);
        linger(first, batch);
        inflight = batch.size();
        writeWithRetry(batch);
      } catch (InterruptedException e) {
        if (closing) {
          abandon(batch);
          return;
        }
      } catch (RuntimeException e) {
        // Whatever went wrong with this batch, the writer lives on for the next one.
        log.error("decision log batch could not be written: {}", e.toString());
        fail(batch, new StoreException("decision log write failed: " + e, e));
      } finally {
        inflight = 0;
        batch.clear();
      }
    }
  }

  /** Fails the events of a batch the writer gives up on as the log closes. */
  private void abandon(List<Pending> batch) {
    fail(batch, new StoreException("decision log closed before writing"));
  }

  /** Fails the events of a batch that are not settled yet. */
  private void fail(List<Pending> batch, StoreException why) {
    for (Pending p : batch) {
      if (!p.done().isDone()) {
        failed.incrementAndGet();
        unwritten.decrementAndGet();
        p.done().completeExceptionally(why);
      }
    }
  }

  /**
   * Lets a batch that is not full gather more events until {@link Options#linger()} after its first
   * one was queued, making the records of those that came every {@link #MAKE_EVERY_NANOS}, then
   * takes what came.
   */
  private void linger(Pending first, List<Pending> batch) {
    long end = first.enqueuedNanos() + options.linger().toNanos();
    int made = 0;
    while (batch.size() < options.maxBatch() && !closing) {
      long wait = end - System.nanoTime();
      if (wait <= 0) {
        return;
      }
      for (; made < batch.size(); made++) {
        batch.get(made).make();
      }
      LockSupport.parkNanos(Math.min(wait, MAKE_EVERY_NANOS));
      queue.drainTo(batch, options.maxBatch() - batch.size());
    }
  }

  private void writeWithRetry(List<Pending> pending) throws InterruptedException {
    List<DecisionRecord> batch = records(pending);
    if (batch.isEmpty()) {
      return;
    }
    List<Encoded> encoded = encode(batch);
    long began = System.nanoTime();
    long deadline = began + options.retryFor().toNanos();
    long backoffMs = 50;
    long nextWarning = began;
    while (true) {
      try {
        write(encoded);
        written.addAndGet(batch.size());
        batches.incrementAndGet();
        // Counted as durable before anyone is told, so stats() never lags an acknowledgement.
        inflight = 0;
        unwritten.addAndGet(-pending.size());
        for (Pending p : pending) {
          p.done().complete(null);
        }
        return;
      } catch (SQLException | RuntimeException e) {
        long now = System.nanoTime();
        // A store out of reach is waited for, however long: its events stay queued, and once the
        // queue is full the overflow policy decides (wait, then deny). Any other failure (a batch
        // the store refuses) gives up after retryFor, so one bad batch cannot stop the log.
        boolean waitForStore = outOfReach(e) && !closing;
        if (now > deadline && !waitForStore) {
          failed.addAndGet(batch.size());
          log.error(
              "decision log write failed after retries; {} events not logged, first id {}: {}",
              batch.size(),
              batch.get(0).decisionId(),
              Store.firstLine(e.getMessage()));
          StoreException failure =
              new StoreException(
                  "decision log write failed: " + Store.firstLine(e.getMessage()), e);
          unwritten.addAndGet(-pending.size());
          for (Pending p : pending) {
            p.done().completeExceptionally(failure);
          }
          return;
        }
        if (now >= nextWarning) {
          log.warn(
              "decision log write failed {} s ago, {} events waiting, retrying every {} ms: {}",
              TimeUnit.NANOSECONDS.toSeconds(now - began),
              unwritten.get(),
              Math.min(backoffMs * 2, 1_000),
              Store.firstLine(e.getMessage()));
          // Once a minute while it lasts, not at every retry.
          nextWarning = now + TimeUnit.MINUTES.toNanos(1);
        }
        Thread.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 1_000);
      }
    }
  }

  /**
   * Tells whether a write failed because the store could not be reached (a connection refused,
   * broken or timed out, the server shutting down), rather than because it refused the batch.
   */
  static boolean outOfReach(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof SQLRecoverableException) {
        return true;
      }
      if (t instanceof SQLException s
          && s.getSQLState() != null
          && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P0"))) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** Makes the batch's records; an event that cannot be made fails alone, not its batch. */
  private List<DecisionRecord> records(List<Pending> pending) {
    List<DecisionRecord> records = new ArrayList<>(pending.size());
    for (var it = pending.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      p.make();
      if (p.failure != null) {
        it.remove();
        failed.incrementAndGet();
        unwritten.decrementAndGet();
        log.error("decision log event could not be made: {}", p.failure.toString());
        p.done()
            .completeExceptionally(
                new StoreException("decision log event: " + p.failure, p.failure));
      } else {
        records.add(p.made);
      }
    }
    return records;
  }

  /**
   * A batch ready to write: its record, keys and summary, made once and reused by every retry.
   *
   * @param attempt the batch's own id, the same on every retry of it
   */
  record Encoded(
      String attempt,
      int size,
      int denied,
      long minUs,
      long maxUs,
      byte[] events,
      Set<String> keys) {}

  /**
   * The most a batch's record may hold, counting 3 bytes per character. The databases refuse a
   * value of about 1 GB (SQLite's SQLITE_TOOBIG, PostgreSQL's 1 GB field limit), and a batch of
   * 2,000 decisions whose inputs are up to the API's 8 MiB each could pass that: the whole batch,
   * other callers' decisions with it, then failed after retrying for {@link Options#retryFor}. A
   * batch larger than this is stored as several records, in the same transaction.
   */
  static final long MAX_RECORD_BYTES = 16L << 20;

  /** Encodes the decisions of one commit: one record, or several when they are large. */
  static List<Encoded> encode(List<DecisionRecord> batch) {
    List<Encoded> out = new ArrayList<>(1);
    int from = 0;
    long bytes = 0;
    for (int i = 0; i < batch.size(); i++) {
      long b = bound(batch.get(i));
      if (i > from && bytes + b > MAX_RECORD_BYTES) {
        out.add(encodeOne(batch.subList(from, i)));
        from = i;
        bytes = 0;
      }
      bytes += b;
    }
    out.add(encodeOne(batch.subList(from, batch.size())));
    return out;
  }

  /** The most bytes a decision can take in a record. */
  private static long bound(DecisionRecord r) {
    long chars =
        (long) r.decisionId().length()
            + r.path().length()
            + (r.subject() == null ? 0 : r.subject().length())
            + (r.route() == null ? 0 : r.route().length())
            + r.mode().length()
            + r.node().length();
    return 3 * chars + 40 + r.event().storedBound();
  }

  private static Encoded encodeOne(List<DecisionRecord> batch) {
    int denied = 0;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (DecisionRecord r : batch) {
      denied += r.allowed() ? 0 : 1;
      long us = micros(r.timestamp());
      min = Math.min(min, us);
      max = Math.max(max, us);
    }
    return new Encoded(
        UUID.randomUUID().toString(),
        batch.size(),
        denied,
        min,
        max,
        DecisionBatch.encode(batch),
        DecisionBatch.keys(batch));
  }

  /**
   * Writes one commit's batches in one transaction: for each, its summary row, its record and its
   * keys. When the first batch's attempt id is already stored, the transaction went through on an
   * earlier try and nothing is written again.
   */
  private void write(List<Encoded> batches) throws SQLException {
    try (Connection c = store.dataSource().getConnection()) {
      Store.begin(c);
      try {
        for (Encoded b : batches) {
          if (!write(c, b)) {
            c.rollback();
            return;
          }
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // The connection is already broken; the retry takes a new one from the pool.
        }
        throw e;
      }
    }
  }

  /** Writes one batch; false when its attempt id is already stored. */
  private static boolean write(Connection c, Encoded b) throws SQLException {
    long seq;
    try (PreparedStatement ps = c.prepareStatement(INSERT_BATCH)) {
      ps.setString(1, b.attempt());
      ps.setInt(2, b.size());
      ps.setInt(3, b.denied());
      ps.setLong(4, b.minUs());
      ps.setLong(5, b.maxUs());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return false;
        }
        seq = rs.getLong(1);
      }
    }
    try (PreparedStatement ps = c.prepareStatement(INSERT_EVENTS)) {
      ps.setLong(1, seq);
      ps.setBytes(2, b.events());
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(INSERT_KEY)) {
      for (String key : b.keys()) {
        ps.setString(1, key);
        ps.setLong(2, seq);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    return true;
  }

  static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }

  /**
   * Stops taking new events, writes everything already queued, and stops the writer. Waits up to
   * the given time; events still queued after it fail with an error rather than vanish.
   */
  public void close(Duration wait) {
    closing = true;
    try {
      writer.join(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long before = failed.get();
    if (writer.isAlive()) {
      writer.interrupt();
      try {
        writer.join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      failed.incrementAndGet();
      unwritten.decrementAndGet();
      p.done().completeExceptionally(new StoreException("decision log closed before writing"));
    }
    long lost = failed.get() - before;
    if (lost > 0) {
      log.error("decision log closed with {} events not written: they are not logged", lost);
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
