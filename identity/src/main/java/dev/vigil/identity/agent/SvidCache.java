package dev.vigil.identity.agent;

import dev.vigil.identity.Identities;
import dev.vigil.identity.RegistrationEntry;
import dev.vigil.identity.X509Svid;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's view of registration entries and the X.509-SVID it holds for each. An SVID is
 * replaced at half its lifetime, less a random jitter of up to a tenth of it (so that a fleet does
 * not renew at one instant), and at once when its serial is revoked. {@link #refresh()} reloads the
 * entries from the store and drops SVIDs of deleted entries. Thread-safe.
 */
final class SvidCache {

  private record Held(X509Svid svid, Instant renewAt) {}

  private final Identities identities;
  private final InstantSource clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private volatile List<RegistrationEntry> entries;

  SvidCache(Identities identities, InstantSource clock) {
    this.identities = identities;
    this.clock = clock;
    this.entries = identities.entries();
  }

  void refresh() {
    identities.reloadRevocations();
    List<RegistrationEntry> now = identities.entries();
    entries = now;
    held.keySet().retainAll(now.stream().map(RegistrationEntry::id).toList());
  }

  List<RegistrationEntry> entries() {
    return entries;
  }

  X509Svid x509(RegistrationEntry e) {
    Held h = held.get(e.id());
    Instant now = clock.instant();
    if (h == null
        || !now.isBefore(h.renewAt())
        || identities.revocations().revoked(e.spiffeId().trustDomain(), h.svid().serial())) {
      X509Svid svid = identities.issueX509(e.spiffeId(), e.dnsNames(), e.ttl());
      Duration life = Duration.between(svid.leaf().getNotBefore().toInstant(), svid.expiry());
      long jitterMillis = (long) (random.nextDouble() * life.toMillis() / 10);
      h = new Held(svid, now.plus(life.dividedBy(2)).minusMillis(jitterMillis));
      held.put(e.id(), h);
    }
    return h.svid();
  }
}
