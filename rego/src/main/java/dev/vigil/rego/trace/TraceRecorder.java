package dev.vigil.rego.trace;

import dev.vigil.rego.eval.TraceEvent;
import dev.vigil.rego.eval.TraceEvent.Op;
import dev.vigil.rego.eval.Tracer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the events of one evaluation that an explanation mode asks for, up to a limit.
 *
 * <p>{@code full} keeps every event. {@code notes} and {@code fails} keep each note (or failed
 * expression) with its context, as OPA's lineage filter does: the latest Enter or Redo of a rule or
 * body of the event's query, of that query's parent, and so on up to the query asked, then the
 * event itself. Context already shown is not repeated: after each kept event only the Enter and
 * Redo events that come later count as context. The filter runs as events arrive, so a long
 * evaluation keeps only what it will show.
 *
 * <p>Not thread-safe: one recorder per evaluation.
 */
public final class TraceRecorder implements Tracer {

  /** The explanation modes. */
  public enum Mode {
    /** Notes of {@code trace(msg)}, with their context. */
    NOTES,
    /** Expressions that failed, with their context. */
    FAILS,
    /** Every event. */
    FULL;

    /**
     * Returns the mode of an {@code explain} parameter: {@code notes}, {@code fails}, {@code full}
     * or {@code debug} (the same as full: Vigil records no events that full leaves out); null for
     * any other value, {@code off} and other spellings such as {@code Notes} included, as OPA reads
     * the parameter.
     */
    public static Mode of(String explain) {
      if (explain == null) {
        return null;
      }
      return switch (explain) {
        case "notes" -> NOTES;
        case "fails" -> FAILS;
        case "full", "debug" -> FULL;
        default -> null;
      };
    }
  }

  private final Mode mode;
  private final int limit;
  private final List<TraceEvent> kept = new ArrayList<>();
  private final Map<Integer, TraceEvent> context = new HashMap<>();
  private boolean truncated;

  /**
   * @param mode which events to keep
   * @param limit the most events kept; later ones are dropped and {@link #truncated()} says so
   */
  public TraceRecorder(Mode mode, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, not " + limit);
    }
    this.mode = mode;
    this.limit = limit;
  }

  @Override
  public void event(TraceEvent e) {
    if (truncated) {
      return;
    }
    if (mode == Mode.FULL) {
      keep(e);
      return;
    }
    if (e.op() == (mode == Mode.NOTES ? Op.NOTE : Op.FAIL)) {
      List<TraceEvent> path = new ArrayList<>();
      TraceEvent at = context.get(e.queryId());
      TraceEvent before = null;
      while (at != null && at != before) {
        path.add(at);
        before = at;
        at = context.get(at.parentId());
      }
      for (int i = path.size() - 1; i >= 0; i--) {
        keep(path.get(i));
      }
      keep(e);
      context.clear();
    }
    if ((e.op() == Op.ENTER || e.op() == Op.REDO)
        && (e.node() instanceof TraceEvent.RuleNode || e.node() instanceof TraceEvent.BodyNode)) {
      context.put(e.queryId(), e);
    }
  }

  private void keep(TraceEvent e) {
    if (kept.size() == limit) {
      truncated = true;
      return;
    }
    kept.add(e);
  }

  @Override
  public void restart() {
    kept.clear();
    context.clear();
    truncated = false;
  }

  /** Returns the events kept, in order. */
  public List<TraceEvent> events() {
    return kept;
  }

  /** Returns true when the limit was reached and later events were dropped. */
  public boolean truncated() {
    return truncated;
  }

  public Mode mode() {
    return mode;
  }
}
