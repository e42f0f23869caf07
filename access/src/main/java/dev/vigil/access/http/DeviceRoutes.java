package dev.vigil.access.http;

import dev.vigil.access.DeviceException;
import dev.vigil.access.Devices;
import dev.vigil.access.PostureReport;
import dev.vigil.httpkit.StrictJson;
import dev.vigil.store.DecisionIds;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's device endpoints. They expect the router to read request bodies (a {@code
 * BodyHandler}), and run store work on the worker pool.
 *
 * <ul>
 *   <li>{@code POST /v1/devices/enroll} {@code {"token","csr","name"}}: spends a one-time token and
 *       answers 201 {@code {"device_id","certificate","ca_certificate"}}.
 *   <li>{@code POST /v1/devices/report}, body the compact JWS of a posture report: 200 {@code
 *       {"device_id","accepted_at","max_age_s"}}.
 *   <li>{@code GET /v1/devices/ca}: the device CA certificate in PEM.
 * </ul>
 *
 * A refusal is 400 (malformed), 401 (bad token or signature, unknown or revoked device) or 409 (a
 * replayed report), with {@code {"error": code, "message": ..., "decision_id": ...}}; never a stack
 * trace. Each is handed to the {@link Refusals} given at install, which logs it with the decision
 * id the answer carries (also in {@code X-Vigil-Decision-Id}): a forged or replayed report is an
 * attack on posture, and must be found in the log.
 */
public final class DeviceRoutes {

  /** The path prefix of the device endpoints. */
  public static final String PREFIX = "/v1/devices";

  private static final Logger log = LoggerFactory.getLogger(DeviceRoutes.class);

  /** Where refused device requests are recorded. */
  @FunctionalInterface
  public interface Refusals {
    /**
     * Records one refused request and returns its decision id. Called on the worker pool; may
     * block.
     *
     * @param endpoint the path that refused, such as {@code /v1/devices/report}
     * @param peer the client's address, or {@code unknown}
     * @param code the stable error code of the answer ({@code replay}, {@code bad_signature}...)
     * @param reason the refusal in words
     */
    String refuse(String endpoint, String peer, String code, String reason);
  }

  /** Refusals in the service log only, each with a new decision id. */
  public static final Refusals SERVICE_LOG =
      (endpoint, peer, code, reason) -> {
        String id = DecisionIds.next();
        log.warn(
            "device request refused: endpoint={} peer={} code={} decision_id={} reason={}",
            endpoint,
            peer,
            code,
            id,
            reason);
        return id;
      };

  private final Devices devices;
  private final Refusals refusals;

  private DeviceRoutes(Devices devices, Refusals refusals) {
    this.devices = devices;
    this.refusals = refusals;
  }

  /** Adds the device endpoints to {@code router}, refusals in the service log. */
  public static void install(Router router, Devices devices) {
    install(router, devices, SERVICE_LOG);
  }

  /** Adds the device endpoints to {@code router}, each refusal recorded by {@code refusals}. */
  public static void install(Router router, Devices devices, Refusals refusals) {
    DeviceRoutes r = new DeviceRoutes(devices, refusals);
    router.post(PREFIX + "/enroll").handler(r::enroll);
    router.post(PREFIX + "/report").handler(r::report);
    router
        .get(PREFIX + "/ca")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/x-pem-file")
                    .end(devices.caCertificatePem()));
  }

  private void enroll(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
      if (body != null) {
        // A repeated "token" or "csr" would be read last-wins here, first-wins by a proxy.
        StrictJson.requireUniqueKeys("enrolment request", ctx.body().asString());
      }
    } catch (StrictJson.Refused e) {
      refuse(ctx, new DeviceException("bad_request", e.getMessage()));
      return;
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    if (body == null) {
      refuse(ctx, new DeviceException("bad_request", "body must be a JSON object"));
      return;
    }
    String token = text(body, "token");
    String csr = text(body, "csr");
    String name = text(body, "name");
    answer(
        ctx,
        201,
        () -> {
          Devices.Enrolment e = devices.enroll(token, csr, name);
          return new JsonObject()
              .put("device_id", e.deviceId())
              .put("certificate", e.certificatePem())
              .put("ca_certificate", e.caCertificatePem());
        });
  }

  private void report(RoutingContext ctx) {
    String jws = ctx.body().asString();
    answer(
        ctx,
        200,
        () -> {
          PostureReport r = devices.acceptReport(jws);
          return new JsonObject()
              .put("device_id", r.deviceId())
              .put("accepted_at", r.issuedAt().toString())
              .put("max_age_s", devices.options().maxReportAge().toSeconds());
        });
  }

  private static String text(JsonObject body, String key) {
    return body.getValue(key) instanceof String s ? s : null;
  }

  private void answer(RoutingContext ctx, int status, Callable<JsonObject> work) {
    ctx.vertx()
        .executeBlocking(work, false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                ctx.response()
                    .setStatusCode(status)
                    .putHeader("Content-Type", "application/json")
                    .end(ar.result().encode());
              } else if (ar.cause() instanceof DeviceException e) {
                refuse(ctx, e);
              } else {
                log.warn(
                    "device request {} failed: {}", ctx.request().path(), ar.cause().toString());
                fail(
                    ctx,
                    new DeviceException("internal", "the request could not be completed"),
                    null);
              }
            });
  }

  /**
   * Records the refusal on the worker pool, then answers with its id (none when the decision log
   * had no room for it).
   */
  private void refuse(RoutingContext ctx, DeviceException e) {
    String endpoint = ctx.request().path();
    var addr = ctx.request().remoteAddress();
    String peer = addr == null ? "unknown" : addr.hostAddress();
    ctx.vertx()
        .executeBlocking(
            () -> refusals.refuse(endpoint, peer, e.code(), printable(e.getMessage())), false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.error(
                    "device refusal not recorded: endpoint={} code={} reason={}: {}",
                    endpoint,
                    e.code(),
                    e.getMessage(),
                    ar.cause().toString());
              }
              fail(ctx, e, ar.succeeded() ? ar.result() : null);
            });
  }

  private static void fail(RoutingContext ctx, DeviceException e, String decisionId) {
    int status =
        switch (e.code()) {
          case "bad_token", "bad_signature", "unknown_device", "revoked", "bad_certificate" -> 401;
          case "replay" -> 409;
          case "internal" -> 500;
          default -> 400;
        };
    JsonObject body = new JsonObject().put("error", e.code()).put("message", e.getMessage());
    if (decisionId != null) {
      body.put("decision_id", decisionId);
      ctx.response().putHeader("X-Vigil-Decision-Id", decisionId);
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  /** A refusal may quote the report's own header: no control characters into a log. */
  private static String printable(String why) {
    String safe = why == null ? "" : why.replaceAll("\\p{Cntrl}", "?");
    return safe.length() > 300 ? safe.substring(0, 300) + "..." : safe;
  }
}
