package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.sidecar.SidecarConfig.AppProtocol;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.gateway.sidecar.SidecarConfig.Protocol;
import dev.vigil.identity.SpiffeId;
import dev.vigil.pdp.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SidecarConfigTest {

  @TempDir Path dir;

  private SidecarConfig read(String yaml) throws Exception {
    Path f = dir.resolve("sidecar.yaml");
    Files.writeString(f, yaml);
    return SidecarConfig.read(f);
  }

  /**
   * Asserts that {@code yaml} is refused at {@code line} of the file, naming {@code key}; the
   * message is there for more checks.
   */
  private AbstractThrowableAssert<?, ? extends Throwable> refusedAt(
      String yaml, int line, String key) {
    return assertThatThrownBy(() -> read(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(dir.resolve("sidecar.yaml") + ":" + line + ": " + key + ": ");
  }

  @Test
  void read_fullExample_buildsListeners() throws Exception {
    SidecarConfig c =
        read(
            """
            workload_api: unix:/run/vigil/agent.sock
            inbound:
              - name: orders-in
                listen: 127.0.0.1:15443
                peer_mode: permissive
                app: http://127.0.0.1:9000
                policy: sidecar/allow
                mode: monitor
                resource: {service: orders, environment: production}
            outbound:
              - name: to-billing
                listen: "[::1]:15001"
                target: 127.0.0.1:16443
                expect: spiffe://prod.example/billing
            """);

    assertThat(c.workloadApi()).isEqualTo("unix:/run/vigil/agent.sock");
    var in = c.inbound().getFirst();
    assertThat(in.peerMode()).isEqualTo(PeerMode.PERMISSIVE);
    assertThat(in.port()).isEqualTo(15443);
    assertThat(in.route().mode()).isEqualTo(Mode.MONITOR);
    assertThat(in.route().resource()).containsEntry("service", "orders");
    assertThat(in.appProtocol()).isEqualTo(AppProtocol.HTTP1);
    var out = c.outbound().getFirst();
    assertThat(out.host()).isEqualTo("::1");
    assertThat(out.expected()).isEqualTo(SpiffeId.parse("spiffe://prod.example/billing"));
    // For `vigil sidecar`'s error when the bundle defines no such path.
    assertThat(c.policyPlace("orders-in"))
        .isEqualTo(dir.resolve("sidecar.yaml") + ":7: inbound[0].policy");
    assertThat(c.policyPlace("to-billing")).isNull();
  }

  @Test
  void read_appNotOnLoopback_refusedNamingLineAndKey() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    inbound:
                      - name: in
                        listen: 0.0.0.0:15443
                        app: http://10.0.0.5:9000
                        policy: sidecar/allow
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:4: inbound[0].app")
        .hasMessageContaining("loopback");
  }

  @Test
  void read_badPeerMode_refusedNamingTheValue() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    inbound:
                      - name: in
                        listen: 127.0.0.1:1
                        peer_mode: lenient
                        app: http://127.0.0.1:9000
                        policy: sidecar/allow
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"lenient\" is not one of STRICT, PERMISSIVE");
  }

  @Test
  void read_expectIsNotASpiffeId_refused() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    outbound:
                      - name: out
                        listen: 127.0.0.1:1
                        target: 127.0.0.1:2
                        expect: https://billing
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("outbound[0].expect");
  }

  @Test
  void read_outboundListenBeyondLoopback_refusedBecauseItWouldLendTheWorkloadsIdentity() {
    // Regression: an outbound listener on 0.0.0.0 let any host on the network call other
    // workloads over mutual TLS with this workload's SVID.
    for (String host : new String[] {"0.0.0.0", "10.0.0.5", "[::]", "example.internal"}) {
      assertThatThrownBy(
              () ->
                  read(
                      """
                      outbound:
                        - name: out
                          listen: "%s:15001"
                          target: 127.0.0.1:2
                          expect: spiffe://prod.example/x
                      """
                          .formatted(host)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("sidecar.yaml:3: outbound[0].listen")
          .hasMessageContaining("loopback");
    }
  }

  @Test
  void read_outboundListenOnLoopback_accepted() throws Exception {
    for (String host : new String[] {"127.0.0.1", "127.0.0.2", "[::1]", "localhost"}) {
      SidecarConfig c =
          read(
              """
              outbound:
                - name: out
                  listen: "%s:15001"
                  target: 127.0.0.1:2
                  expect: spiffe://prod.example/x
              """
                  .formatted(host));
      assertThat(c.outbound())
          .singleElement()
          .satisfies(o -> assertThat(o.port()).isEqualTo(15001));
    }
  }

  @Test
  void read_expectIsATrustDomainId_refusedBecauseNoSvidCarriesIt() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    outbound:
                      - name: out
                        listen: 127.0.0.1:1
                        target: 127.0.0.1:2
                        expect: spiffe://prod.example
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:5: outbound[0].expect")
        .hasMessageContaining("names no workload");
  }

  /** As at the edge: input.action is one of four words, input.resource has five keys. */
  @Test
  void read_actionOrResourceKeyThePolicyInputHasNot_refusedAtTheirOwnLine() {
    String listener =
        """
        inbound:
          - name: in
            listen: 127.0.0.1:1
            app: http://127.0.0.1:9000
            policy: sidecar/allow
        """;
    assertThatThrownBy(() -> read(listener + "    action: raed\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:6: inbound[0].action: \"raed\" is not one of");
    assertThatThrownBy(() -> read(listener + "    resource: {enviroment: production}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:6: inbound[0].resource.enviroment: unknown key");
  }

  @Test
  void read_badModes_refusedAtTheirOwnLine() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    inbound:
                      - name: in
                        listen: 127.0.0.1:1
                        app: http://127.0.0.1:9000
                        policy: sidecar/allow
                        mode: enforcing
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:6: inbound[0].mode")
        .hasMessageContaining("\"enforcing\"");
    assertThatThrownBy(
            () ->
                read(
                    """
                    inbound:
                      - name: in
                        listen: 127.0.0.1:1
                        app: http://127.0.0.1:9000
                        policy: sidecar/allow
                        peer_mode: mutual
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:6: inbound[0].peer_mode")
        .hasMessageContaining("\"mutual\"");
  }

  @Test
  void read_noListeners_refused() {
    assertThatThrownBy(() -> read("workload_api: unix:/x\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("at least one inbound or outbound listener");
  }

  @Test
  void read_badPort_refusedNamingIt() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    outbound:
                      - name: out
                        listen: 127.0.0.1:99999
                        target: 127.0.0.1:2
                        expect: spiffe://prod.example/x
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("port \"99999\"");
  }

  @Test
  void read_appProtocolH2c_setOnTheListener() throws Exception {
    SidecarConfig c =
        read(
            """
            inbound:
              - name: greeter
                listen: 127.0.0.1:15443
                app: http://127.0.0.1:9000
                app_protocol: h2c
                policy: sidecar/allow
            """);

    assertThat(c.inbound().getFirst().appProtocol()).isEqualTo(AppProtocol.H2C);
  }

  @Test
  void read_unknownAppProtocol_refusedNamingLineAndValue() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    inbound:
                      - name: in
                        listen: 127.0.0.1:1
                        app: http://127.0.0.1:9000
                        app_protocol: grpc
                        policy: sidecar/allow
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:5: inbound[0].app_protocol")
        .hasMessageContaining("\"grpc\" is not one of http1, h2c");
  }

  /**
   * Regression: a policy path the decision point cannot read failed every request at run time; then
   * it was refused naming the listener's first line instead of the {@code policy} key's.
   */
  @Test
  void read_inboundPolicyTheDecisionPointCannotRead_refusedAtThePolicyLine() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    inbound:
                      - name: orders-in
                        listen: 127.0.0.1:15443
                        app: http://127.0.0.1:9000
                        policy: data.orders.al-low
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:5: inbound[0].policy: ")
        .hasMessageContaining("al-low");
  }

  /** Regression: a policy naming the whole data document was refused at the listener's line. */
  @Test
  void read_inboundPolicyNamingNoRule_refusedAtThePolicyLine() {
    refusedAt(
            """
            inbound:
              - name: orders-in
                listen: 127.0.0.1:15443
                app: http://127.0.0.1:9000
                policy: data
            """,
            5,
            "inbound[0].policy")
        .hasMessageContaining("names no rule");
  }

  /**
   * Regression: a blank listener name was accepted, so that decisions were logged under an empty
   * route and identity assertions carried an empty audience; vigil.yaml refuses a blank route name.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "inbound | '\"\"' | 2",
        "inbound | '\"  \"' | 2",
        "outbound | '\"\"' | 7",
      })
  void read_blankListenerName_refusedAtTheNameLine(String side, String name, int line) {
    String yaml =
        """
        inbound:
          - name: %s
            listen: 127.0.0.1:15443
            app: http://127.0.0.1:9000
            policy: sidecar/allow
        outbound:
          - name: %s
            listen: 127.0.0.1:15001
            target: 127.0.0.1:15444
            expect: spiffe://prod.example/billing
        """
            .formatted(
                side.equals("inbound") ? name : "in", side.equals("outbound") ? name : "out");
    assertThatThrownBy(() -> read(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            dir.resolve("sidecar.yaml") + ":" + line + ": " + side + "[0].name: ")
        .hasMessageContaining("a listener needs a name");
  }

  /**
   * Regression: a Workload API address the sidecar cannot dial was read without a word, then
   * refused at start without naming the file and line ({@code tcp://}), or dialled as the working
   * directory (an empty one) and reported as the agent being unavailable.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "'\"\"' | the Workload API address is empty",
        "tcp://127.0.0.1:8081 | \"tcp://127.0.0.1:8081\" is not supported",
      })
  void read_workloadApiTheSidecarCannotDial_refusedAtItsLine(String address, String message) {
    assertThatThrownBy(() -> read("workload_api: " + address + "\ninbound:\n" + INBOUND_ONLY))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(dir.resolve("sidecar.yaml") + ":1: workload_api: ")
        .hasMessageContaining(message);
  }

  @Test
  void read_workloadApiUnixPath_kept() throws Exception {
    SidecarConfig c = read("workload_api: unix:./data/agent.sock\ninbound:\n" + INBOUND_ONLY);
    assertThat(c.workloadApi()).isEqualTo("unix:./data/agent.sock");
  }

  /**
   * Regression: a host with characters no host name or address has was read without a word, and
   * only failed when the sidecar looked it up (at start for {@code listen}, at each call for {@code
   * target}).
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "target | 'bad host:15444' | 9",
        "target | 'billing/internal:15444' | 9",
        "target | '\"[::1:15444\"' | 9",
        "listen | 'orders@127.0.0.1:15001' | 8",
      })
  void read_hostThatIsNoHostName_refusedAtItsLine(String key, String value, int line) {
    String yaml =
        """
        inbound:
          - name: in
            listen: 127.0.0.1:15443
            app: http://127.0.0.1:9000
            policy: sidecar/allow
        outbound:
          - name: out
            listen: %s
            target: %s
            expect: spiffe://prod.example/billing
        """
            .formatted(
                key.equals("listen") ? value : "127.0.0.1:15001",
                key.equals("target") ? value : "billing.internal:15444");
    assertThatThrownBy(() -> read(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            dir.resolve("sidecar.yaml") + ":" + line + ": outbound[0]." + key + ": ")
        .hasMessageContaining("is no host name or IP address");
  }

  @ParameterizedTest
  @CsvSource({
    "billing.internal:15444",
    "Billing-1.svc_x.local:15444",
    "10.0.0.7:15444",
    "'\"[::1]:15444\"'",
    "'\"[fe80::1]:15444\"'"
  })
  void read_targetHostNameOrAddress_accepted(String target) throws Exception {
    SidecarConfig c =
        read(
            """
            outbound:
              - name: out
                listen: 127.0.0.1:15001
                target: %s
                expect: spiffe://prod.example/billing
            """
                .formatted(target));
    assertThat(c.outbound().getFirst().targetPort()).isEqualTo(15444);
  }

  /** Regression: a listener name used twice was refused at the second listener's first line. */
  @Test
  void read_listenerNameTwice_refusedAtTheSecondName() {
    refusedAt(
            """
            inbound:
              - name: orders
                listen: 127.0.0.1:15443
                app: http://127.0.0.1:9000
                policy: sidecar/allow
            outbound:
              - listen: 127.0.0.1:15001
                name: orders
                target: 127.0.0.1:15444
                expect: spiffe://prod.example/billing
            """,
            8,
            "outbound[0].name")
        .hasMessageContaining("\"orders\" is defined twice");
  }

  /**
   * Regression: these app URLs were accepted and then reached some other way than written: https
   * was spoken to in plaintext (on port 80 when the URL had none), a port beyond 65535 failed every
   * request at run time, a query was dropped, and {@code localhost:9000} was refused as "not on
   * loopback, not null".
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "https://127.0.0.1:9443 | \"https\" is not spoken to the app",
        "http://127.0.0.1:99999 | port 99999 is not from 1 to 65535",
        "http://127.0.0.1:0 | port 0 is not from 1 to 65535",
        "http://127.0.0.1:9000?v=1 | a query or fragment",
        "http://127.0.0.1:9000/#x | a query or fragment",
        "localhost:9000 | write http://localhost:9000",
        "127.0.0.1:9000 | write http://127.0.0.1:9000",
      })
  void read_appUrlTheSidecarWouldNotReachAsWritten_refusedNamingLineAndValue(
      String app, String message) {
    assertThatThrownBy(
            () ->
                read(
                    """
                    inbound:
                      - name: in
                        listen: 127.0.0.1:1
                        app: "%s"
                        app_protocol: h2c
                        policy: sidecar/allow
                    """
                        .formatted(app)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:4: inbound[0].app")
        .hasMessageContaining(message);
  }

  /**
   * Two listeners of one sidecar on one address were both started: Vert.x shares a server address
   * between the servers of one instance, so a caller of either port reached one listener or the
   * other (an mTLS caller of the inbound port met the outbound listener's plaintext parser).
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1:15001 | 127.0.0.1:15001",
        "localhost:15001 | LOCALHOST:15001",
        "127.0.0.1:15001 | 0.0.0.0:15001",
        "127.0.0.1:15001 | '[::]:15001'",
        "'[::1]:15001' | '[0:0:0:0:0:0:0:1]:15001'",
      })
  void read_twoListenersOnOneAddress_refusedNamingBoth(String first, String second) {
    String yaml =
        """
        inbound:
          - name: orders
            listen: "%s"
            app: http://127.0.0.1:9000
            policy: sidecar/allow
          - name: orders-too
            listen: "%s"
            app: http://127.0.0.1:9001
            policy: sidecar/allow
        """;
    String crossed =
        """
        outbound:
          - name: to-billing
            listen: "%s"
            target: 127.0.0.1:16443
            expect: spiffe://prod.example/billing
        inbound:
          - name: orders
            listen: "%s"
            app: http://127.0.0.1:9000
            policy: sidecar/allow
        """;

    assertThatThrownBy(() -> read(yaml.formatted(first, second)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:7: inbound[1].listen")
        .hasMessageContaining("listener \"orders\" (line 3) listens there too");
    assertThatThrownBy(() -> read(crossed.formatted(first, second)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:3: outbound[0].listen")
        .hasMessageContaining("listener \"orders\" (line 8) listens there too");
  }

  @Test
  void read_listenersOnOnePortOfTwoAddressesOrOnPortZero_accepted() throws Exception {
    SidecarConfig c =
        read(
            """
            inbound:
              - name: orders
                listen: 10.0.0.5:15001
                app: http://127.0.0.1:9000
                policy: sidecar/allow
              - name: any
                listen: 127.0.0.1:0
                app: http://127.0.0.1:9001
                policy: sidecar/allow
            outbound:
              - name: to-billing
                listen: 127.0.0.1:15001
                target: 127.0.0.1:16443
                expect: spiffe://prod.example/billing
              - name: to-ledger
                listen: 127.0.0.1:0
                target: 127.0.0.1:16444
                expect: spiffe://prod.example/ledger
            """);

    assertThat(c.inbound()).hasSize(2);
    assertThat(c.outbound()).hasSize(2);
  }

  @ParameterizedTest
  @CsvSource({"LOCALHOST:15001", "'[0:0:0:0:0:0:0:1]:15001'", "127.1.2.3:15001"})
  void read_outboundListenOnLoopbackSpelledAnotherWay_accepted(String listen) throws Exception {
    SidecarConfig c =
        read(
            """
            outbound:
              - name: out
                listen: "%s"
                target: 127.0.0.1:16443
                expect: spiffe://prod.example/billing
            """
                .formatted(listen));

    assertThat(c.outbound().getFirst().port()).isEqualTo(15001);
  }

  @Test
  void read_outboundTargetOnPortZero_refusedNamingIt() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    outbound:
                      - name: out
                        listen: 127.0.0.1:15001
                        target: billing.internal:0
                        expect: spiffe://prod.example/billing
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:4: outbound[0].target")
        .hasMessageContaining("port 0");
  }

  @Test
  void read_fileMissingOrADirectory_refusedSayingWhich() throws Exception {
    // Regression: a missing file read "sidecar.yaml: cannot read: sidecar.yaml", and a directory
    // "invalid YAML: java.io.IOException: Is a directory".
    Path missing = dir.resolve("nope.yaml");
    Path folder = Files.createDirectory(dir.resolve("conf.d"));

    assertThatThrownBy(() -> SidecarConfig.read(missing))
        .isInstanceOf(ConfigException.class)
        .hasMessage(missing + ": no such file");
    assertThatThrownBy(() -> SidecarConfig.read(folder))
        .isInstanceOf(ConfigException.class)
        .hasMessage(folder + ": is a directory, not a configuration file");
  }

  @Test
  void read_assertionJwks_onLoopbackAccepted_elsewhereRefusedNamingTheLine() throws Exception {
    String yaml =
        """
        assertion_jwks: "%s"
        outbound:
          - name: out
            listen: 127.0.0.1:15001
            target: 127.0.0.1:16443
            expect: spiffe://prod.example/billing
        """;

    assertThat(read(yaml.formatted("127.0.0.1:15002")).assertionJwks())
        .isEqualTo(new SidecarConfig.Address("127.0.0.1", 15002));
    assertThat(read("outbound: []\ninbound:\n" + INBOUND_ONLY).assertionJwks()).isNull();
    assertThatThrownBy(() -> read(yaml.formatted("0.0.0.0:15002")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:1: assertion_jwks")
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> read(yaml.formatted("127.0.0.1:15001")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sidecar.yaml:1: assertion_jwks")
        .hasMessageContaining("listener \"out\" (line 4) listens there too");
  }

  private static final String INBOUND_ONLY =
      """
        - name: in
          listen: 127.0.0.1:15443
          app: http://127.0.0.1:9000
          policy: sidecar/allow
      """;

  @Test
  void read_tcpListeners_protocolAndAppAddressSet() throws Exception {
    SidecarConfig c =
        read(
            """
            inbound:
              - name: db-in
                listen: 127.0.0.1:15432
                protocol: tcp
                app: 127.0.0.1:5432
                policy: sidecar/allow
                action: read
              - name: db-in-2
                listen: 127.0.0.1:15433
                protocol: TCP
                app: tcp://[::1]:5433
                policy: sidecar/allow
            outbound:
              - name: to-db
                listen: 127.0.0.1:15001
                protocol: tcp
                target: 127.0.0.1:15432
                expect: spiffe://prod.example/db
              - name: to-web
                listen: 127.0.0.1:15002
                target: 127.0.0.1:15443
                expect: spiffe://prod.example/web
            """);

    var in = c.inbound().getFirst();
    assertThat(in.protocol()).isEqualTo(Protocol.TCP);
    assertThat(in.peerMode()).isEqualTo(PeerMode.STRICT);
    assertThat(in.route().upstream()).hasToString("tcp://127.0.0.1:5432");
    assertThat(in.route().action()).isEqualTo("read");
    assertThat(c.inbound().get(1).route().upstream()).hasToString("tcp://[::1]:5433");
    assertThat(c.outbound().get(0).protocol()).isEqualTo(Protocol.TCP);
    assertThat(c.outbound().get(1).protocol()).isEqualTo(Protocol.HTTP);
  }

  @Test
  void read_tcpOnAPermissivePort_refusedNamingTheLine() {
    refusedAt(
            """
            inbound:
              - name: db-in
                listen: 127.0.0.1:15432
                protocol: tcp
                peer_mode: PERMISSIVE
                app: 127.0.0.1:5432
                policy: sidecar/allow
            """,
            5,
            "inbound[0].peer_mode")
        .hasMessageContaining("a byte stream cannot be marked plaintext");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "app_protocol: h2c|app: 127.0.0.1:5432|5|inbound[0].app_protocol|app_protocol is for HTTP",
        "protocol: udp|app: 127.0.0.1:5432|4|inbound[0].protocol|\"udp\" is not one of http, tcp",
        "action: read|app: http://127.0.0.1:5432|6|inbound[0].app|is not an address for protocol",
        "action: read|app: 10.0.0.5:5432|6|inbound[0].app|must be on loopback",
        "action: read|app: 127.0.0.1:0|6|inbound[0].app|port 0",
        "action: read|app: 127.0.0.1|6|inbound[0].app|expected host:port",
      })
  void read_tcpOptionsThatMakeNoSenseForTcp_refusedNamingLineAndKey(
      String option, String app, int line, String key, String why) {
    String yaml =
        "inbound:\n"
            + "  - name: db-in\n"
            + "    listen: 127.0.0.1:15432\n"
            + (option.startsWith("protocol") ? "" : "    protocol: tcp\n")
            + "    "
            + option
            + "\n"
            + "    "
            + app
            + "\n"
            + "    policy: sidecar/allow\n";
    assertThatThrownBy(() -> read(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(dir.resolve("sidecar.yaml") + ":" + line + ": " + key + ": ")
        .hasMessageContaining(why);
  }

  @Test
  void read_tcpIdleTimeout_readAsADurationPerListener() throws Exception {
    SidecarConfig c =
        read(
            """
            inbound:
              - name: db-in
                listen: 127.0.0.1:15432
                protocol: tcp
                app: 127.0.0.1:5432
                policy: sidecar/allow
                idle_timeout: 10m
              - name: db-in-2
                listen: 127.0.0.1:15433
                protocol: tcp
                app: 127.0.0.1:5433
                policy: sidecar/allow
            outbound:
              - name: to-db
                listen: 127.0.0.1:15001
                protocol: tcp
                target: 127.0.0.1:15432
                expect: spiffe://prod.example/db
                idle_timeout: 2h
            """);

    assertThat(c.inbound().get(0).idleTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.inbound().get(1).idleTimeout()).isNull();
    assertThat(c.outbound().getFirst().idleTimeout()).isEqualTo(Duration.ofHours(2));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "tcp|10 minutes|\"10 minutes\" has no unit after 10",
        "tcp|10ms|\"10ms\" idle timeout 10ms is not from 1s to 365d",
        "tcp|1500ms|\"1500ms\" idle timeout 1s500ms is not whole seconds",
        "tcp|0s|\"0s\" idle timeout 0s is not from 1s to 365d",
        "tcp|400d|is not from 1s to 365d",
        "http|10m|idle_timeout is for listeners with protocol: tcp",
      })
  void read_badIdleTimeout_refusedNamingLineAndKey(String protocol, String value, String why) {
    String yaml =
        "inbound:\n"
            + "  - name: db-in\n"
            + "    listen: 127.0.0.1:15432\n"
            + "    protocol: "
            + protocol
            + "\n"
            + "    app: "
            + (protocol.equals("tcp") ? "127.0.0.1:5432" : "http://127.0.0.1:9000")
            + "\n"
            + "    policy: sidecar/allow\n"
            + "    idle_timeout: "
            + value
            + "\n";
    assertThatThrownBy(() -> read(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(dir.resolve("sidecar.yaml") + ":7: inbound[0].idle_timeout: ")
        .hasMessageContaining(why);
  }

  @Test
  void read_badOutboundIdleTimeout_refusedNamingLineAndKey() {
    refusedAt(
            """
            outbound:
              - name: to-db
                listen: 127.0.0.1:15001
                protocol: tcp
                target: 127.0.0.1:15432
                expect: spiffe://prod.example/db
                idle_timeout: soon
            """,
            7,
            "outbound[0].idle_timeout")
        .hasMessageContaining("\"soon\" is not a duration");
  }
}
