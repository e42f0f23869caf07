package dev.vigil.console;

import dev.vigil.gateway.http.FormFields;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;

/** Reads {@code application/x-www-form-urlencoded} bodies (the console's forms). */
final class Forms {

  /** Bodies past this size are refused; the console's forms are a few hundred bytes. */
  static final int MAX_BODY = 16 * 1024;

  private Forms() {}

  /**
   * Returns the fields of a form body.
   *
   * @throws IllegalArgumentException when the body is too large, not URL encoding, or names a field
   *     twice (then naming it: of {@code password=a&password=b}, which one counts would depend on
   *     who reads the form)
   */
  static Map<String, String> parse(String body) {
    if (body != null && body.length() > MAX_BODY) {
      throw new IllegalArgumentException("the form is too large");
    }
    try {
      return FormFields.parse(body);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage().startsWith("form field is not")
              ? "the form is not valid URL encoding"
              : e.getMessage());
    }
  }

  /**
   * Checks that the query of a request reads and names no parameter twice (the console's filter
   * forms are sent as queries).
   *
   * @throws IllegalArgumentException naming the parameter that appears twice, or saying the query
   *     is not URL encoding
   */
  static void requireSingleParameters(HttpServerRequest req) {
    MultiMap params;
    try {
      params = req.params();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the query is not URL encoding: " + e.getMessage());
    }
    try {
      FormFields.requireSingle(params);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage().replace("form field", "query parameter"));
    }
  }
}
