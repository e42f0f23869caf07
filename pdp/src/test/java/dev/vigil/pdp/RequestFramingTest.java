package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The framing rules alone; the listeners' behaviour is tested over sockets in the gateway. */
class RequestFramingTest {

  static HttpHeaders headers(String... lines) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (String line : lines) {
      int colon = line.indexOf(':');
      h.add(line.substring(0, colon), line.substring(colon + 1).strip());
    }
    return h;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Transfer-Encoding: xchunked",
        "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked, chunked",
        "Transfer-Encoding: chunked|Transfer-Encoding: chunked",
        "Transfer-Encoding: chunked|Content-Length: 3",
        "Content-Length: +3",
        "Content-Length: 3 3",
        "Content-Length: "
      })
  void refusal_ambiguousHttp11Framing_named(String lines) {
    assertThat(RequestFraming.refusal(HttpVersion.HTTP_1_1, headers(lines.split("\\|"))))
        .isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"Transfer-Encoding: chunked", "Transfer-Encoding: CHUNKED", "Content-Length: 12"})
  void refusal_plainFraming_none(String line) {
    assertThat(RequestFraming.refusal(HttpVersion.HTTP_1_1, headers(line))).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Transfer-Encoding: chunked"})
  void refusal_transferEncodingInHttp10_named(String line) {
    assertThat(RequestFraming.refusal(HttpVersion.HTTP_1_0, headers(line))).contains("HTTP/1.0");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"transfer-encoding", "connection", "keep-alive", "proxy-connection", "upgrade"})
  void http2Refusal_connectionSpecificField_named(String name) {
    Map<String, String> h = Map.of(name, "x", "content-type", "text/plain");
    assertThat(RequestFraming.http2Refusal(h.keySet(), h::get)).contains(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"trailers", "gzip"})
  void http2Refusal_te_onlyTrailers(String te) {
    Map<String, String> h = Map.of("te", te);
    assertThat(RequestFraming.http2Refusal(List.of("te"), h::get) == null)
        .isEqualTo(te.equals("trailers"));
  }
}
