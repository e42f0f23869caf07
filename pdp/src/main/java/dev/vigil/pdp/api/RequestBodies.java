package dev.vigil.pdp.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The body of an API request as its handlers read it: decoded from {@code Content-Encoding: gzip}
 * when it came so, as OPA's server reads it, and told JSON or YAML by its {@code Content-Type}.
 *
 * <p>The body limit holds on both sides of the decoding: the encoded bytes are bounded as they are
 * read, and the decoded ones as they are inflated, so a small body that inflates to gigabytes is
 * answered 413 once it passes the limit, never held whole. Any other content coding is refused with
 * a 400, as OPA reads nothing but gzip.
 */
final class RequestBodies {

  private static final String DECODED = "vigil.api.decodedBody";

  private RequestBodies() {}

  /**
   * Decodes a gzip body off the event loop, keeps it for {@link #buffer}, and passes the request
   * on; answers 400 for an encoding it does not know or a body that is not gzip, and 413 for one
   * that inflates past {@code limit} bytes.
   */
  static void decode(RoutingContext ctx, long limit) {
    String coding = ctx.request().getHeader("Content-Encoding");
    if (coding == null || coding.isBlank() || coding.trim().equalsIgnoreCase("identity")) {
      ctx.next();
      return;
    }
    String c = coding.trim().toLowerCase(Locale.ROOT);
    if (!c.equals("gzip") && !c.equals("x-gzip")) {
      ApiErrors.send(
          ctx,
          400,
          ApiErrors.INVALID_PARAMETER,
          "Content-Encoding \""
              + coding.trim()
              + "\" is not supported; send the body as is or gzip-encoded");
      return;
    }
    Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
    if (raw == null || raw.length() == 0) {
      ctx.next();
      return;
    }
    ctx.vertx()
        .executeBlocking(() -> gunzip(raw.getBytes(), limit), false)
        .onComplete(
            done -> {
              if (done.succeeded()) {
                ctx.put(DECODED, Buffer.buffer(done.result()));
                ctx.next();
              } else if (done.cause() instanceof TooLarge) {
                ApiErrors.send(
                    ctx,
                    413,
                    ApiErrors.INVALID_PARAMETER,
                    "request body is too large: its gzip encoding inflates past "
                        + limit
                        + " bytes");
              } else {
                ApiErrors.send(
                    ctx,
                    400,
                    ApiErrors.INVALID_PARAMETER,
                    "request body is not valid gzip (Content-Encoding: gzip): "
                        + done.cause().getMessage());
              }
            });
  }

  /** The body as decoded, or as sent; null when there is none. */
  static Buffer buffer(RoutingContext ctx) {
    Buffer decoded = ctx.get(DECODED);
    if (decoded != null) {
      return decoded;
    }
    return ctx.body() == null ? null : ctx.body().buffer();
  }

  /** The body as UTF-8 text, or null when there is none. */
  static String text(RoutingContext ctx) {
    Buffer b = buffer(ctx);
    return b == null ? null : b.toString();
  }

  /** The body's length in bytes, decoded; 0 when there is none. */
  static int length(RoutingContext ctx) {
    Buffer b = buffer(ctx);
    return b == null ? 0 : b.length();
  }

  /**
   * Whether the body is YAML by its {@code Content-Type} ({@code application/yaml}, {@code
   * application/x-yaml}, or the {@code text/} ones), which OPA's Data API reads as it reads JSON.
   */
  static boolean isYaml(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null) {
      return false;
    }
    int semi = type.indexOf(';');
    String media = (semi < 0 ? type : type.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    return media.equals("application/yaml")
        || media.equals("application/x-yaml")
        || media.equals("text/yaml")
        || media.equals("text/x-yaml");
  }

  /** Inflates {@code gz}, refusing past {@code limit} bytes with only that much held. */
  static byte[] gunzip(byte[] gz, long limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      int n;
      while ((n = in.read(chunk)) > 0) {
        if (out.size() + (long) n > limit) {
          throw new TooLarge();
        }
        out.write(chunk, 0, n);
      }
    }
    return out.toByteArray();
  }

  /** The decoded body passed the limit. */
  static final class TooLarge extends IOException {
    TooLarge() {
      super("inflated body over the limit");
    }
  }
}
