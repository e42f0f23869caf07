package dev.vigil.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The public half of a key with which a gateway node signs identity assertions, as published in the
 * store for the other nodes' JWKS.
 *
 * @param kid the key id, unique across nodes
 * @param issuer the {@code iss} of the assertions it signs; a JWKS serves the keys of its issuer
 * @param node the name of the node that holds the private key
 * @param publicJwk the public key as a JWK (JSON), with its {@code kid}; never a private key
 * @param created when the key was made, to the millisecond
 * @param notAfter when the last assertion it can have signed stops being valid, to the millisecond;
 *     the key leaves every JWKS then
 */
public record AssertionKey(
    String kid, String issuer, String node, String publicJwk, Instant created, Instant notAfter) {

  public AssertionKey {
    Objects.requireNonNull(kid, "kid");
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(publicJwk, "publicJwk");
    created = Objects.requireNonNull(created, "created").truncatedTo(ChronoUnit.MILLIS);
    notAfter = Objects.requireNonNull(notAfter, "notAfter").truncatedTo(ChronoUnit.MILLIS);
  }

  /** Returns this key with another {@link #notAfter}. */
  public AssertionKey until(Instant t) {
    return new AssertionKey(kid, issuer, node, publicJwk, created, t);
  }
}
