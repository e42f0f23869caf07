package dev.vigil.gateway.sidecar;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.RefusalEvents;
import dev.vigil.pdp.RequestFraming;
import dev.vigil.pdp.UnloggedRefusals;
import dev.vigil.store.DecisionIds;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the sidecar's refusals that happen before any policy runs: a peer certificate that is not
 * a valid X.509-SVID of a trusted domain, a server with another SPIFFE ID than expected, a caller
 * without a certificate on a STRICT port. Each becomes an event in the decision point's decision
 * log, under the path {@value #PATH}, so that one search shows every refusal with its reason, and a
 * warning in the service log. The edge gateway and the control plane log theirs through it under
 * paths of their own.
 *
 * <p>A refusal never waits for room in the decision log: the request is refused whatever its entry
 * does, and waiting would only let a flood of garbage hold the worker threads. When the log is full
 * the refusal is counted by its code instead, and summed up later in one event and one warning
 * ({@link UnloggedRefusals}); it then has no decision id and no warning of its own.
 *
 * <p>The warnings are rate-limited, since a client can cause refusals at little cost: at most
 * {@value #WARNINGS_PER_MINUTE} a minute for each listener and code, then one line saying that
 * further ones are not shown, and at the first refusal of a later minute one line with how many
 * were not shown. The decision log keeps every event. Thread-safe.
 */
public final class RefusalLog {

  /** The path refusals are logged under; no policy is asked. */
  static final String PATH = "vigil/sidecar/peer";

  private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);

  /** The most warnings a minute for one listener and code, besides the two summary lines. */
  static final int WARNINGS_PER_MINUTE = 20;

  /** The most listener and code pairs counted apart; the others share one count. */
  private static final int MAX_KEYS = 256;

  private static final long MINUTE_MS = 60_000;

  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  private final DecisionPoint pdp;
  private final InstantSource clock;
  private final String path;

  RefusalLog(DecisionPoint pdp, InstantSource clock) {
    this(pdp, clock, PATH);
  }

  /** Logs refusals under {@code path}, for another component than the sidecar. */
  public RefusalLog(DecisionPoint pdp, InstantSource clock, String path) {
    this.pdp = pdp;
    this.clock = clock;
    this.path = path;
  }

  /**
   * Logs one refusal and returns its decision id.
   *
   * @param listener the sidecar listener that refused
   * @param peer the peer's address, or {@code unknown}
   * @param code a stable code, such as an {@code SvidRejectedException} reason
   * @param reason the reason in words
   */
  String refuse(String listener, String peer, String code, String reason) {
    return refuse(listener, peer, code, reason, Map.of());
  }

  /**
   * Logs one refusal on the worker pool of {@code vertx}, as every listener must: the call never
   * waits for room in the decision log, but it writes the service log, which an event loop serving
   * every other connection must not. The future gives the decision id, or null when the log had no
   * room and the refusal was counted instead.
   */
  public Future<String> refuseOnWorker(
      Vertx vertx,
      String listener,
      String peer,
      String code,
      String reason,
      Map<String, String> extra) {
    return vertx.executeBlocking(() -> refuse(listener, peer, code, reason, extra), false);
  }

  /**
   * Logs one refusal with more fields in its event, and returns its decision id, or null when the
   * decision log had no room and the refusal was counted under {@code code} instead. Never waits.
   */
  public String refuse(
      String listener, String peer, String code, String reason, Map<String, String> extra) {
    String id = DecisionIds.next();
    Instant now = clock.instant();
    UnloggedRefusals sink = pdp.unloggedRefusals();
    if (sink != null) {
      Map<String, String> fields = new LinkedHashMap<>(extra);
      try {
        if (sink.offer(
                code,
                () ->
                    RefusalEvents.listenerRecord(
                        id, now, path, listener, peer, code, reason, fields, pdp.options().node()))
            == null) {
          return null;
        }
      } catch (IllegalStateException ex) {
        // A closed log: the connection is refused either way; the service log below holds it.
        log.error("decision log refused the refusal {}: {}", id, ex.getMessage());
      }
    }
    String key = listener + ' ' + code;
    if (windows.size() >= MAX_KEYS && !windows.containsKey(key)) {
      key = "";
    }
    int shown = windows.computeIfAbsent(key, k -> new Window()).admit(now.toEpochMilli());
    if (shown > 0) {
      log.warn(
          "{} more refusals not shown in the last minute: listener={} code={} (see vigil logs"
              + " --path {})",
          shown,
          listener,
          code,
          path);
    }
    if (shown >= 0) {
      log.warn(
          "refused peer: path={} listener={} peer={} code={} decision_id={} reason={}",
          path,
          listener,
          peer,
          code,
          id,
          reason);
    } else if (shown == Window.FIRST_HIDDEN) {
      log.warn(
          "more than {} refusals a minute: listener={} code={}; further ones are not shown this"
              + " minute (see vigil logs --path {})",
          WARNINGS_PER_MINUTE,
          listener,
          code,
          path);
    }
    return id;
  }

  /** The warnings of one listener and code in the current minute. */
  private static final class Window {

    /** {@link #admit}: the first refusal of the minute not shown. */
    static final int FIRST_HIDDEN = -1;

    /** {@link #admit}: a refusal not shown, after the first. */
    static final int HIDDEN = -2;

    private long start = Long.MIN_VALUE;
    private int count;
    private int hidden;

    /**
     * Counts one refusal at {@code nowMs}: returns how many of the last minute were not shown (0 or
     * more) when this one is shown, else {@link #FIRST_HIDDEN} or {@link #HIDDEN}.
     */
    synchronized int admit(long nowMs) {
      int before = 0;
      if (start == Long.MIN_VALUE || nowMs - start >= MINUTE_MS || nowMs < start) {
        before = hidden;
        start = nowMs;
        count = 0;
        hidden = 0;
      }
      if (count < WARNINGS_PER_MINUTE) {
        count++;
        return before;
      }
      hidden++;
      return hidden == 1 ? FIRST_HIDDEN : HIDDEN;
    }
  }

  /**
   * The code and reason a request whose head could not be read is refused with: {@code TOO_LONG}
   * for a head or line over the limits, {@code NO_HOST} for an upgrade to h2c without a Host,
   * {@code BAD_FRAMING} otherwise ({@link RequestFraming#code}), with the decoder's message.
   */
  public record InvalidHead(String code, String reason) {

    public static InvalidHead of(HttpServerRequest req) {
      Throwable cause = req.decoderResult().cause();
      return new InvalidHead(
          RequestFraming.code(cause),
          cause == null || cause.getMessage() == null
              ? "the request head cannot be read"
              : cause.getMessage());
    }
  }
}
