package dev.vigil.pdp.extauthz.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.vigil.pdp.extauthz.AuthzVerdict;
import dev.vigil.pdp.extauthz.ExternalAuthorizer;
import dev.vigil.pdp.extauthz.HttpAuthzRoutes;
import dev.vigil.pdp.extauthz.HttpRequestDescription;
import dev.vigil.pdp.extauthz.envoy.auth.AttributeContext;
import dev.vigil.pdp.extauthz.envoy.auth.CheckRequest;
import dev.vigil.pdp.extauthz.envoy.auth.CheckResponse;
import dev.vigil.pdp.extauthz.envoy.auth.DeniedHttpResponse;
import dev.vigil.pdp.extauthz.envoy.auth.OkHttpResponse;
import dev.vigil.pdp.extauthz.envoy.core.HeaderValue;
import dev.vigil.pdp.extauthz.envoy.core.HeaderValueOption;
import dev.vigil.pdp.extauthz.envoy.type.HttpStatus;
import dev.vigil.pdp.extauthz.envoy.type.StatusCode;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's {@code envoy.service.auth.v3.Authorization/Check} over gRPC.
 *
 * <p>The request attributes are authoritative: method, path, host and headers come from {@code
 * attributes.request.http} and the client address from {@code attributes.source.address}, as Envoy
 * determined them; forwarding headers inside the request are never read. A {@code spiffe://}
 * principal of the source (Envoy's mTLS peer) becomes {@code input.subject} of type workload.
 *
 * <p>Allowed: status {@code OK} with an {@code ok_response} that adds the decision id and identity
 * headers upstream and removes client-sent {@code x-vigil-*} headers. Denied, refused or failed:
 * status {@code PERMISSION_DENIED} with a {@code denied_response} of HTTP 403 whose body holds the
 * decision id only.
 *
 * <p>The service binding is written by hand from the method's full name and the generated message
 * types, which is all the generated stub would contain.
 */
public final class EnvoyAuthorizationService implements BindableService {

  /** The gRPC service name, as in Envoy's proto. */
  public static final String SERVICE = "envoy.service.auth.v3.Authorization";

  /** The {@code Check} method. */
  public static final MethodDescriptor<CheckRequest, CheckResponse> CHECK =
      MethodDescriptor.<CheckRequest, CheckResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Check"))
          .setRequestMarshaller(ProtoUtils.marshaller(CheckRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(CheckResponse.getDefaultInstance()))
          .build();

  /**
   * {@link #CHECK} as the server reads it: the request stays bytes until {@link #check} parses it,
   * because gRPC answers a message its marshaller cannot parse with UNKNOWN and logs a stack trace
   * per call, which would let any client fill the log and tell Envoy nothing.
   */
  private static final MethodDescriptor<byte[], CheckResponse> CHECK_BYTES =
      CHECK.toBuilder(new RawMessage(), CHECK.getResponseMarshaller()).build();

  private static final Logger log = LoggerFactory.getLogger(EnvoyAuthorizationService.class);

  private final ExternalAuthorizer authorizer;

  public EnvoyAuthorizationService(ExternalAuthorizer authorizer) {
    this.authorizer = authorizer;
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(CHECK_BYTES, ServerCalls.asyncUnaryCall(this::check))
        .build();
  }

  /** Parses a check request; a malformed one is INVALID_ARGUMENT naming what is wrong with it. */
  private void check(byte[] message, StreamObserver<CheckResponse> response) {
    CheckRequest request;
    try {
      request = CheckRequest.parseFrom(message);
    } catch (InvalidProtocolBufferException e) {
      response.onError(
          io.grpc.Status.INVALID_ARGUMENT
              .withDescription("malformed envoy.service.auth.v3.CheckRequest: " + e.getMessage())
              .asRuntimeException());
      return;
    }
    check(request, response);
  }

  private void check(CheckRequest request, StreamObserver<CheckResponse> response) {
    CheckResponse answer;
    try {
      HttpRequestDescription d = describe(request);
      AuthzVerdict v = authorize(request, d);
      answer = answer(v, HttpAuthzRoutes.clientIdentityHeaders(d, v));
    } catch (RuntimeException e) {
      // Fail closed on anything unexpected, without telling the caller why; the log says it.
      log.error("ext_authz gRPC check failed inside Vigil, denied without a decision", e);
      answer = denied("internal", "request refused");
    }
    response.onNext(answer);
    response.onCompleted();
  }

  /** Decides a check request. */
  private AuthzVerdict authorize(CheckRequest request, HttpRequestDescription d) {
    String principal = request.getAttributes().getSource().getPrincipal();
    return authorizer.authorize("envoy-grpc", d, Set.of(), input -> withSubject(input, principal));
  }

  /** Describes the HTTP request of a check request, as Envoy saw it. */
  private static HttpRequestDescription describe(CheckRequest request) {
    AttributeContext a = request.getAttributes();
    AttributeContext.HttpRequest http = a.getRequest().getHttp();
    Map<String, List<String>> headers = new LinkedHashMap<>();
    // Envoy fills one of the two, but a caller may fill both: their values are joined.
    http.getHeadersMap()
        .forEach((k, v) -> headers.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    for (var h : http.getHeaderMap().getHeadersList()) {
      String value =
          h.getRawValue().isEmpty()
              ? h.getValue()
              : h.getRawValue().toString(StandardCharsets.UTF_8);
      headers.computeIfAbsent(h.getKey(), k -> new ArrayList<>()).add(value);
    }
    String method = http.getMethod().isEmpty() ? header(headers, ":method") : http.getMethod();
    String path = http.getPath().isEmpty() ? header(headers, ":path") : http.getPath();
    String host = http.getHost().isEmpty() ? header(headers, ":authority") : http.getHost();
    String source = a.getSource().getAddress().getSocketAddress().getAddress();
    return new HttpRequestDescription(
        method == null ? "" : method,
        path == null ? "" : path,
        host,
        http.getScheme().isEmpty() ? null : http.getScheme(),
        headers,
        source.isEmpty() ? null : source);
  }

  private static String header(Map<String, List<String>> headers, String name) {
    List<String> v = headers.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** Adds {@code input.subject} for a SPIFFE principal: {@code spiffe://trust-domain/path}. */
  private static ObjectValue withSubject(ObjectValue input, String principal) {
    if (!principal.startsWith("spiffe://")) {
      return input;
    }
    String rest = principal.substring("spiffe://".length());
    int slash = rest.indexOf('/');
    String trustDomain = slash < 0 ? rest : rest.substring(0, slash);
    Map<Value, Value> subject = new HashMap<>();
    subject.put(StringValue.of("type"), StringValue.of("workload"));
    subject.put(StringValue.of("id"), StringValue.of(principal));
    subject.put(StringValue.of("spiffe_id"), StringValue.of(principal));
    subject.put(StringValue.of("trust_domain"), StringValue.of(trustDomain));
    Map<Value, Value> out = new HashMap<>();
    for (Value k : input.keys()) {
      out.put(k, input.get(k));
    }
    out.put(StringValue.of("subject"), ObjectValue.wrap(subject));
    return ObjectValue.wrap(out);
  }

  private static CheckResponse answer(AuthzVerdict v, List<String> forged) {
    if (!v.letThrough()) {
      return denied(v.decisionId(), v.refusal() != null ? "request refused" : "access denied");
    }
    OkHttpResponse.Builder ok = OkHttpResponse.newBuilder().addAllHeadersToRemove(forged);
    v.upstreamHeaders().forEach((k, val) -> ok.addHeaders(overwrite(k, val)));
    if (v.monitored()) {
      ok.addHeaders(overwrite("x-vigil-would-deny", "true"));
    }
    return CheckResponse.newBuilder()
        .setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
        .setOkResponse(ok)
        .build();
  }

  private static CheckResponse denied(String decisionId, String message) {
    String body =
        Json.write(
                ObjectValue.of(
                    StringValue.of("decision_id"), StringValue.of(decisionId),
                    StringValue.of("message"), StringValue.of(message)))
            + "\n";
    DeniedHttpResponse denied =
        DeniedHttpResponse.newBuilder()
            .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Forbidden))
            .addHeaders(overwrite(ExternalAuthorizer.DECISION_ID_HEADER, decisionId))
            .addHeaders(overwrite("content-type", "application/json"))
            .setBody(body)
            .build();
    return CheckResponse.newBuilder()
        .setStatus(Status.newBuilder().setCode(Code.PERMISSION_DENIED_VALUE).setMessage(message))
        .setDeniedResponse(denied)
        .build();
  }

  /** Reads a message as its bytes. */
  private static final class RawMessage implements MethodDescriptor.Marshaller<byte[]> {

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static HeaderValueOption overwrite(String name, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }
}
