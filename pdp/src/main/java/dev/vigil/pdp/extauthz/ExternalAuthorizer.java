package dev.vigil.pdp.extauthz;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.RefusalEvents;
import dev.vigil.pdp.UnloggedRefusals;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionIds;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one decide call behind every external-authorization adapter (Envoy HTTP and gRPC, nginx
 * {@code auth_request}, Traefik ForwardAuth): builds the input, asks the decision point, and turns
 * the decision into a verdict.
 *
 * <p>Fail closed: an evaluation error, a decision log that cannot take the entry, or any exception
 * denies, in every mode. Only JSON {@code true}, or an object whose {@code allow} is {@code true},
 * allows (case C16); a denial in monitor or observe mode is let through and stays in the log. Each
 * call makes exactly one decision, so one decision-log entry per request.
 *
 * <p>Identity headers: when the answer is an object with a {@code headers} object, its string
 * members become headers of the forwarded request (names must be HTTP tokens, values single-line,
 * at most {@value #MAX_HEADERS} of them; others are dropped).
 *
 * <p>Thread-safe.
 */
public final class ExternalAuthorizer {

  /** The header that carries the decision id to the upstream and the caller. */
  public static final String DECISION_ID_HEADER = "x-vigil-decision-id";

  static final int MAX_HEADERS = 32;

  private static final Logger log = LoggerFactory.getLogger(ExternalAuthorizer.class);
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
  private static final Set<String> RESERVED =
      Set.of(
          "host",
          "content-length",
          "transfer-encoding",
          "connection",
          "upgrade",
          "te",
          "trailer",
          "keep-alive",
          DECISION_ID_HEADER);

  private final DecisionPoint pdp;
  private final PdpMetrics metrics;
  private final PolicyPath path;
  private final PolicyInputBuilder inputs;

  /**
   * @param pdp the decision point to ask
   * @param metrics where decisions are counted, or null
   * @param path the policy path of every adapter decision, e.g. {@code authz/allow}
   * @param inputs builds the input of a request
   */
  public ExternalAuthorizer(
      DecisionPoint pdp, PdpMetrics metrics, PolicyPath path, PolicyInputBuilder inputs) {
    this.pdp = pdp;
    this.metrics = metrics;
    this.path = path;
    this.inputs = inputs;
  }

  /** Returns the builder of inputs. */
  public PolicyInputBuilder inputs() {
    return inputs;
  }

  /** Returns the policy path asked. */
  public PolicyPath path() {
    return path;
  }

  /**
   * Builds the input of an HTTP request and decides it.
   *
   * @param adapter the adapter's name, as {@code nginx}
   * @param request the request as the adapter received it
   * @param honoured the forwarding headers the adapter's protocol uses (trusted peers only)
   */
  public AuthzVerdict authorize(
      String adapter, HttpRequestDescription request, Set<PolicyInputBuilder.Forwarded> honoured) {
    return authorize(adapter, request, honoured, input -> input);
  }

  /**
   * Builds the input of an HTTP request, lets the adapter add what its protocol knows (such as the
   * peer's SPIFFE ID), and decides it.
   */
  public AuthzVerdict authorize(
      String adapter,
      HttpRequestDescription request,
      Set<PolicyInputBuilder.Forwarded> honoured,
      UnaryOperator<ObjectValue> enrich) {
    ObjectValue input;
    try {
      input = enrich.apply(inputs.build(adapter, request, honoured));
    } catch (IllegalArgumentException e) {
      return refuse(adapter, e.getMessage());
    }
    return decide(adapter, input);
  }

  /** The code refusals of requests that cannot be described are counted under, when unlogged. */
  static final String REFUSAL_CODE = "BAD_REQUEST";

  /**
   * Denies a request that cannot be described (no policy is asked) and writes its decision-log
   * entry, with {@code reason} {@code refused: ...}, so that every request leaves one entry.
   */
  private AuthzVerdict refuse(String adapter, String why) {
    String id = DecisionIds.next();
    UnloggedRefusals sink = pdp.unloggedRefusals();
    if (sink != null) {
      Instant now = pdp.options().clock().instant();
      // Never waits for room, as every refusal before policy: the request is denied either way.
      try {
        CompletableFuture<Void> queued =
            sink.offer(
                REFUSAL_CODE,
                () ->
                    RefusalEvents.record(
                        id,
                        now,
                        path.slashed(),
                        null,
                        "refused: " + why,
                        Map.of("adapter", StringValue.of(adapter)),
                        pdp.options().node()));
        if (queued == null) {
          log.debug("refused request counted, not logged: decision log full, decision_id={}", id);
        }
      } catch (IllegalStateException closed) {
        log.warn("refused request not logged: decision_id={} {}", id, closed.getMessage());
      }
    }
    log.debug("refused before policy: adapter={} decision_id={} {}", adapter, id, why);
    return new AuthzVerdict(false, null, id, Map.of(), why);
  }

  /** Decides an input an adapter built itself (the gRPC adapter). */
  public AuthzVerdict decide(String adapter, ObjectValue input) {
    Map<String, String> context = new LinkedHashMap<>();
    context.put("adapter", adapter);
    context.put("route", route(input));
    Decision d;
    try {
      d = pdp.decide(path, input, context, pdp.evalOptions());
    } catch (RuntimeException e) {
      // Fail closed: the decision point should never throw, but if it does the request stops.
      String id = DecisionIds.next();
      log.error("decide failed: adapter={} decision_id={}", adapter, id, e);
      return new AuthzVerdict(false, null, id, Map.of(), "internal error");
    }
    if (metrics != null) {
      metrics.record(d);
    }
    boolean through = d.error() == null && d.letThrough();
    Map<String, String> headers = new LinkedHashMap<>();
    if (through) {
      headers.putAll(identityHeaders(d.result()));
      headers.put(DECISION_ID_HEADER, d.decisionId());
    }
    return new AuthzVerdict(through, d, d.decisionId(), Map.copyOf(headers), null);
  }

  /**
   * Returns the identity headers of an answer: string members of its {@code headers} object whose
   * value is one line of ASCII. A header goes out as bytes, each character as its Latin-1 byte or
   * as {@code ?}: two identities that differ outside ASCII would reach the app as one value, so
   * such a value is left out, as one with a line break is; the policy encodes it (for example with
   * {@code urlquery.encode}) to have it sent.
   */
  static Map<String, String> identityHeaders(Value result) {
    Map<String, String> out = new LinkedHashMap<>();
    if (!(result instanceof ObjectValue o) || !(o.get("headers") instanceof ObjectValue h)) {
      return out;
    }
    for (Value k : h.keys()) {
      if (out.size() >= MAX_HEADERS) {
        break;
      }
      if (k instanceof StringValue name
          && h.get(k) instanceof StringValue value
          && TOKEN.matcher(name.value()).matches()
          && !RESERVED.contains(name.value().toLowerCase(Locale.ROOT))
          && value.value().chars().noneMatch(c -> c < 0x20 && c != '\t' || c >= 0x7F)) {
        out.put(name.value().toLowerCase(Locale.ROOT), value.value());
      }
    }
    return out;
  }

  private static String route(ObjectValue input) {
    if (input.get(StringValue.of("request")) instanceof ObjectValue r) {
      Value m = r.get(StringValue.of("method"));
      Value p = r.get(StringValue.of("path"));
      if (m instanceof StringValue ms && p instanceof StringValue ps) {
        return ms.value() + " " + ps.value();
      }
    }
    return "";
  }
}
