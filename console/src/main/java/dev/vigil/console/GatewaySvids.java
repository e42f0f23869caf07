package dev.vigil.console;

import dev.vigil.identity.Identities;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509Svid;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The X.509-SVIDs this node holds as the gateway, one per configured trust domain ({@code
 * spiffe://TD/vigil/gateway}), renewed at half their lifetime. Creating them at start also creates
 * each trust domain's CA, so that {@code vigil up} comes up with its roots ready; their expiry is
 * what the console shows and {@code vigil_svid_earliest_expiry_seconds} reports. Thread-safe.
 */
public final class GatewaySvids {

  private static final Logger log = LoggerFactory.getLogger(GatewaySvids.class);

  private final Identities identities;
  private final List<TrustDomain> domains;
  private final InstantSource clock;
  private final Map<TrustDomain, X509Svid> held = new ConcurrentHashMap<>();

  /** Creates the trust domains that do not exist yet and issues the first SVID of each. */
  public GatewaySvids(Identities identities, List<TrustDomain> domains, InstantSource clock) {
    this.identities = identities;
    this.domains = List.copyOf(domains);
    this.clock = clock;
    for (TrustDomain td : this.domains) {
      identities.trustDomain(td);
      issue(td);
    }
  }

  /** Returns the SPIFFE ID the gateway holds in {@code td}. */
  public static SpiffeId idIn(TrustDomain td) {
    return SpiffeId.of(td, "vigil", "gateway");
  }

  /** Renews every SVID past half its lifetime (or revoked); call it periodically. */
  public void renewDue() {
    Instant now = clock.instant();
    for (TrustDomain td : domains) {
      X509Svid s = held.get(td);
      Instant start = s.leaf().getNotBefore().toInstant();
      Instant half = start.plus(Duration.between(start, s.expiry()).dividedBy(2));
      if (!now.isBefore(half) || identities.revocations().revoked(td, s.serial())) {
        issue(td);
      }
    }
  }

  private void issue(TrustDomain td) {
    X509Svid svid = identities.issueX509(idIn(td), List.of(), null);
    held.put(td, svid);
    log.info(
        "gateway SVID issued: id={} serial={} expires={}",
        svid.id(),
        svid.serial().toString(16),
        svid.expiry());
  }

  /** Returns the SVIDs held, by trust domain, in configuration order. */
  public Map<TrustDomain, X509Svid> held() {
    Map<TrustDomain, X509Svid> out = new LinkedHashMap<>();
    domains.forEach(td -> out.put(td, held.get(td)));
    return out;
  }

  public List<TrustDomain> trustDomains() {
    return domains;
  }

  /** Publishes {@code vigil_svid_earliest_expiry_seconds}, tagged by trust domain. */
  public void bindMetrics(MeterRegistry registry) {
    for (TrustDomain td : domains) {
      Gauge.builder(
              "vigil.svid.earliest.expiry",
              this,
              g -> Duration.between(clock.instant(), g.held.get(td).expiry()).toSeconds())
          .description("seconds until the earliest expiry among the SVIDs this node holds")
          .baseUnit("seconds")
          .tag("trust_domain", td.name())
          .register(registry);
    }
  }
}
