package dev.vigil.identity;

import java.time.Instant;
import java.util.List;

/**
 * A JWT-SVID: the compact token and what it asserts. Immutable; {@link #toString()} never shows the
 * token, which is a bearer credential.
 */
public record JwtSvid(String token, SpiffeId id, List<String> audience, Instant expiry) {

  public JwtSvid {
    audience = List.copyOf(audience);
  }

  @Override
  public String toString() {
    return "JwtSvid[" + id + ", aud " + audience + ", expires " + expiry + "]";
  }
}
