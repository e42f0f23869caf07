package dev.vigil.rego.builtins;

import java.math.BigInteger;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECPoint;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;

/** Derives the public point of an EC private key, which the JCA does not expose. */
final class X509EcPoints {

  private X509EcPoints() {}

  static ECPoint publicPoint(ECPrivateKey k) {
    ECNamedCurveParameterSpec spec = ECNamedCurveTable.getParameterSpec(curveBcName(k));
    var q = spec.getG().multiply(k.getS()).normalize();
    return new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
  }

  /** The JWK curve name (RFC 7518 section 6.2.1.1). */
  static String curveName(ECPrivateKey k) {
    return switch (k.getParams().getCurve().getField().getFieldSize()) {
      case 256 -> "P-256";
      case 384 -> "P-384";
      case 521 -> "P-521";
      default -> throw BuiltinException.error("unsupported elliptic curve");
    };
  }

  private static String curveBcName(ECPrivateKey k) {
    BigInteger order = k.getParams().getOrder();
    for (String name : new String[] {"P-256", "P-384", "P-521"}) {
      if (ECNamedCurveTable.getParameterSpec(name).getN().equals(order)) {
        return name;
      }
    }
    throw BuiltinException.error("unsupported elliptic curve");
  }
}
