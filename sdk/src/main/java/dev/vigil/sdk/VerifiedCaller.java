package dev.vigil.sdk;

import java.time.Instant;
import java.util.Map;

/**
 * The caller an identity assertion vouches for.
 *
 * @param subject the user id, or the SPIFFE ID of a workload
 * @param route the route the gateway decided for (the assertion's audience)
 * @param issuedAt when the gateway signed it
 * @param expiry when it stops being valid
 * @param claims every claim, including {@code email}, {@code roles}, {@code groups}, {@code amr}
 *     for people
 */
public record VerifiedCaller(
    String subject, String route, Instant issuedAt, Instant expiry, Map<String, Object> claims) {

  public VerifiedCaller {
    claims = Map.copyOf(claims);
  }
}
