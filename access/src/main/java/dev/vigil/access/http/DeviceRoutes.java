package dev.vigil.access.http;

import dev.vigil.access.DeviceException;
import dev.vigil.access.Devices;
import dev.vigil.access.PostureReport;
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
 * replayed report), with {@code {"error": code, "message": ...}}; never a stack trace.
 */
public final class DeviceRoutes {

  /** The path prefix of the device endpoints. */
  public static final String PREFIX = "/v1/devices";

  private static final Logger log = LoggerFactory.getLogger(DeviceRoutes.class);

  private final Devices devices;

  private DeviceRoutes(Devices devices) {
    this.devices = devices;
  }

  /** Adds the device endpoints to {@code router}. */
  public static void install(Router router, Devices devices) {
    DeviceRoutes r = new DeviceRoutes(devices);
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
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    if (body == null) {
      fail(ctx, new DeviceException("bad_request", "body must be a JSON object"));
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

  private static void answer(RoutingContext ctx, int status, Callable<JsonObject> work) {
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
                fail(ctx, e);
              } else {
                log.warn(
                    "device request {} failed: {}", ctx.request().path(), ar.cause().toString());
                fail(ctx, new DeviceException("internal", "the request could not be completed"));
              }
            });
  }

  private static void fail(RoutingContext ctx, DeviceException e) {
    int status =
        switch (e.code()) {
          case "bad_token", "bad_signature", "unknown_device", "revoked", "bad_certificate" -> 401;
          case "replay" -> 409;
          case "internal" -> 500;
          default -> 400;
        };
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", e.code()).put("message", e.getMessage()).encode());
  }
}
