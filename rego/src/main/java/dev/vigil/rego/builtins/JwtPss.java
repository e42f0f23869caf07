package dev.vigil.rego.builtins;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;

/**
 * RSASSA-PSS verification (RFC 8017 section 8.1.2) that finds the salt length from the encoded
 * message, as Go's {@code rsa.VerifyPSS} does with no options. The JCA needs the salt length up
 * front, and tokens are signed with salts of differing lengths.
 */
final class JwtPss {

  private JwtPss() {}

  static boolean verify(RSAPublicKey key, String hash, byte[] message, byte[] signature)
      throws GeneralSecurityException {
    BigInteger n = key.getModulus();
    int k = (n.bitLength() + 7) / 8;
    if (signature.length != k) {
      return false;
    }
    BigInteger s = new BigInteger(1, signature);
    if (s.compareTo(n) >= 0) {
      return false;
    }
    int emBits = n.bitLength() - 1;
    int emLen = (emBits + 7) / 8;
    byte[] m = s.modPow(key.getPublicExponent(), n).toByteArray();
    byte[] em = fit(m, emLen);
    if (em == null) {
      return false;
    }
    return verifyEncoding(MessageDigest.getInstance(hash), message, em, emBits);
  }

  /** Left-pads or strips leading zeros so the integer fills exactly len bytes; null if too big. */
  private static byte[] fit(byte[] m, int len) {
    int start = 0;
    while (start < m.length - 1 && m[start] == 0 && m.length - start > len) {
      start++;
    }
    int size = m.length - start;
    if (size > len) {
      return null;
    }
    byte[] out = new byte[len];
    System.arraycopy(m, start, out, len - size, size);
    return out;
  }

  /** EMSA-PSS-VERIFY (RFC 8017 section 9.1.2) with the salt length read from the padding. */
  private static boolean verifyEncoding(MessageDigest md, byte[] message, byte[] em, int emBits) {
    int hLen = md.getDigestLength();
    int emLen = em.length;
    byte[] mHash = md.digest(message);
    if (emLen < hLen + 2 || (em[emLen - 1] & 0xff) != 0xbc) {
      return false;
    }
    int dbLen = emLen - hLen - 1;
    byte[] db = Arrays.copyOfRange(em, 0, dbLen);
    byte[] h = Arrays.copyOfRange(em, dbLen, emLen - 1);
    int topBits = 8 * emLen - emBits;
    int topMask = 0xff >> topBits;
    if ((db[0] & ~topMask & 0xff) != 0) {
      return false;
    }
    byte[] mask = mgf1(md, h, dbLen);
    for (int i = 0; i < dbLen; i++) {
      db[i] ^= mask[i];
    }
    db[0] &= (byte) topMask;
    int i = 0;
    while (i < dbLen && db[i] == 0) {
      i++;
    }
    if (i == dbLen || db[i] != 1) {
      return false;
    }
    byte[] salt = Arrays.copyOfRange(db, i + 1, dbLen);
    md.reset();
    md.update(new byte[8]);
    md.update(mHash);
    md.update(salt);
    return MessageDigest.isEqual(md.digest(), h);
  }

  private static byte[] mgf1(MessageDigest md, byte[] seed, int len) {
    byte[] out = new byte[len];
    int done = 0;
    for (int counter = 0; done < len; counter++) {
      md.reset();
      md.update(seed);
      md.update(
          new byte[] {
            (byte) (counter >>> 24), (byte) (counter >>> 16), (byte) (counter >>> 8), (byte) counter
          });
      byte[] block = md.digest();
      int take = Math.min(block.length, len - done);
      System.arraycopy(block, 0, out, done, take);
      done += take;
    }
    return out;
  }
}
