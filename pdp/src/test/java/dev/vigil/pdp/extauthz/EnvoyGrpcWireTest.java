package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import dev.vigil.pdp.Mode;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Check call at the byte level, written and read with the field numbers of Envoy's published
 * protos and none of Vigil's generated classes: what a real Envoy sends (including fields Vigil
 * does not model) is understood, and what Vigil answers decodes where Envoy looks for it.
 */
class EnvoyGrpcWireTest {

  @TempDir static Path tmp;
  static ExtAuthzFixture pdp;
  static ManagedChannel channel;

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
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
      };

  static final MethodDescriptor<byte[], byte[]> CHECK =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("envoy.service.auth.v3.Authorization/Check")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  @BeforeAll
  static void start() {
    pdp = new ExtAuthzFixture(tmp, List.of(), Mode.ENFORCE);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", pdp.grpc.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    pdp.close();
  }

  interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  static byte[] message(Fields fields) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      fields.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ByteString bytes(byte[] b) {
    return ByteString.copyFrom(b);
  }

  /** A CheckRequest as Envoy encodes it, field numbers from Envoy's external_auth.proto. */
  static byte[] envoyCheckRequest(String method, String path) {
    byte[] headerEntry =
        message(
            o -> {
              o.writeString(1, ":authority");
              o.writeString(2, "app.example.com");
            });
    byte[] http =
        message(
            o -> {
              o.writeString(1, "5c9e2f"); // id
              o.writeString(2, method); // method
              o.writeBytes(3, bytes(headerEntry)); // headers map entry
              o.writeString(4, path); // path
              o.writeString(5, "app.example.com"); // host
              o.writeString(6, "https"); // scheme
              o.writeInt64(9, -1); // size
              o.writeString(10, "HTTP/2"); // protocol
            });
    byte[] request = message(o -> o.writeBytes(2, bytes(http)));
    byte[] socket =
        message(
            o -> {
              o.writeString(2, "198.51.100.20");
              o.writeUInt32(3, 51234);
            });
    byte[] source =
        message(
            o -> {
              o.writeBytes(1, bytes(message(a -> a.writeBytes(1, bytes(socket)))));
              o.writeString(4, "");
            });
    byte[] metadata = message(o -> o.writeBytes(1, bytes(message(e -> e.writeString(1, "k")))));
    byte[] attributes =
        message(
            o -> {
              o.writeBytes(1, bytes(source));
              o.writeBytes(4, bytes(request));
              o.writeBytes(11, bytes(metadata)); // metadata_context: not modelled by Vigil
              o.writeBytes(13, bytes(metadata)); // route_metadata_context: not modelled
            });
    return message(o -> o.writeBytes(1, bytes(attributes)));
  }

  static UnknownFieldSet check(byte[] request) throws IOException {
    byte[] answer = ClientCalls.blockingUnaryCall(channel, CHECK, CallOptions.DEFAULT, request);
    return UnknownFieldSet.parseFrom(answer);
  }

  static UnknownFieldSet nested(UnknownFieldSet m, int field) throws IOException {
    return UnknownFieldSet.parseFrom(m.getField(field).getLengthDelimitedList().get(0));
  }

  static long varint(UnknownFieldSet m, int field) {
    List<Long> v = m.getField(field).getVarintList();
    return v.isEmpty() ? 0 : v.get(0);
  }

  @Test
  void check_envoyEncodedAllowedRequest_answersOkInField1AndOkResponseInField3() throws Exception {
    UnknownFieldSet r = check(envoyCheckRequest("GET", "/public/page"));

    assertThat(varint(nested(r, 1), 1)).isZero(); // status.code = OK
    assertThat(r.hasField(3)).isTrue(); // ok_response
    assertThat(r.hasField(2)).isFalse();
    UnknownFieldSet header = nested(nested(nested(r, 3), 2), 1); // headers[0].header
    assertThat(header.getField(1).getLengthDelimitedList().get(0).toStringUtf8())
        .isEqualTo("x-vigil-decision-id");
    String id = header.getField(2).getLengthDelimitedList().get(0).toStringUtf8();
    assertThat(pdp.logged(id).eventJson()).contains("\"source_ip\":\"198.51.100.20\"");
  }

  @Test
  void check_envoyEncodedDeniedRequest_answers7With403DeniedResponse() throws Exception {
    UnknownFieldSet r = check(envoyCheckRequest("DELETE", "/admin"));

    assertThat(varint(nested(r, 1), 1)).isEqualTo(7); // status.code = PERMISSION_DENIED
    UnknownFieldSet denied = nested(r, 2); // denied_response
    assertThat(varint(nested(denied, 1), 1)).isEqualTo(403); // status.code = Forbidden
    assertThat(denied.getField(3).getLengthDelimitedList().get(0).toString(StandardCharsets.UTF_8))
        .contains("\"message\":\"access denied\"");
    assertThat(r.hasField(3)).isFalse();
  }

  /**
   * A truncated message used to surface as UNKNOWN "Application error processing RPC" with a stack
   * trace in the server's log for every call; it is the caller's fault and says so.
   */
  @Test
  void check_truncatedMessage_answersInvalidArgumentNamingTheMessage() {
    byte[] truncated = {0x0a, 0x03, 0x0a, 0x01, 0x0a}; // attributes > source > 1 byte of 10

    StatusRuntimeException e =
        catchThrowableOfType(StatusRuntimeException.class, () -> check(truncated));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription())
        .startsWith("malformed envoy.service.auth.v3.CheckRequest: ");
  }
}
