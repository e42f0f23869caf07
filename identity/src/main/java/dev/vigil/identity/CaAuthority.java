package dev.vigil.identity;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * One root of a trust domain: its certificate and key, the JWT signing key paired with it, and
 * where it stands in rotation. Immutable; {@link #toString()} shows no key.
 *
 * @param id short identifier, unique within the trust domain
 * @param state where this root stands in rotation
 * @param keyType type of both keys
 * @param certificate the self-signed root certificate
 * @param privateKey the root's private key
 * @param jwtKeyId {@code kid} of the JWT signing key (its RFC 7638 thumbprint)
 * @param jwtPublicKey the JWT signing key's public half, published in the bundle
 * @param jwtPrivateKey the JWT signing key
 * @param activatedAt when it started signing, or null while prepared
 */
public record CaAuthority(
    String id,
    State state,
    KeyType keyType,
    X509Certificate certificate,
    PrivateKey privateKey,
    String jwtKeyId,
    PublicKey jwtPublicKey,
    PrivateKey jwtPrivateKey,
    Instant activatedAt) {

  /** Where a root stands in rotation: prepare → activate → retire. */
  public enum State {
    /** Published in the bundle, not yet signing. */
    PREPARED,
    /** Published and signing every new SVID. */
    ACTIVE,
    /** Replaced by a newer root; still published until the SVIDs it signed have expired. */
    PREVIOUS,
    /** No longer published; kept for the record. */
    RETIRED;

    /** Returns true when the root is in the trust bundle. */
    public boolean published() {
      return this != RETIRED;
    }
  }

  public Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  public Instant notBefore() {
    return certificate.getNotBefore().toInstant();
  }

  CaAuthority withState(State s, Instant activated) {
    return new CaAuthority(
        id, s, keyType, certificate, privateKey, jwtKeyId, jwtPublicKey, jwtPrivateKey, activated);
  }

  @Override
  public String toString() {
    return "CaAuthority[" + id + ", " + state + ", " + keyType + ", until " + notAfter() + "]";
  }
}
