package dev.vigil.gateway.auth;

import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.http.HTTPRequestSender;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.http.ReadOnlyHTTPRequest;
import dev.vigil.httpkit.CappedBody;
import dev.vigil.httpkit.StrictJson;
import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The gateway's HTTP calls to one identity provider: discovery, keys, token exchange and refresh.
 *
 * <p>Each call is held to one deadline for the whole exchange, from connecting to the last byte of
 * the answer, and to {@link #MAX_BYTES} of answer. A timeout per read (what {@code
 * HttpURLConnection} offers) does not bound a provider that sends its answer a byte at a time, and
 * the token endpoint had none at all: a stalled provider held the sign-in, the refresh and the
 * worker running them for ever. Redirects are not followed for the token exchange (it carries the
 * client secret). Thread-safe.
 */
final class ProviderHttp implements HTTPRequestSender {

  /** How long one call may take, answer included. */
  static final Duration DEADLINE = Duration.ofSeconds(10);

  /** The largest answer read from a provider. */
  static final int MAX_BYTES = 512 * 1024;

  /** Headers the JDK client sets itself and refuses from a caller. */
  private static final Set<String> OWN_HEADERS =
      Set.of("connection", "content-length", "expect", "host", "upgrade");

  private final Duration deadline;
  private final HttpClient reading;
  private final HttpClient posting;

  ProviderHttp(Duration deadline) {
    this.deadline = deadline;
    this.reading = client(deadline, HttpClient.Redirect.NORMAL);
    this.posting = client(deadline, HttpClient.Redirect.NEVER);
  }

  private static HttpClient client(Duration deadline, HttpClient.Redirect redirect) {
    return HttpClient.newBuilder()
        .connectTimeout(deadline)
        .followRedirects(redirect)
        // As HttpURLConnection before: no h2c upgrade offered to a provider on plain http.
        .version(HttpClient.Version.HTTP_1_1)
        .proxy(ProxySelector.getDefault())
        .build();
  }

  Duration deadline() {
    return deadline;
  }

  /**
   * Returns the body of a {@code GET} answered 200.
   *
   * @throws IOException naming the address and what went wrong: no answer within the deadline, an
   *     answer too large, another status
   */
  String get(URI uri) throws IOException {
    return read(uri).body();
  }

  /** The body of a {@code GET} answered 200, and the answer's headers. */
  record Answer(String body, java.net.http.HttpHeaders headers) {}

  /** As {@link #get}, with the answer's headers (a JWKS's {@code Cache-Control}). */
  Answer read(URI uri) throws IOException {
    HttpRequest req =
        HttpRequest.newBuilder(uri).GET().header("Accept", "application/json").build();
    HttpResponse<byte[]> resp = exchange(reading, req);
    if (resp.statusCode() != 200) {
      throw new IOException(uri + " answered " + resp.statusCode());
    }
    String body = new String(resp.body(), StandardCharsets.UTF_8);
    strict(uri, body);
    return new Answer(body, resp.headers());
  }

  /** Sends a request of the OAuth SDK (the token endpoint's) under the same deadline. */
  @Override
  public HTTPResponse send(ReadOnlyHTTPRequest r) throws IOException {
    String body = r.getBody();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(r.getURI())
            .method(
                r.getMethod().name(),
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    for (Map.Entry<String, List<String>> h : r.getHeaderMap().entrySet()) {
      if (!OWN_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        h.getValue().forEach(v -> b.header(h.getKey(), v));
      }
    }
    HttpResponse<byte[]> resp = exchange(posting, b.build());
    HTTPResponse out = new HTTPResponse(resp.statusCode());
    resp.headers()
        .map()
        .forEach((name, values) -> out.setHeader(name, values.toArray(String[]::new)));
    String type = resp.headers().firstValue("Content-Type").orElse(null);
    if (type != null) {
      try {
        out.setContentType(type);
      } catch (ParseException e) {
        throw new IOException(r.getURI() + " answered with Content-Type \"" + type + "\"", e);
      }
    }
    String answer = new String(resp.body(), StandardCharsets.UTF_8);
    if (type != null && type.toLowerCase(Locale.ROOT).contains("json")) {
      strict(r.getURI(), answer);
    }
    out.setBody(answer);
    return out;
  }

  /**
   * Refuses a JSON answer that names a key twice in one object (two {@code jwks_uri}, two {@code
   * id_token}, a key with two {@code kid}): the OAuth SDK would read the last, another reader the
   * first.
   */
  private static void strict(URI uri, String body) throws IOException {
    try {
      StrictJson.requireUniqueKeys("the answer of " + uri, body);
    } catch (StrictJson.Refused e) {
      throw new IOException(e.getMessage());
    }
  }

  private HttpResponse<byte[]> exchange(HttpClient client, HttpRequest req) throws IOException {
    CompletableFuture<HttpResponse<byte[]>> pending =
        client.sendAsync(req, CappedBody.handler(MAX_BYTES));
    try {
      return pending.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new IOException(req.uri() + " did not answer within " + deadline.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new IOException(req.uri() + ": interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof CappedBody.TooLarge) {
        throw new IOException(
            req.uri() + " answered with a body larger than " + MAX_BYTES + " bytes");
      }
      String what = cause.getClass().getSimpleName();
      throw new IOException(
          req.uri() + ": " + (cause.getMessage() == null ? what : what + ": " + cause.getMessage()),
          cause);
    }
  }
}
