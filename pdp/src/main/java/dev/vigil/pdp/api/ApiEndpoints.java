package dev.vigil.pdp.api;

import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The paths of the OPA REST API and the methods each accepts, so that a known path asked with
 * another method is answered 405 with an {@code Allow} header (RFC 9110 §15.5.6) rather than 404.
 */
final class ApiEndpoints {

  private record Endpoint(Pattern path, List<HttpMethod> methods) {}

  private static final List<HttpMethod> DATA =
      List.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);

  private static final List<Endpoint> ALL =
      List.of(
          new Endpoint(Pattern.compile("/"), List.of(HttpMethod.POST)),
          new Endpoint(Pattern.compile("/v1/data(/.*)?"), DATA),
          new Endpoint(Pattern.compile("/v1/policies"), List.of(HttpMethod.GET)),
          new Endpoint(
              Pattern.compile("/v1/policies/.+"),
              List.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE)),
          new Endpoint(Pattern.compile("/health"), List.of(HttpMethod.GET)),
          new Endpoint(Pattern.compile("/metrics"), List.of(HttpMethod.GET)));

  private ApiEndpoints() {}

  /**
   * Returns the value of the {@code Allow} header for a path of the API, or empty when the path is
   * not one of the API's.
   */
  static Optional<String> allowed(String path) {
    for (Endpoint e : ALL) {
      if (e.path().matcher(path).matches()) {
        Set<String> names =
            e.methods().stream()
                .map(HttpMethod::name)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        return Optional.of(String.join(", ", names));
      }
    }
    return Optional.empty();
  }
}
