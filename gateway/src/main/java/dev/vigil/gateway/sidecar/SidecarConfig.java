package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.config.YamlNode;
import dev.vigil.httpkit.DurationText;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.SpiffeIdException;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What one sidecar serves: inbound listeners, which take mTLS from other workloads and forward
 * decided requests to the app on loopback, and outbound listeners, which take plain HTTP from the
 * app and originate mTLS to another workload's sidecar. Immutable.
 *
 * @param workloadApi the Workload API address ({@code unix:/path}), or null when given elsewhere
 * @param inbound the inbound listeners
 * @param outbound the outbound listeners
 * @param assertionJwks where the public keys of the identity assertions are served to the apps
 *     (loopback), or null for nowhere
 * @param policyPlaces where each inbound listener's {@code policy} key is written, by listener
 *     name, as {@code file:line: inbound[i].policy}, for errors about the path it names
 */
public record SidecarConfig(
    String workloadApi,
    List<Inbound> inbound,
    List<Outbound> outbound,
    Address assertionJwks,
    Map<String, String> policyPlaces) {

  /** A configuration not read from a file: its errors name no place. */
  public SidecarConfig(
      String workloadApi, List<Inbound> inbound, List<Outbound> outbound, Address assertionJwks) {
    this(workloadApi, inbound, outbound, assertionJwks, Map.of());
  }

  /**
   * Returns where the {@code policy} key of the inbound listener named {@code name} is written, or
   * null when this configuration does not come from a file.
   */
  public String policyPlace(String name) {
    return policyPlaces.get(name);
  }

  /** A loopback address and port to listen on (port 0 picks a free one). */
  public record Address(String host, int port) {
    public Address {
      Objects.requireNonNull(host, "host");
    }
  }

  /** A configuration that serves the assertion keys nowhere. */
  public SidecarConfig(String workloadApi, List<Inbound> inbound, List<Outbound> outbound) {
    this(workloadApi, inbound, outbound, null);
  }

  /** Whether an inbound port also takes callers without a client certificate. */
  public enum PeerMode {
    /** Only mutual TLS with a valid X.509-SVID. */
    STRICT,
    /** Mutual TLS, and also plaintext (or TLS without a certificate), marked as such. */
    PERMISSIVE;

    static PeerMode parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "peer mode \"" + text + "\" is not one of STRICT, PERMISSIVE");
      }
    }
  }

  /** The protocol the sidecar speaks to the app behind an inbound listener, on loopback. */
  public enum AppProtocol {
    /** HTTP/1.1, whatever the caller spoke (the default). */
    HTTP1,
    /**
     * HTTP/2 in cleartext with prior knowledge (RFC 9113 section 3.3): what a gRPC server takes.
     */
    H2C;

    static AppProtocol parse(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "http1" -> HTTP1;
        case "h2c" -> H2C;
        default ->
            throw new IllegalArgumentException(
                "app protocol \"" + text + "\" is not one of http1, h2c");
      };
    }
  }

  /**
   * What a listener carries: HTTP requests, each decided on its own (the default), or a TCP byte
   * stream decided once when it opens (a database's own protocol, for example).
   */
  public enum Protocol {
    /** HTTP/1.1 and HTTP/2, request by request. */
    HTTP,
    /** Bytes relayed both ways as they come, one policy decision per connection. */
    TCP;

    static Protocol parse(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "http" -> HTTP;
        case "tcp" -> TCP;
        default ->
            throw new IllegalArgumentException("protocol \"" + text + "\" is not one of http, tcp");
      };
    }
  }

  /**
   * An inbound listener.
   *
   * @param host the address to listen on
   * @param port the port (0 picks a free one)
   * @param peerMode STRICT or PERMISSIVE
   * @param route the app on loopback (as upstream), the policy path, decision mode and resource
   * @param appProtocol how requests are relayed to the app (HTTP only)
   * @param protocol HTTP, or TCP: then the route's upstream is {@code tcp://host:port} on loopback
   *     and the peer mode STRICT
   * @param idleTimeout how long a TCP connection may carry no byte either way before it is closed,
   *     with the one it opened to the app; null for the default, an hour (TCP only)
   */
  public record Inbound(
      String host,
      int port,
      PeerMode peerMode,
      Route route,
      AppProtocol appProtocol,
      Protocol protocol,
      Duration idleTimeout) {
    public Inbound {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(peerMode, "peerMode");
      Objects.requireNonNull(route, "route");
      Objects.requireNonNull(appProtocol, "appProtocol");
      Objects.requireNonNull(protocol, "protocol");
      if (protocol == Protocol.TCP && peerMode != PeerMode.STRICT) {
        throw new IllegalArgumentException(TCP_NOT_PERMISSIVE);
      }
      checkIdleTimeout(idleTimeout, protocol);
      boolean tcpApp = route.upstream().getScheme().equals("tcp");
      if (tcpApp != (protocol == Protocol.TCP)) {
        throw new IllegalArgumentException(
            "inbound listener "
                + route.name()
                + ": app "
                + route.upstream()
                + (tcpApp ? " is for protocol: tcp" : " is no tcp:// address for protocol: tcp"));
      }
    }

    /** An inbound listener whose TCP connections, if any, idle out after the default hour. */
    public Inbound(
        String host,
        int port,
        PeerMode peerMode,
        Route route,
        AppProtocol appProtocol,
        Protocol protocol) {
      this(host, port, peerMode, route, appProtocol, protocol, null);
    }

    /** An HTTP inbound listener. */
    public Inbound(String host, int port, PeerMode peerMode, Route route, AppProtocol appProtocol) {
      this(host, port, peerMode, route, appProtocol, Protocol.HTTP);
    }

    /** An inbound listener whose app speaks HTTP/1.1. */
    public Inbound(String host, int port, PeerMode peerMode, Route route) {
      this(host, port, peerMode, route, AppProtocol.HTTP1);
    }

    public String name() {
      return route.name();
    }
  }

  /**
   * An outbound listener: plain HTTP on loopback for the app, mTLS to the target.
   *
   * @param name recorded with refusals
   * @param host the address to listen on (loopback)
   * @param port the port (0 picks a free one)
   * @param targetHost the other workload's sidecar
   * @param targetPort its inbound port
   * @param expected the only SPIFFE ID the target may present
   * @param protocol HTTP, or TCP: the app's bytes go to the target as they come
   * @param idleTimeout how long a TCP connection may carry no byte either way before it is closed,
   *     with the one to the target; null for the default, an hour (TCP only)
   */
  public record Outbound(
      String name,
      String host,
      int port,
      String targetHost,
      int targetPort,
      SpiffeId expected,
      Protocol protocol,
      Duration idleTimeout) {
    public Outbound {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(expected, "expected");
      Objects.requireNonNull(protocol, "protocol");
      checkIdleTimeout(idleTimeout, protocol);
    }

    /** An outbound listener whose TCP connections, if any, idle out after the default hour. */
    public Outbound(
        String name,
        String host,
        int port,
        String targetHost,
        int targetPort,
        SpiffeId expected,
        Protocol protocol) {
      this(name, host, port, targetHost, targetPort, expected, protocol, null);
    }

    /** An HTTP outbound listener. */
    public Outbound(
        String name, String host, int port, String targetHost, int targetPort, SpiffeId expected) {
      this(name, host, port, targetHost, targetPort, expected, Protocol.HTTP);
    }
  }

  /** The longest {@code idle_timeout}: a connection idle for longer is as good as never idle. */
  static final Duration MAX_IDLE_TIMEOUT = Duration.ofDays(365);

  /**
   * Refuses an idle timeout on an HTTP listener, or one that is not whole seconds from 1 s to a
   * year (the relay counts idle time in seconds).
   */
  private static void checkIdleTimeout(Duration idle, Protocol protocol) {
    if (idle == null) {
      return;
    }
    if (protocol != Protocol.TCP) {
      throw new IllegalArgumentException(IDLE_TIMEOUT_TCP_ONLY);
    }
    if (idle.compareTo(Duration.ofSeconds(1)) < 0 || idle.compareTo(MAX_IDLE_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "idle timeout "
              + DurationText.format(idle)
              + " is not from 1s to "
              + MAX_IDLE_TIMEOUT.toDays()
              + "d; leave it out for the default, 1h");
    }
    if (idle.toMillis() % 1000 != 0) {
      throw new IllegalArgumentException(
          "idle timeout " + DurationText.format(idle) + " is not whole seconds");
    }
  }

  static final String IDLE_TIMEOUT_TCP_ONLY =
      "idle_timeout is for listeners with protocol: tcp; an HTTP listener's connections idle out"
          + " after 60s (not configurable)";

  /** Why a TCP inbound listener is STRICT only. */
  static final String TCP_NOT_PERMISSIVE =
      "peer_mode PERMISSIVE is for HTTP listeners: a byte stream cannot be marked plaintext"
          + " request by request, so a tcp listener takes mutual TLS only (STRICT)";

  public SidecarConfig {
    inbound = List.copyOf(inbound);
    outbound = List.copyOf(outbound);
    policyPlaces = Map.copyOf(policyPlaces);
  }

  /**
   * Reads a sidecar configuration file (docs/sidecar.md).
   *
   * @throws ConfigException naming the file, line and key of the first problem
   */
  public static SidecarConfig read(Path file) {
    YamlNode top = YamlNode.read(file);
    Map<String, YamlNode> m =
        top.mapping(Set.of("workload_api", "inbound", "outbound", "assertion_jwks"));
    Set<String> names = new HashSet<>();
    List<Bound> bound = new ArrayList<>();
    List<Inbound> in = new ArrayList<>();
    Map<String, String> policyPlaces = new HashMap<>();
    for (YamlNode n : items(m, "inbound")) {
      Inbound i = inbound(n);
      Map<String, YamlNode> keys = n.mapping(INBOUND_KEYS);
      unique(names, i.name(), keys.get("name"));
      alone(bound, new Bound(i.name(), i.host(), i.port(), keys.get("listen")));
      policyPlaces.put(i.name(), keys.get("policy").place());
      in.add(i);
    }
    List<Outbound> out = new ArrayList<>();
    for (YamlNode n : items(m, "outbound")) {
      Outbound o = outbound(n);
      unique(names, o.name(), n.mapping(OUTBOUND_KEYS).get("name"));
      alone(bound, new Bound(o.name(), o.host(), o.port(), n.mapping(OUTBOUND_KEYS).get("listen")));
      out.add(o);
    }
    if (in.isEmpty() && out.isEmpty()) {
      throw top.error("a sidecar needs at least one inbound or outbound listener");
    }
    Address jwks = null;
    YamlNode jwksNode = m.get("assertion_jwks");
    if (jwksNode != null && !jwksNode.isMissing()) {
      String[] listen = hostPort(jwksNode);
      if (!isLoopback(listen[0])) {
        throw jwksNode.error(
            "the assertion keys are served to the apps on this host: listen on loopback"
                + " (127.0.0.1, [::1] or localhost), not \""
                + listen[0]
                + "\"");
      }
      jwks = new Address(listen[0], Integer.parseInt(listen[1]));
      alone(bound, new Bound("assertion_jwks", jwks.host(), jwks.port(), jwksNode));
    }
    return new SidecarConfig(workloadApi(m), in, out, jwks, policyPlaces);
  }

  /**
   * Reads {@code workload_api}, or null when it is left out; an empty address, or one the agent
   * does not serve ({@code tcp://}), is refused at its own line rather than when the sidecar dials
   * it.
   */
  private static String workloadApi(Map<String, YamlNode> m) {
    String address = text(m, "workload_api", null);
    if (address == null) {
      return null;
    }
    YamlNode n = m.get("workload_api");
    if (address.isBlank()) {
      throw n.error(
          "the Workload API address is empty; write unix:/path/to/agent.sock, or leave the key"
              + " out for --workload-api, SPIFFE_ENDPOINT_SOCKET or DATA_DIR/agent.sock");
    }
    try {
      WorkloadCredentials.absolute(address);
    } catch (IllegalStateException e) {
      throw n.error(e.getMessage());
    }
    return address;
  }

  /** A listener's address, with the node it was read from. */
  private record Bound(String name, String host, int port, YamlNode listen) {}

  /**
   * Refuses a listener whose address another listener of this sidecar already takes. The OS would
   * not refuse it: Vert.x shares one server socket between the servers of an instance that listen
   * on the same host and port, and hands each connection to one of them, so a caller of the inbound
   * port could meet the outbound listener, or one inbound listener's policy another's. Port 0 picks
   * a free port each time and never clashes.
   */
  private static void alone(List<Bound> bound, Bound b) {
    if (b.port() != 0) {
      for (Bound other : bound) {
        if (other.port() == b.port() && overlap(other.host(), b.host())) {
          throw b.listen()
              .error(
                  "\""
                      + b.listen().string().trim()
                      + "\": listener \""
                      + other.name()
                      + "\" (line "
                      + other.listen().line()
                      + ") listens there too; give each listener an address of its own");
        }
      }
    }
    bound.add(b);
  }

  /** Tells whether two listen hosts can take the same connections: equal, or one a wildcard. */
  private static boolean overlap(String a, String b) {
    InetAddress x = literal(a);
    InetAddress y = literal(b);
    if ((x != null && x.isAnyLocalAddress()) || (y != null && y.isAnyLocalAddress())) {
      return true;
    }
    return x != null && y != null ? x.equals(y) : a.equalsIgnoreCase(b);
  }

  /** Returns the address an IP literal names, or null for a host name (never looked up). */
  private static InetAddress literal(String host) {
    boolean v4 = host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    if (v4) {
      for (String octet : host.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          return null; // Not a literal; looking it up as a name would ask DNS.
        }
      }
    } else if (!host.contains(":")) {
      return null;
    }
    try {
      // A literal is parsed, never resolved.
      return InetAddress.getByName(host);
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }

  private static void unique(Set<String> names, String name, YamlNode n) {
    if (!names.add(name)) {
      throw n.error("listener \"" + name + "\" is defined twice");
    }
  }

  private static final Set<String> INBOUND_KEYS =
      Set.of(
          "name",
          "listen",
          "peer_mode",
          "app",
          "app_protocol",
          "policy",
          "mode",
          "resource",
          "action",
          "protocol",
          "idle_timeout");

  private static final Set<String> OUTBOUND_KEYS =
      Set.of("name", "listen", "target", "expect", "protocol", "idle_timeout");

  private static Inbound inbound(YamlNode n) {
    Map<String, YamlNode> m = n.mapping(INBOUND_KEYS);
    String[] listen = hostPort(required(n, m, "listen"));
    Protocol protocol = parsed(m, "protocol", "http", Protocol::parse);
    PeerMode peerMode = parsed(m, "peer_mode", "STRICT", PeerMode::parse);
    AppProtocol appProtocol = parsed(m, "app_protocol", "http1", AppProtocol::parse);
    if (protocol == Protocol.TCP) {
      if (peerMode != PeerMode.STRICT) {
        throw m.get("peer_mode").error(TCP_NOT_PERMISSIVE);
      }
      if (m.containsKey("app_protocol")) {
        throw m.get("app_protocol")
            .error(
                "app_protocol is for HTTP listeners: a tcp listener relays the bytes as they"
                    + " come, whatever the app speaks; leave it out");
      }
    }
    Mode mode = parsed(m, "mode", "enforce", Mode::parse);
    Map<String, String> resource =
        m.containsKey("resource") ? m.get("resource").stringMap(Route.RESOURCE_KEYS) : Map.of();
    String name =
        listenerName(
            required(n, m, "name"),
            "its decisions and the audience of its" + " identity assertions carry it");
    URI app =
        protocol == Protocol.TCP
            ? loopbackTcpApp(required(n, m, "app"))
            : loopbackApp(required(n, m, "app"));
    String policy = policyPath(required(n, m, "policy"));
    try {
      Route route = new Route(name, "*", "/", app, policy, mode, resource, action(m));
      return new Inbound(
          listen[0],
          Integer.parseInt(listen[1]),
          peerMode,
          route,
          appProtocol,
          protocol,
          idleTimeout(m, protocol));
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }

  private static Outbound outbound(YamlNode n) {
    Map<String, YamlNode> m = n.mapping(OUTBOUND_KEYS);
    YamlNode listenNode = required(n, m, "listen");
    String[] listen = hostPort(listenNode);
    if (!isLoopback(listen[0])) {
      // Whoever reaches this port calls other workloads with this workload's SVID.
      throw listenNode.error(
          "an outbound listener must be on loopback (127.0.0.1, [::1] or localhost), not \""
              + listen[0]
              + "\": whoever reaches it calls out as this workload");
    }
    YamlNode targetNode = required(n, m, "target");
    String[] target = hostPort(targetNode);
    if (target[1].equals("0") || Integer.parseInt(target[1]) == 0) {
      throw targetNode.error(
          "port 0 in \""
              + targetNode.string().trim()
              + "\" is no port to connect to; name the target sidecar's inbound port");
    }
    YamlNode expect = required(n, m, "expect");
    SpiffeId expected;
    try {
      expected = SpiffeId.parse(expect.string());
    } catch (SpiffeIdException e) {
      throw expect.error(e.getMessage());
    }
    if (expected.isTrustDomainId()) {
      throw expect.error(
          "\""
              + expected
              + "\" names no workload (no SVID carries a trust domain's own ID); name the"
              + " target's SPIFFE ID, e.g. "
              + expected
              + "/billing");
    }
    Protocol protocol = parsed(m, "protocol", "http", Protocol::parse);
    return new Outbound(
        listenerName(required(n, m, "name"), "its refusals are logged under it"),
        listen[0],
        Integer.parseInt(listen[1]),
        target[0],
        Integer.parseInt(target[1]),
        expected,
        protocol,
        idleTimeout(m, protocol));
  }

  /**
   * Reads a listener's name, refusing a blank one at its own line: {@code why} says what carries
   * the name, so that an empty one would leave it unnamed.
   */
  private static String listenerName(YamlNode n, String why) {
    String name = n.string();
    if (name.isBlank()) {
      throw n.error("a listener needs a name: " + why);
    }
    return name;
  }

  /**
   * Reads an inbound listener's policy path as the decision point reads it at every request,
   * refusing one that names no rule at the {@code policy} key's own line.
   */
  private static String policyPath(YamlNode n) {
    String text = n.string();
    try {
      Route.checkPolicyPath(text);
      PolicyPath.parse(text);
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
    return text;
  }

  /**
   * Reads a listener's {@code idle_timeout} (a duration as elsewhere in Vigil's configuration:
   * {@code 90s}, {@code 10m}, {@code 8h}, {@code 1d}), or null when it is left out; a bad value is
   * named by its own line.
   */
  private static Duration idleTimeout(Map<String, YamlNode> m, Protocol protocol) {
    YamlNode n = m.get("idle_timeout");
    if (n == null || n.isMissing()) {
      return null;
    }
    Duration idle = VigilConfig.duration(n, null);
    try {
      checkIdleTimeout(idle, protocol);
    } catch (IllegalArgumentException e) {
      throw n.error(
          protocol == Protocol.TCP ? "\"" + n.string() + "\" " + e.getMessage() : e.getMessage());
    }
    return idle;
  }

  /** Returns true for {@code localhost} and the loopback literals, 127.0.0.0/8 and ::1. */
  private static boolean isLoopback(String host) {
    InetAddress literal = literal(host);
    return host.equalsIgnoreCase("localhost") || (literal != null && literal.isLoopbackAddress());
  }

  /** Parses an optional enumerated value, naming the value's own line when it is not one. */
  private static <T> T parsed(
      Map<String, YamlNode> m, String key, String fallback, Function<String, T> parse) {
    YamlNode n = m.get(key);
    if (n == null) {
      return parse.apply(fallback);
    }
    try {
      return parse.apply(n.string(fallback));
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }

  /**
   * Reads the URL of the app behind an inbound listener: {@code http://} on loopback (the sidecar
   * is the app's only way in), reached as written. The sidecar speaks plaintext HTTP/1.1 or h2c to
   * the app, so an {@code https} URL, a port outside 1 to 65535, or a query or fragment (which no
   * request carries) would each be reached some other way than written, and are refused.
   */
  private static URI loopbackApp(YamlNode n) {
    String text = n.string();
    if (!text.contains("://")) {
      // "localhost:9000" would parse as the scheme "localhost", "127.0.0.1:9000" not at all.
      throw n.error("\"" + text + "\" is not a URL: write http://" + text);
    }
    URI app;
    try {
      app = new URI(text);
    } catch (URISyntaxException e) {
      throw n.error("\"" + text + "\" is not a URL: " + e.getReason());
    }
    if (!app.getScheme().equalsIgnoreCase("http")) {
      throw n.error(
          "\""
              + app.getScheme()
              + "\" is not spoken to the app: the sidecar reaches it in plaintext (HTTP/1.1, or h2c"
              + " with app_protocol: h2c) on loopback; write http://");
    }
    String host = app.getHost();
    if (host == null
        || !(host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("localhost"))) {
      throw n.error(
          "the app must be on loopback (127.0.0.1, [::1] or localhost), not \"" + host + "\"");
    }
    if (app.getPort() == 0 || app.getPort() > 65535 || (app.getPort() < 0 && hasPort(app))) {
      throw n.error("port " + portText(app) + " is not from 1 to 65535 in \"" + text + "\"");
    }
    if (app.getRawQuery() != null || app.getRawFragment() != null) {
      throw n.error(
          "\""
              + text
              + "\" holds a query or fragment, which the sidecar would not send to the app");
    }
    return app;
  }

  /**
   * Reads the address of the app behind a TCP inbound listener: {@code host:port} or {@code
   * tcp://host:port}, on loopback, with a port from 1 to 65535. Returned as a {@code tcp://} URI,
   * the route's upstream.
   */
  private static URI loopbackTcpApp(YamlNode n) {
    String text = n.string().trim();
    String address = text.startsWith("tcp://") ? text.substring("tcp://".length()) : text;
    if (address.contains("://") || address.contains("/")) {
      throw n.error(
          "\""
              + text
              + "\" is not an address for protocol: tcp; write host:port (tcp://host:port), e.g."
              + " 127.0.0.1:5432");
    }
    String[] hp = hostPort(n, address);
    if (!isLoopback(hp[0])) {
      throw n.error(
          "the app must be on loopback (127.0.0.1, [::1] or localhost), not \"" + hp[0] + "\"");
    }
    if (Integer.parseInt(hp[1]) == 0) {
      throw n.error("port 0 in \"" + text + "\" is no port to connect to; name the app's port");
    }
    String host = hp[0].contains(":") ? "[" + hp[0] + "]" : hp[0];
    return URI.create("tcp://" + host + ":" + hp[1]);
  }

  /** Tells whether the authority of {@code app} names a port, even one URI could not read. */
  private static boolean hasPort(URI app) {
    String authority = app.getRawAuthority();
    return authority != null && authority.lastIndexOf(':') > authority.lastIndexOf(']');
  }

  private static String portText(URI app) {
    String authority = app.getRawAuthority();
    return authority.substring(authority.lastIndexOf(':') + 1);
  }

  /** A host name (RFC 1123 labels; {@code _} too, as some internal names have) or IPv4 address. */
  private static final Pattern HOST_NAME =
      Pattern.compile(
          "(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
              + "(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*");

  /** The characters of an IPv6 literal, an IPv4 address at its end included. */
  private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /** Parses {@code host:port} or {@code [v6]:port}. */
  static String[] hostPort(YamlNode n) {
    return hostPort(n, n.string().trim());
  }

  /** Parses {@code text}, read from {@code n}, as {@code host:port} or {@code [v6]:port}. */
  private static String[] hostPort(YamlNode n, String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw n.error("expected host:port, not \"" + text + "\"");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (!HOST_NAME.matcher(host).matches() && !IPV6_LITERAL.matcher(host).matches()) {
      // Checked by its characters only: handed on, such a host would be looked up in the DNS.
      throw n.error(
          "\""
              + host
              + "\" in \""
              + text
              + "\" is no host name or IP address (IPv6 in brackets: [::1]:15443)");
    }
    String port = text.substring(colon + 1);
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw n.error("port \"" + port + "\" is not a number from 0 to 65535");
    }
    return new String[] {host, port};
  }

  private static List<YamlNode> items(Map<String, YamlNode> m, String key) {
    YamlNode n = m.get(key);
    return n == null ? List.of() : n.sequence();
  }

  /** The listener's action: one of those docs/policy-input.md lists, or null for the method's. */
  private static String action(Map<String, YamlNode> m) {
    String action = text(m, "action", null);
    try {
      return action == null ? null : Route.parseAction(action);
    } catch (IllegalArgumentException e) {
      throw m.get("action").error(e.getMessage());
    }
  }

  private static String text(Map<String, YamlNode> m, String key, String fallback) {
    YamlNode n = m.get(key);
    return n == null ? fallback : n.string(fallback);
  }

  private static YamlNode required(YamlNode parent, Map<String, YamlNode> m, String key) {
    YamlNode n = m.get(key);
    if (n == null || n.isMissing()) {
      throw parent.error("\"" + key + "\" is required");
    }
    return n;
  }
}
