package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.Code;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.ServerTls;
import dev.vigil.pdp.api.OpaApi;
import dev.vigil.pdp.extauthz.envoy.auth.CheckResponse;
import dev.vigil.pdp.extauthz.grpc.EnvoyAuthorizationService;
import dev.vigil.pdp.extauthz.grpc.GrpcAuthzServer;
import dev.vigil.testkit.OpensslCerts;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API and the gRPC ext_authz server over TLS and mutual TLS, with certificates made by the
 * openssl command line: only clients with a certificate of the configured CA get through.
 */
class ServerTlsTest {

  @TempDir static Path tmp;
  static ExtAuthzFixture pdp;
  static ServerTls tls;
  static PdpServer https;
  static GrpcAuthzServer grpcs;

  @BeforeAll
  static void start() throws Exception {
    new OpensslCerts(tmp)
        .ca("ca")
        .ca("other-ca")
        .leaf("server", "ca", "subjectAltName=IP:127.0.0.1")
        .leaf("client", "ca", "extendedKeyUsage=clientAuth")
        .leaf("intruder", "other-ca", "extendedKeyUsage=clientAuth");
    pdp = new ExtAuthzFixture(tmp, List.of(), Mode.ENFORCE);
    tls =
        ServerTls.read(tmp.resolve("server.pem"), tmp.resolve("server.key"), tmp.resolve("ca.pem"));
    https =
        PdpServer.start(
            "127.0.0.1",
            0,
            pdp.pdp,
            new PdpMetrics(pdp.log),
            OpaApi.Options.defaults(),
            router -> HttpAuthzRoutes.install(router, pdp.authorizer),
            tls);
    grpcs = GrpcAuthzServer.start("127.0.0.1", 0, pdp.authorizer, tls);
  }

  @AfterAll
  static void stop() {
    grpcs.close();
    https.close();
    pdp.close();
  }

  @Test
  void restApi_clientWithCertificateOfTheCa_isServed() throws Exception {
    HttpResponse<String> r = get(client("client"), "/health");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{}");
  }

  @Test
  void restApi_clientWithoutCertificate_isRefusedAtTheHandshake() throws Exception {
    HttpClient anonymous = client(null);

    assertThatThrownBy(() -> get(anonymous, "/health")).isInstanceOf(IOException.class);
  }

  @Test
  void restApi_clientOfAnotherCa_isRefusedAtTheHandshake() throws Exception {
    HttpClient intruder = client("intruder");

    assertThatThrownBy(() -> get(intruder, "/health")).isInstanceOf(IOException.class);
  }

  @Test
  void grpcCheck_overMutualTls_decidesAndRefusesOtherClients() throws Exception {
    ManagedChannel good = channel("client");
    ManagedChannel bad = channel("intruder");
    try {
      CheckResponse allowed = check(good, "/public/a");
      CheckResponse denied = check(good, "/admin");

      assertThat(allowed.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
      assertThat(denied.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
      assertThatThrownBy(() -> check(bad, "/public/a"))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("UNAVAILABLE");
    } finally {
      good.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      bad.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void read_keyOfAnotherCertificate_namesBothFiles() {
    assertThatThrownBy(
            () -> ServerTls.read(tmp.resolve("server.pem"), tmp.resolve("client.key"), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("client.key")
        .hasMessageContaining("does not belong to the first certificate of")
        .hasMessageContaining("server.pem");
  }

  /**
   * Regression: only PKCS#8 keys were read, while openssl writes SEC 1 ({@code openssl ec}) and
   * PKCS#1 ({@code -traditional}) keys too and the gateway's key file took them.
   */
  @Test
  void read_sec1AndPkcs1KeysMadeByOpenssl_readAsTheirPkcs8Form() throws Exception {
    OpensslCerts openssl = new OpensslCerts(tmp);
    Path sec1 = tmp.resolve("sec1.key");
    openssl.openssl("ec", "-in", tmp.resolve("server.key").toString(), "-out", sec1.toString());
    openssl.openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "rsa.key",
        "-out",
        "rsa.pem",
        "-subj",
        "/CN=rsa",
        "-days",
        "2");
    Path pkcs1 = tmp.resolve("pkcs1.key");
    openssl.openssl("rsa", "-in", "rsa.key", "-traditional", "-out", pkcs1.toString());

    assertThat(Files.readString(sec1)).startsWith("-----BEGIN EC PRIVATE KEY-----");
    assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    ServerTls ec = ServerTls.read(tmp.resolve("server.pem"), sec1, null);
    ServerTls rsa = ServerTls.read(tmp.resolve("rsa.pem"), pkcs1, null);
    ServerTls rsaPkcs8 = ServerTls.read(tmp.resolve("rsa.pem"), tmp.resolve("rsa.key"), null);
    // Read at all, each matched its certificate; and each is the same key as its PKCS#8 form.
    assertThat(((ECPrivateKey) ec.key()).getS()).isEqualTo(((ECPrivateKey) tls.key()).getS());
    assertThat(((RSAPrivateKey) rsa.key()).getPrivateExponent())
        .isEqualTo(((RSAPrivateKey) rsaPkcs8.key()).getPrivateExponent());
  }

  @Test
  void read_encryptedKeyOrGarbage_namesTheFileAndTheFix() throws Exception {
    Path encrypted = tmp.resolve("encrypted.key");
    new OpensslCerts(tmp)
        .openssl(
            "pkey",
            "-in",
            tmp.resolve("server.key").toString(),
            "-aes256",
            "-passout",
            "pass:pw",
            "-out",
            encrypted.toString());
    Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not a certificate\n");

    assertThatThrownBy(() -> ServerTls.read(tmp.resolve("server.pem"), encrypted, null))
        .hasMessageContaining("--tls-key " + encrypted + ": the private key is encrypted")
        .hasMessageContaining("openssl pkey");
    assertThatThrownBy(() -> ServerTls.read(tmp.resolve("server.pem"), garbage, null))
        .hasMessageContaining("--tls-key " + garbage + ": expected one private key")
        .hasMessageContaining("found 0");
    assertThatThrownBy(() -> ServerTls.read(garbage, tmp.resolve("server.key"), null))
        .hasMessageContaining("--tls-cert " + garbage + ": no CERTIFICATE block");
    assertThatThrownBy(() -> ServerTls.read(tmp.resolve("missing.pem"), encrypted, null))
        .hasMessageContaining("missing.pem: cannot read it: no such file or directory");
  }

  @Test
  void read_directoryGivenAsCertificate_saysWhyItCannotBeRead() throws Exception {
    // Was "--tls-cert DIR: cannot read it", with no reason.
    Path dir = Files.createDirectories(tmp.resolve("certs"));

    assertThatThrownBy(() -> ServerTls.read(dir, tmp.resolve("server.key"), null))
        .hasMessage("--tls-cert " + dir + ": cannot read it: is a directory");
  }

  private static HttpResponse<String> get(HttpClient c, String path) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient client(String name) throws Exception {
    ServerTls trust =
        ServerTls.read(
            tmp.resolve(name == null ? "server.pem" : name + ".pem"),
            tmp.resolve(name == null ? "server.key" : name + ".key"),
            tmp.resolve("ca.pem"));
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(
        name == null ? null : trust.keyManagers().getKeyManagers(),
        trust.trustManagers().getTrustManagers(),
        null);
    return HttpClient.newBuilder().sslContext(ctx).build();
  }

  private static ManagedChannel channel(String name) throws Exception {
    ServerTls own =
        ServerTls.read(
            tmp.resolve(name + ".pem"), tmp.resolve(name + ".key"), tmp.resolve("ca.pem"));
    return NettyChannelBuilder.forAddress("127.0.0.1", grpcs.port())
        .sslContext(
            GrpcSslContexts.forClient()
                .keyManager(own.keyManagers())
                .trustManager(own.trustManagers())
                .build())
        .build();
  }

  private static CheckResponse check(ManagedChannel channel, String path) {
    return ClientCalls.blockingUnaryCall(
        channel,
        EnvoyAuthorizationService.CHECK,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        EnvoyGrpcCheckTest.request("GET", path, Map.of()));
  }
}
