package dev.vigil.rego.builtins;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The AWS Signature Version 4 computation: canonical request, string to sign, derived signing key
 * and the Authorization header (see the AWS SigV4 reference, "Create a signed AWS API request").
 */
final class AwsSigner {

  private static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

  private AwsSigner() {}

  /** The host and port, without user information, as Go's {@code url.URL.Host}. */
  private static String host(URI url) {
    String authority = url.getRawAuthority();
    if (authority == null) {
      return "";
    }
    return authority.substring(authority.lastIndexOf('@') + 1);
  }

  record Credentials(String accessKey, String secretKey, String region, String sessionToken) {}

  /** The Authorization header value and the headers signing adds. */
  record Signed(String authorization, Map<String, String> headers) {}

  static Signed sign(
      Map<String, String> requestHeaders,
      String method,
      URI url,
      byte[] body,
      String service,
      Credentials creds,
      String date,
      String dateTime,
      boolean unsignedPayload) {
    String payloadHash =
        unsignedPayload
            ? UNSIGNED_PAYLOAD
            : CryptoBuiltins.hexString(CryptoBuiltins.digest("SHA-256", body));
    Map<String, String> added = new HashMap<>();
    added.put("host", host(url));
    added.put("x-amz-date", dateTime);
    if (service.equals("s3") || service.equals("glacier")) {
      added.put("x-amz-content-sha256", payloadHash);
    }
    if (!creds.sessionToken().isEmpty()) {
      added.put("x-amz-security-token", creds.sessionToken());
    }
    TreeMap<String, String> signedHeaders = new TreeMap<>(added);
    signedHeaders.putAll(AwsBuiltins.lowerSorted(requestHeaders));

    StringBuilder canonical = new StringBuilder();
    canonical.append(method).append('\n');
    canonical.append(url.getRawPath() == null ? "" : url.getRawPath()).append('\n');
    canonical.append(url.getRawQuery() == null ? "" : url.getRawQuery()).append('\n');
    signedHeaders.forEach((k, v) -> canonical.append(k).append(':').append(v).append('\n'));
    canonical.append('\n');
    String headerList = String.join(";", signedHeaders.keySet());
    canonical.append(headerList).append('\n');
    canonical.append(payloadHash);

    String scope = date + "/" + creds.region() + "/" + service + "/aws4_request";
    String toSign =
        "AWS4-HMAC-SHA256\n"
            + dateTime
            + "\n"
            + scope
            + "\n"
            + CryptoBuiltins.hexString(
                CryptoBuiltins.digest("SHA-256", CryptoBuiltins.utf8(canonical.toString())));

    byte[] key = CryptoBuiltins.utf8("AWS4" + creds.secretKey());
    for (String part : new String[] {date, creds.region(), service, "aws4_request"}) {
      key = CryptoBuiltins.mac("HmacSHA256", key, CryptoBuiltins.utf8(part));
    }
    String signature =
        CryptoBuiltins.hexString(
            CryptoBuiltins.mac("HmacSHA256", key, CryptoBuiltins.utf8(toSign)));
    String authorization =
        "AWS4-HMAC-SHA256 Credential="
            + creds.accessKey()
            + "/"
            + scope
            + ",SignedHeaders="
            + headerList
            + ",Signature="
            + signature;
    return new Signed(authorization, added);
  }
}
