package dev.vigil.console;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.agent.Attestor;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.pdp.FileProblems;
import dev.vigil.store.Store;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workload identity of one {@code vigil up} node: the CAs of the configured trust domains, the
 * gateway's SVIDs in each, and the SPIFFE Workload API agent on its Unix socket.
 *
 * <p>CA keys are encrypted at rest with the key of {@code identity.ca_key_file}, else of {@code
 * VIGIL_CA_KEY}, else of {@code ca.key} in the data directory, created on first start: the store
 * alone never holds a usable CA key, though a data directory copied whole does (see
 * docs/configuration.md).
 */
public final class NodeIdentity implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeIdentity.class);
  private static final Duration RENEW_CHECK = Duration.ofSeconds(30);

  private final Identities identities;
  private final GatewaySvids svids;
  private final WorkloadAgent agent;
  private final ScheduledExecutorService renewer;

  private NodeIdentity(
      Identities identities,
      GatewaySvids svids,
      WorkloadAgent agent,
      ScheduledExecutorService renewer) {
    this.identities = identities;
    this.svids = svids;
    this.agent = agent;
    this.renewer = renewer;
  }

  /**
   * Opens the CAs (creating missing trust domains), issues the gateway's SVIDs and starts the
   * agent.
   *
   * @throws IllegalStateException when a CA key cannot be decrypted or the socket cannot be bound
   */
  public static NodeIdentity start(
      VigilConfig cfg, Store store, InstantSource clock, MeterRegistry registry)
      throws IOException {
    return start(cfg, store, clock, registry, caKeyCipher(cfg));
  }

  /**
   * Starts as {@link #start(VigilConfig, Store, InstantSource, MeterRegistry)} with a given key.
   */
  public static NodeIdentity start(
      VigilConfig cfg, Store store, InstantSource clock, MeterRegistry registry, CaKeyCipher cipher)
      throws IOException {
    Identities ids = new Identities(store, cipher, clock, CaConfig.defaults());
    ids.bindMetrics(registry);
    List<TrustDomain> domains = new ArrayList<>();
    for (String td : cfg.identity().trustDomains()) {
      domains.add(TrustDomain.parse(td));
    }
    GatewaySvids svids = new GatewaySvids(ids, domains, clock);
    svids.bindMetrics(registry);
    Path socket = cfg.identity().agentSocket();
    WorkloadAgent agent;
    try {
      agent = WorkloadAgent.start(socket, ids, Attestor.unix(), clock, Duration.ofSeconds(1));
    } catch (IOException | IllegalStateException e) {
      // Named by the key that chose the socket, as every other start-up failure the file causes.
      String why =
          e instanceof IOException io
              ? "workload API socket " + socket + " cannot be bound: " + FileProblems.reason(io)
              : e.getMessage();
      throw new ConfigException(cfg.where("identity.agent_socket") + ": " + why);
    }
    ScheduledExecutorService renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-svid-renew");
              t.setDaemon(true);
              return t;
            });
    renewer.scheduleWithFixedDelay(
        () -> {
          try {
            svids.renewDue();
          } catch (RuntimeException e) {
            log.error("gateway SVID renewal failed: {}", e.toString());
          }
        },
        RENEW_CHECK.toSeconds(),
        RENEW_CHECK.toSeconds(),
        TimeUnit.SECONDS);
    return new NodeIdentity(ids, svids, agent, renewer);
  }

  /**
   * Returns the key that seals the node's CA keys (see the class comment), creating {@code ca.key}
   * on first use. Call it once per start: two callers could each create a different key.
   */
  public static CaKeyCipher caKeyCipher(VigilConfig cfg) throws IOException {
    Path keyFile = cfg.identity().caKeyFile();
    String env = System.getenv(CaKeyCipher.ENV);
    try {
      if (keyFile != null || (env != null && !env.isBlank())) {
        return CaKeyCipher.configured(System.getenv(), keyFile);
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          (keyFile != null ? cfg.where("identity.ca_key_file") : CaKeyCipher.ENV)
              + ": "
              + e.getMessage());
    }
    // Hex text, as every identity command reads with --ca-key-file.
    Path local = cfg.dataDir().resolve("ca.key");
    if (!Files.exists(local)) {
      byte[] k = new byte[32];
      new SecureRandom().nextBytes(k);
      KeyFiles.writePrivate(local, (HexFormat.of().formatHex(k) + "\n").getBytes(US_ASCII));
    }
    if (Files.size(local) == 32) {
      // Raw bytes, as the first builds of vigil up wrote it: still the same key.
      return CaKeyCipher.ofKey(Files.readAllBytes(local), "key file " + local);
    }
    try {
      return CaKeyCipher.configured(Map.of(), local);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          local + " is damaged (" + e.getMessage() + "); restore it from a backup", e);
    }
  }

  public Identities identities() {
    return identities;
  }

  public GatewaySvids svids() {
    return svids;
  }

  public Path socket() {
    return agent.socket();
  }

  /** Returns the trust domains with the seconds left on the gateway's SVID in each. */
  public Map<String, Long> svidSecondsLeft(InstantSource clock) {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    svids
        .held()
        .forEach(
            (td, s) ->
                out.put(td.name(), Duration.between(clock.instant(), s.expiry()).toSeconds()));
    return out;
  }

  @Override
  public void close() {
    renewer.shutdownNow();
    agent.close();
  }
}
