package dev.vigil.identity.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.RegistrationEntry;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.spiffe.svid.jwtsvid.JwtSvid;
import io.spiffe.workloadapi.DefaultJwtSource;
import io.spiffe.workloadapi.DefaultX509Source;
import io.spiffe.workloadapi.JwtSource;
import io.spiffe.workloadapi.JwtSourceOptions;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Workload API over a real Unix socket, with java-spiffe as an independent client: its
 * DefaultX509Source and DefaultJwtSource get SVIDs from the agent, and its JwtSvid validation
 * accepts Vigil's JWT-SVIDs against the bundle the agent serves.
 */
class WorkloadAgentTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  @TempDir Path dir;
  private Store store;
  private Identities ids;
  private WorkloadAgent agent;
  private RegistrationEntry entry;
  private final SpiffeId web = SpiffeId.parse("spiffe://prod.example/web");

  @BeforeEach
  void start() throws Exception {
    store = Store.open(StoreLocation.embedded(dir.resolve("data")));
    ids =
        new Identities(
            store,
            CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
            InstantSource.system(),
            CaConfig.defaults());
    int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    entry =
        ids.createEntry(
            web, List.of(Selector.parse("unix:uid:" + uid)), null, List.of("web.internal"));
    agent =
        WorkloadAgent.start(
            dir.resolve("agent.sock"),
            ids,
            Attestor.unix(),
            InstantSource.system(),
            Duration.ofMillis(200));
  }

  @AfterEach
  void stop() {
    agent.close();
    store.close();
  }

  private String address() {
    return "unix:" + agent.socket();
  }

  @Test
  void javaSpiffeX509Source_getsSvidThatVigilAlsoAccepts() throws Exception {
    try (DefaultX509Source source =
        DefaultX509Source.newSource(
            DefaultX509Source.X509SourceOptions.builder()
                .spiffeSocketPath(address())
                .initTimeout(Duration.ofSeconds(20))
                .build())) {
      var svid = source.getX509Svid();
      assertThat(svid.getSpiffeId().toString()).isEqualTo(web.toString());
      assertThat(svid.getChain()).hasSize(1);
      assertThat(ids.x509Validator().validate(svid.getChain())).isEqualTo(web);
      var bundle =
          source.getBundleForTrustDomain(io.spiffe.spiffeid.TrustDomain.parse("prod.example"));
      assertThat(bundle.getX509Authorities())
          .containsExactlyElementsOf(ids.bundle(web.trustDomain()).orElseThrow().x509Authorities());
    }
  }

  @Test
  void start_onSocketOfARunningAgent_isRefusedAndTheRunningAgentKeepsServing() throws Exception {
    // Regression: a second agent on the same path deleted the live socket and bound its own; when
    // it stopped, it removed the socket, and the first agent's workloads lost the Workload API.
    assertThatThrownBy(
            () ->
                WorkloadAgent.start(
                    agent.socket(),
                    ids,
                    Attestor.unix(),
                    InstantSource.system(),
                    Duration.ofMillis(200)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(agent.socket().toString())
        .hasMessageContaining("another process serves it");
    javaSpiffeX509Source_getsSvidThatVigilAlsoAccepts();
  }

  @Test
  void start_onPathThatIsNoSocket_isRefusedAndTheFileKept() throws Exception {
    // Regression: `--socket` naming a regular file (a typo for the store, say) deleted that file.
    Path file = dir.resolve("data").resolve("notes.txt");
    Files.writeString(file, "keep me");
    assertThatThrownBy(
            () ->
                WorkloadAgent.start(
                    file, ids, Attestor.unix(), InstantSource.system(), Duration.ofMillis(200)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("is not a socket");
    assertThat(Files.readString(file)).isEqualTo("keep me");
  }

  @Test
  void start_onStaleSocketFile_replacesIt() throws Exception {
    Path stale = dir.resolve("stale.sock");
    try (var ch =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      ch.bind(java.net.UnixDomainSocketAddress.of(stale));
    }
    assertThat(stale).exists();
    WorkloadAgent second =
        WorkloadAgent.start(
            stale, ids, Attestor.unix(), InstantSource.system(), Duration.ofMillis(200));
    try {
      assertThat(second.socket()).isEqualTo(stale.toAbsolutePath());
    } finally {
      second.close();
    }
  }

  @Test
  void javaSpiffeX509Source_seesFederatedBundle() throws Exception {
    var partner = new dev.vigil.identity.TrustDomain("partner.example");
    var theirs =
        dev.vigil.identity.TrustDomainCa.create(
            partner, CaConfig.defaults(), InstantSource.system());
    ids.importBundle(partner, theirs.bundle().toJson(), "test");
    try (DefaultX509Source source =
        DefaultX509Source.newSource(
            DefaultX509Source.X509SourceOptions.builder()
                .spiffeSocketPath(address())
                .initTimeout(Duration.ofSeconds(20))
                .build())) {
      var bundle =
          source.getBundleForTrustDomain(io.spiffe.spiffeid.TrustDomain.parse("partner.example"));
      assertThat(bundle.getX509Authorities())
          .containsExactlyElementsOf(theirs.bundle().x509Authorities());
    }
  }

  @Test
  void javaSpiffeX509Source_revokedSvidIsReplacedOnTheOpenStream() throws Exception {
    try (DefaultX509Source source =
        DefaultX509Source.newSource(
            DefaultX509Source.X509SourceOptions.builder()
                .spiffeSocketPath(address())
                .initTimeout(Duration.ofSeconds(20))
                .build())) {
      BigInteger first = source.getX509Svid().getLeaf().getSerialNumber();
      ids.revoke(source.getX509Svid().getLeaf());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (source.getX509Svid().getLeaf().getSerialNumber().equals(first)
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      BigInteger second = source.getX509Svid().getLeaf().getSerialNumber();
      assertThat(second).isNotEqualTo(first);
      assertThat(ids.x509Validator().validate(source.getX509Svid().getChain())).isEqualTo(web);
    }
  }

  @Test
  void javaSpiffeJwtSource_fetchesAndValidatesVigilJwtSvid() throws Exception {
    JwtSource source =
        DefaultJwtSource.newSource(
            JwtSourceOptions.builder()
                .spiffeSocketPath(address())
                .initTimeout(Duration.ofSeconds(20))
                .build());
    try {
      JwtSvid svid = source.fetchJwtSvid("db");
      assertThat(svid.getSpiffeId().toString()).isEqualTo(web.toString());
      JwtSvid checked = JwtSvid.parseAndValidate(svid.getToken(), source, Set.of("db"));
      assertThat(checked.getAudience()).containsExactly("db");
      assertThat(ids.jwtValidator().validate(svid.getToken(), "db").id()).isEqualTo(web);
    } finally {
      ((DefaultJwtSource) source).close();
    }
  }

  @SuppressWarnings("deprecation") // The epoll group is what the grpc-netty-shaded 1.x API takes.
  private byte[] rawCall(String method, byte[] request, boolean header) throws Exception {
    EventLoopGroup group = new EpollEventLoopGroup(1);
    ManagedChannel ch =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(agent.socket().toString()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .build();
    try {
      Metadata md = new Metadata();
      if (header) {
        md.put(WorkloadApi.SECURITY_HEADER, "true");
      }
      var intercepted =
          io.grpc.ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(md));
      return ClientCalls.blockingUnaryCall(
          intercepted,
          WorkloadApi.method(method, io.grpc.MethodDescriptor.MethodType.UNARY),
          CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
          request);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static byte[] jwtRequest(String audience) {
    return new Wire.Writer().string(1, audience).toBytes();
  }

  @Test
  void call_withoutSecurityHeader_isInvalidArgument() {
    assertThatThrownBy(() -> rawCall("FetchJWTSVID", jwtRequest("db"), false))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("security header");
            });
  }

  @Test
  void fetchJwtSvid_withHeader_returnsVigilToken() throws Exception {
    byte[] resp = rawCall("FetchJWTSVID", jwtRequest("db"), true);
    List<Wire.Field> svids = Wire.read(resp);
    assertThat(svids).hasSize(1);
    List<Wire.Field> svid = Wire.read(svids.getFirst().bytes());
    assertThat(svid.get(0).string()).isEqualTo(web.toString());
    assertThat(ids.jwtValidator().validate(svid.get(1).string(), "db").id()).isEqualTo(web);
  }

  @Test
  void fetchJwtSvid_withoutAudience_isInvalidArgument() {
    assertThatThrownBy(() -> rawCall("FetchJWTSVID", new byte[0], true))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void fetch_afterEntryDeleted_isPermissionDenied() throws Exception {
    ids.deleteEntry(entry.id());
    Thread.sleep(600);
    assertThatThrownBy(() -> rawCall("FetchJWTSVID", jwtRequest("db"), true))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("no identity issued");
            });
  }

  @Test
  void validateJwtSvid_forgedToken_isInvalidArgument() {
    byte[] req = new Wire.Writer().string(1, "db").string(2, "e30.e30.AAAA").toBytes();
    assertThatThrownBy(() -> rawCall("ValidateJWTSVID", req, true))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }
}
