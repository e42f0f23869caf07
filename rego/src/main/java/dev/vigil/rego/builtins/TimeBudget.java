package dev.vigil.rego.builtins;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The time budget of one query, spent in units of work and checked against a monotonic clock.
 *
 * <p>How it works: every piece of evaluation whose amount depends on the data charges units here
 * (one per expression evaluated, per element iterated, per rule or function body tried, per key of
 * a data document; a builtin one plus the size of its operands and of its result, written out in
 * full ({@link dev.vigil.rego.value.Values#unsharedSize}), since values share parts; builtins that
 * generate or traverse more than that, such as {@code numbers.range} and {@code walk}, one per
 * element as they go). A unit is roughly one evaluation step, some tens of nanoseconds. A builtin
 * that does not charge as it goes runs to its end once called: its cost is bounded by the query's
 * {@link SizeLimit}, since it grows with values that limit keeps in check.
 *
 * <p>Why amortised: reading the clock on every step would cost about as much as the step. The clock
 * is read once every {@link #CHECK_EVERY} units instead, so the check is a counter increment almost
 * always, and a query runs at most that many units (tens of microseconds) past its deadline. The
 * same bound means a query cheaper than {@link #CHECK_EVERY} units answers without looking at the
 * clock at all, whatever its budget. The bound holds only if no path does unbounded work without
 * charging: a loop that does must charge.
 *
 * <p>Why wall time: the clock is monotonic wall time, so time the thread spends waiting for a core
 * counts. The budget bounds how long a caller waits for a decision, and under overload failing
 * closed sheds work where a budget of CPU time would let each evaluation stretch; a thread's CPU
 * clock is also a system call to read (see docs/rego-compatibility.md).
 *
 * <p>One instance per query, used by one thread; shared by every attempt at the query, so that
 * running it again (on a larger stack) does not restart the budget.
 */
public final class TimeBudget {

  /** Units charged between two readings of the clock. */
  public static final int CHECK_EVERY = 1024;

  /** Budgets at least this long (about 146 years) are treated as unlimited. */
  private static final long UNLIMITED_NANOS = 1L << 62;

  private final LongSupplier nanoClock;
  private final long deadline;
  private final boolean limited;
  private long unchecked;

  private TimeBudget(LongSupplier nanoClock, long deadline, boolean limited) {
    this.nanoClock = nanoClock;
    this.deadline = deadline;
    this.limited = limited;
  }

  /**
   * Starts a budget of {@code timeout} now, on {@code nanoClock}.
   *
   * @param timeout how long the query may run, or null for no limit
   * @param nanoClock a monotonic clock in nanoseconds, such as {@code System::nanoTime}
   */
  public static TimeBudget start(Duration timeout, LongSupplier nanoClock) {
    return isUnlimited(timeout) ? unlimited() : start(timeout, nanoClock, nanoClock.getAsLong());
  }

  private static boolean isUnlimited(Duration timeout) {
    return timeout == null || timeout.compareTo(Duration.ofNanos(UNLIMITED_NANOS)) >= 0;
  }

  /**
   * Starts a budget of {@code timeout} from {@code startNanos}, an earlier reading of {@code
   * nanoClock}, for a query whose caller worked for it before it began (reading its input).
   *
   * @param timeout how long the query may run, or null for no limit
   */
  public static TimeBudget start(Duration timeout, LongSupplier nanoClock, long startNanos) {
    if (isUnlimited(timeout)) {
      return unlimited();
    }
    long nanos = Math.max(0, timeout.toNanos());
    return new TimeBudget(nanoClock, startNanos + nanos, true);
  }

  /** Returns a budget that never runs out, for tools and tests that call builtins directly. */
  public static TimeBudget unlimited() {
    return new TimeBudget(() -> 0, 0, false);
  }

  /**
   * Counts {@code units} of work, and reads the clock when {@link #CHECK_EVERY} have built up.
   *
   * @throws RegoException {@code eval_cancel_error} when the deadline has passed
   */
  public void charge(long units) {
    unchecked += units;
    if (unchecked >= CHECK_EVERY) {
      check();
    }
  }

  /** Counts the work of reading or building {@code v}: its size, not counting nested values. */
  public void chargeFor(Value v) {
    charge(weight(v));
  }

  private void check() {
    unchecked = 0;
    // Compared by difference, as nanoTime values may wrap.
    if (limited && nanoClock.getAsLong() - deadline >= 0) {
      throw new RegoException(
          new RegoError("eval_cancel_error", "timeout exceeded", Location.NONE));
    }
  }

  /**
   * The units one pass over a value costs: its element count for a collection (nested values are
   * not counted, as they were paid for when they were built), a unit per 16 characters of a string.
   */
  static long weight(Value v) {
    return switch (v) {
      case ArrayValue a -> a.size();
      case SetValue s -> s.size();
      case ObjectValue o -> o.size();
      case StringValue s -> s.value().length() >> 4;
      case null, default -> 0;
    };
  }
}
