package dev.vigil.pdp;

import dev.vigil.store.DecisionIds;
import io.netty.channel.Channel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs what the decision point's server refuses before any route sees it, as the gateway logs its
 * refusals before policy: a request whose Host cannot be read one way, and each HTTP/2 stream or
 * connection the codec resets for the client's fault ({@link CodecResets}). Each refusal is a
 * denied decision under {@value #PATH} with {@code refusal} (the code), {@code listener} ({@code
 * pdp}), {@code peer} and what the refusal adds, written on the worker pool (a client can cause
 * many at little cost, and the event loop must not write the service log). When the decision log is
 * full the refusal is counted by code instead ({@link UnloggedRefusals}); without a decision log it
 * is only a warning. Warnings are held to {@value #WARNINGS_PER_MINUTE} a minute. Thread-safe.
 */
final class ServerRefusals implements CodecResets.RefusalListener {

  /** The path refusals are logged under; no policy is asked. */
  static final String PATH = "vigil/pdp/request";

  static final int WARNINGS_PER_MINUTE = 20;

  private static final Logger log = LoggerFactory.getLogger(ServerRefusals.class);

  private final Vertx vertx;
  private final DecisionPoint pdp;
  private final AtomicLong minute = new AtomicLong(-1);
  private final AtomicLong warned = new AtomicLong();

  ServerRefusals(Vertx vertx, DecisionPoint pdp) {
    this.vertx = vertx;
    this.pdp = pdp;
  }

  /** Logs a request refused before routing; see the class comment. */
  void refuse(HttpServerRequest req, String code, String reason) {
    String peer =
        req.remoteAddress() == null || req.remoteAddress().hostAddress() == null
            ? "unknown"
            : req.remoteAddress().hostAddress();
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("method", req.method().name());
    extra.put("version", req.version().alpnName());
    vertx.executeBlocking(() -> write(peer, code, reason, extra), false);
  }

  @Override
  public void refuse(Channel channel, String code, String reason, Map<String, String> fields) {
    String peer =
        channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
            ? a.getAddress().getHostAddress()
            : "unknown";
    vertx.executeBlocking(() -> write(peer, code, reason, fields), false);
  }

  private String write(String peer, String code, String reason, Map<String, String> extra) {
    String id = DecisionIds.next();
    Instant now = pdp.options().clock().instant();
    UnloggedRefusals sink = pdp.unloggedRefusals();
    if (sink != null) {
      try {
        sink.offer(
            code,
            () ->
                RefusalEvents.listenerRecord(
                    id, now, PATH, "pdp", peer, code, reason, extra, pdp.options().node()));
      } catch (IllegalStateException e) {
        // A closed log at shutdown: the warning below still tells of the refusal.
        log.error("decision log refused the refusal {}: {}", id, e.getMessage());
      }
    }
    if (admit(now.toEpochMilli())) {
      log.warn(
          "request refused before routing: refusal={} peer={} reason={} decision_id={}",
          code,
          peer,
          reason,
          id);
    }
    return id;
  }

  /** Whether one more warning fits this minute. */
  private boolean admit(long nowMs) {
    long m = nowMs / 60_000;
    if (minute.getAndSet(m) != m) {
      warned.set(0);
    }
    return warned.incrementAndGet() <= WARNINGS_PER_MINUTE;
  }
}
