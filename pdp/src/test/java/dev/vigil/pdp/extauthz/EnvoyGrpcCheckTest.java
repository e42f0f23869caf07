package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Code;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.extauthz.envoy.auth.AttributeContext;
import dev.vigil.pdp.extauthz.envoy.auth.CheckRequest;
import dev.vigil.pdp.extauthz.envoy.auth.CheckResponse;
import dev.vigil.pdp.extauthz.envoy.core.Address;
import dev.vigil.pdp.extauthz.envoy.core.HeaderMap;
import dev.vigil.pdp.extauthz.envoy.core.HeaderValue;
import dev.vigil.pdp.extauthz.envoy.core.HeaderValueOption;
import dev.vigil.pdp.extauthz.envoy.core.SocketAddress;
import dev.vigil.pdp.extauthz.grpc.EnvoyAuthorizationService;
import dev.vigil.pdp.extauthz.grpc.GrpcAuthzServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Envoy's {@code envoy.service.auth.v3.Authorization/Check} over a real socket, called by a
 * grpc-java client with the same method name and message encoding Envoy uses.
 */
class EnvoyGrpcCheckTest {

  @TempDir static Path tmp;
  static ExtAuthzFixture pdp;
  static ManagedChannel channel;

  @BeforeAll
  static void start() {
    pdp = new ExtAuthzFixture(tmp, List.of("127.0.0.1/32"), Mode.ENFORCE);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", pdp.grpc.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    pdp.close();
  }

  static CheckRequest request(String method, String path, Map<String, String> headers) {
    return request(method, path, headers, "");
  }

  static CheckRequest request(
      String method, String path, Map<String, String> headers, String principal) {
    AttributeContext.HttpRequest http =
        AttributeContext.HttpRequest.newBuilder()
            .setId("req-1")
            .setMethod(method)
            .setPath(path)
            .setHost("app.example.com")
            .setScheme("https")
            .setProtocol("HTTP/1.1")
            .putAllHeaders(headers)
            .build();
    AttributeContext.Peer source =
        AttributeContext.Peer.newBuilder()
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder().setAddress("203.0.113.5").setPortValue(40000)))
            .setPrincipal(principal)
            .build();
    return CheckRequest.newBuilder()
        .setAttributes(
            AttributeContext.newBuilder()
                .setSource(source)
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http)))
        .build();
  }

  static CheckResponse check(CheckRequest r) {
    return ClientCalls.blockingUnaryCall(
        channel, EnvoyAuthorizationService.CHECK, CallOptions.DEFAULT, r);
  }

  static Map<String, String> headers(List<HeaderValueOption> options) {
    Map<String, String> m = new TreeMap<>();
    options.forEach(o -> m.put(o.getHeader().getKey(), o.getHeader().getValue()));
    return m;
  }

  @Test
  void check_allowedRequest_answersOkWithDecisionIdHeader() throws Exception {
    CheckResponse r = check(request("GET", "/public/a?x=1", Map.of()));

    assertThat(r.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    assertThat(r.hasOkResponse()).isTrue();
    String id = headers(r.getOkResponse().getHeadersList()).get("x-vigil-decision-id");
    String event = pdp.logged(id).eventJson();
    assertThat(event)
        .contains("\"adapter\":\"envoy-grpc\"")
        .contains("\"source_ip\":\"203.0.113.5\"")
        .contains("\"host\":\"app.example.com\"");
  }

  /**
   * A header named both in {@code headers} and in {@code header_map} used to fail inside Vigil:
   * denied with the decision id "internal" and no decision logged.
   */
  @Test
  void check_headerInBothHeadersAndHeaderMap_decidesOnceWithBothValues() throws Exception {
    CheckRequest both =
        withHeaderMap(
            request("GET", "/public/a", Map.of("x-team", "blue")),
            HeaderValue.newBuilder().setKey("x-team").setValue("red"));

    CheckResponse r = check(both);

    assertThat(r.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
    String id = headers(r.getOkResponse().getHeadersList()).get("x-vigil-decision-id");
    assertThat(pdp.logged(id).eventJson()).contains("\"x-team\":\"blue, red\"");
  }

  @Test
  void check_deniedRequest_answersPermissionDeniedWith403() {
    CheckResponse r = check(request("GET", "/admin", Map.of()));

    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(403);
    String id = headers(r.getDeniedResponse().getHeadersList()).get("x-vigil-decision-id");
    assertThat(r.getDeniedResponse().getBody())
        .isEqualTo("{\"decision_id\":\"" + id + "\",\"message\":\"access denied\"}\n");
  }

  @Test
  void check_headersAndMethod_reachThePolicy() {
    Map<String, String> auth = Map.of("authorization", "Bearer alice");

    assertThat(check(request("GET", "/reports", auth)).getStatus().getCode()).isZero();
    assertThat(check(request("PUT", "/reports", auth)).getStatus().getCode()).isEqualTo(7);
  }

  @Test
  void check_xForwardedUriHeader_neverPicksThePath() {
    CheckResponse r = check(request("GET", "/admin", Map.of("x-forwarded-uri", "/public/a")));

    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
  }

  @Test
  void check_spiffePrincipal_becomesWorkloadSubject() {
    String prod = "spiffe://prod.example/ns/billing/sa/api";
    String staging = "spiffe://staging.example/ns/billing/sa/api";

    assertThat(check(request("GET", "/workload", Map.of(), prod)).getStatus().getCode()).isZero();
    assertThat(check(request("GET", "/workload", Map.of(), staging)).getStatus().getCode())
        .isEqualTo(7);
  }

  @Test
  void check_identityHeadersFromAnswer_areAddedUpstream() {
    CheckResponse r = check(request("GET", "/me", Map.of()));

    Map<String, String> h = headers(r.getOkResponse().getHeadersList());
    assertThat(h).containsEntry("x-user", "alice").containsEntry("x-role", "sre");
    assertThat(h).doesNotContainKeys("host", "bad header", "x-multi");
    assertThat(r.getOkResponse().getHeaders(0).getAppendAction())
        .isEqualTo(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
  }

  @Test
  void check_clientSentVigilHeaders_areRemovedUpstream() {
    Map<String, String> forged =
        Map.of("x-vigil-subject", "admin", "x-vigil-decision-id", "forged", "accept", "*/*");

    CheckResponse r = check(request("GET", "/public/a", forged));

    assertThat(r.getOkResponse().getHeadersToRemoveList()).containsExactly("x-vigil-subject");
    assertThat(headers(r.getOkResponse().getHeadersList()).get("x-vigil-decision-id"))
        .isNotEqualTo("forged");
  }

  /**
   * Regression: two Authorization headers in {@code header_map} were joined and decided; they are
   * refused before policy, as the decision point's API refuses them.
   */
  @Test
  void check_twoAuthorizationHeaders_isDeniedBeforePolicy() throws Exception {
    CheckRequest twice =
        withHeaderMap(
            request("GET", "/public/a", Map.of()),
            authorization("Bearer alice"),
            authorization("Bearer mallory"));

    CheckResponse r = check(twice);

    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(r.getDeniedResponse().getBody()).contains("request refused");
    String id = headers(r.getDeniedResponse().getHeadersList()).get("x-vigil-decision-id");
    assertThat(pdp.logged(id).eventJson())
        .contains("\"reason\":\"refused: the request has 2 Authorization headers");
  }

  private static HeaderValue.Builder authorization(String value) {
    return HeaderValue.newBuilder().setKey("authorization").setValue(value);
  }

  /** Returns {@code base} with {@code header_map} holding {@code headers}, as Envoy may send. */
  private static CheckRequest withHeaderMap(CheckRequest base, HeaderValue.Builder... headers) {
    HeaderMap.Builder map = HeaderMap.newBuilder();
    for (HeaderValue.Builder h : headers) {
      map.addHeaders(h);
    }
    AttributeContext.Request request = base.getAttributes().getRequest();
    AttributeContext.HttpRequest http = request.getHttp().toBuilder().setHeaderMap(map).build();
    return base.toBuilder()
        .setAttributes(
            base.getAttributes().toBuilder().setRequest(request.toBuilder().setHttp(http)))
        .build();
  }

  @Test
  void check_encodedSlash_isDeniedBeforePolicy() {
    CheckResponse r = check(request("GET", "/public/..%2fadmin", Map.of()));

    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(r.getDeniedResponse().getBody()).contains("request refused");
  }

  @Test
  void start_portInUse_namesTheAddress() {
    int port = pdp.grpc.port();

    assertThatThrownBy(() -> GrpcAuthzServer.start("127.0.0.1", port, pdp.authorizer))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cannot listen on 127.0.0.1:" + port + " (gRPC): ");
  }

  @Test
  void check_emptyRequest_isDenied() {
    CheckResponse r = check(CheckRequest.getDefaultInstance());

    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
  }

  static List<String> oddPaths() {
    return ExtAuthzFixture.ODD_PATHS;
  }

  @ParameterizedTest
  @MethodSource("oddPaths")
  void check_oddAnswer_isPermissionDenied(String path) throws Exception {
    CheckResponse r = check(request("GET", path, Map.of()));

    assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
    assertThat(r.getDeniedResponse().getBody()).doesNotContain("conflict");
    String id = headers(r.getDeniedResponse().getHeadersList()).get("x-vigil-decision-id");
    assertThat(pdp.logged(id).allowed()).isFalse();
  }
}
