package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Assertions are reused for the same caller, route and claims, and only for those. */
class IdentityAssertionReuseTest {

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-05T04:00:00Z"));
  private final IdentityAssertion assertions =
      new IdentityAssertion("vigil-test", Duration.ofSeconds(60), now::get);

  private static Object claim(CharSequence token, String name) throws Exception {
    return SignedJWT.parse(token.toString()).getJWTClaimsSet().getClaim(name);
  }

  @Test
  void assertion_sameCallerRouteAndClaims_reusedUntilHalfItsLifetime() {
    Map<String, Object> claims = new TreeMap<>(Map.of("email", "a@example.com"));
    CharSequence first = assertions.assertion("alice", "app", claims);

    now.set(now.get().plusSeconds(29));
    CharSequence again = assertions.assertion("alice", "app", new TreeMap<>(claims));
    now.set(now.get().plusSeconds(1));
    CharSequence later = assertions.assertion("alice", "app", claims);

    assertThat(again.toString()).isEqualTo(first.toString());
    assertThat(later.toString()).isNotEqualTo(first.toString());
  }

  @Test
  void assertion_otherCallerRouteOrClaims_signedAfresh() throws Exception {
    CharSequence base = assertions.assertion("alice", "app", Map.of("roles", List.of("sre")));

    CharSequence otherCaller = assertions.assertion("bob", "app", Map.of("roles", List.of("sre")));
    CharSequence otherRoute = assertions.assertion("alice", "db", Map.of("roles", List.of("sre")));
    CharSequence otherClaims =
        assertions.assertion("alice", "app", Map.of("roles", List.of("dev")));

    assertThat(List.of(otherCaller.toString(), otherRoute.toString(), otherClaims.toString()))
        .doesNotContain(base.toString())
        .doesNotHaveDuplicates();
    assertThat(claim(otherCaller, "sub")).isEqualTo("bob");
    assertThat(claim(otherClaims, "roles")).isEqualTo(List.of("dev"));
  }

  @Test
  void assertion_claimsChangedByTheCallerAfterwards_doNotChangeWhatIsReused() throws Exception {
    Map<String, Object> claims = new TreeMap<>(Map.of("roles", List.of("sre")));
    CharSequence sre = assertions.assertion("alice", "app", claims);

    claims.put("roles", List.of("dev"));
    CharSequence dev = assertions.assertion("alice", "app", claims);
    CharSequence sreAgain = assertions.assertion("alice", "app", Map.of("roles", List.of("sre")));

    assertThat(claim(dev, "roles")).isEqualTo(List.of("dev"));
    assertThat(sreAgain.toString()).isEqualTo(sre.toString());
  }
}
