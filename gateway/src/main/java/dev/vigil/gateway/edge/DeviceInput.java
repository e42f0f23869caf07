package dev.vigil.gateway.edge;

import dev.vigil.access.DeviceState;
import dev.vigil.access.Devices;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import io.vertx.core.http.HttpServerRequest;
import java.security.cert.Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Builds {@code input.device} from the client certificate of the request's TLS connection: {@code
 * managed}, {@code known} (the same, kept from the first version of the input), {@code status}, and
 * for a managed device {@code id}, {@code posture} and {@code posture_age_s}. Any device that is
 * not managed (no certificate, a certificate of another CA, a stale report ...) is unknown: the
 * policy decides what that means, the gateway never refuses on its own.
 */
public final class DeviceInput {

  /** A request without a client certificate. */
  public static final Value UNKNOWN = of(DeviceState.unknown(DeviceState.Status.NO_CERTIFICATE));

  private DeviceInput() {}

  /** Describes the device behind {@code req}; {@code devices} may be null (no device CA). */
  static Value describe(HttpServerRequest req, Devices devices) {
    if (devices == null || !req.isSSL()) {
      return UNKNOWN;
    }
    List<Certificate> chain;
    try {
      chain = req.connection().peerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return UNKNOWN;
    }
    return of(devices.identify(chain));
  }

  /** Describes a device in the shape policies see as {@code input.device}. */
  public static Value of(DeviceState s) {
    Map<Value, Value> m = new HashMap<>();
    put(m, "managed", BooleanValue.of(s.managed()));
    put(m, "known", BooleanValue.of(s.managed()));
    put(m, "status", StringValue.of(s.status().wireName()));
    if (s.managed()) {
      put(m, "id", StringValue.of(s.deviceId()));
      Map<Value, Value> posture = new HashMap<>();
      s.posture().forEach((k, v) -> put(posture, k, value(v)));
      put(m, "posture", ObjectValue.wrap(posture));
      put(m, "posture_age_s", NumberValue.of(s.postureAgeSeconds()));
    }
    return ObjectValue.wrap(m);
  }

  private static Value value(Object v) {
    return switch (v) {
      case Boolean b -> BooleanValue.of(b);
      case Number n -> NumberValue.of(n.longValue());
      default -> StringValue.of(String.valueOf(v));
    };
  }

  private static void put(Map<Value, Value> m, String k, Value v) {
    m.put(StringValue.of(k), v);
  }
}
