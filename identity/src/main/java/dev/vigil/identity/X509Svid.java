package dev.vigil.identity;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * An X.509-SVID: the leaf certificate first, then any intermediates, and the leaf's private key.
 * Immutable; the private key is never logged or printed by {@link #toString()}.
 */
public record X509Svid(SpiffeId id, List<X509Certificate> chain, PrivateKey privateKey) {

  public X509Svid {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("an X.509-SVID needs at least its leaf certificate");
    }
  }

  public X509Certificate leaf() {
    return chain.getFirst();
  }

  public BigInteger serial() {
    return leaf().getSerialNumber();
  }

  public Instant expiry() {
    return leaf().getNotAfter().toInstant();
  }

  /** Returns the chain as PEM, leaf first. */
  public String chainPem() {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate c : chain) {
      sb.append(Certificates.pem(c));
    }
    return sb.toString();
  }

  /** Returns the private key as unencrypted PKCS#8 PEM, for writing to a 0600 file. */
  public String privateKeyPem() {
    return Certificates.pem("PRIVATE KEY", privateKey.getEncoded());
  }

  @Override
  public String toString() {
    return "X509Svid[" + id + ", serial " + serial().toString(16) + ", expires " + expiry() + "]";
  }
}
