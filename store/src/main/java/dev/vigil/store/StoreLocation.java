package dev.vigil.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Where a store lives: an SQLite file under a data directory, or a PostgreSQL database.
 *
 * @param dialect the database kind
 * @param jdbcUrl the JDBC URL to connect with
 * @param sqliteFile the SQLite file, or null for PostgreSQL
 * @param display the location as shown to users, without any password
 */
public record StoreLocation(Dialect dialect, String jdbcUrl, Path sqliteFile, String display) {

  /** The SQLite file name inside the data directory. */
  public static final String SQLITE_FILE = "vigil.db";

  /** Returns the embedded store under the data directory. */
  public static StoreLocation embedded(Path dataDir) {
    Path file = dataDir.toAbsolutePath().normalize().resolve(SQLITE_FILE);
    return new StoreLocation(Dialect.SQLITE, "jdbc:sqlite:" + file, file, file.toString());
  }

  /**
   * Parses a store URL as given on the command line: {@code postgresql://host:port/db?user=u} (or
   * {@code postgres://}), or {@code sqlite:PATH} for an SQLite file elsewhere.
   *
   * @throws IllegalArgumentException naming the URL and what is wrong with it
   */
  public static StoreLocation parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("store URL is empty");
    }
    if (url.startsWith("sqlite:")) {
      Path file = Path.of(url.substring("sqlite:".length())).toAbsolutePath().normalize();
      return new StoreLocation(Dialect.SQLITE, "jdbc:sqlite:" + file, file, file.toString());
    }
    if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(
            "store URL \"" + redact(url) + "\" is not a valid URL: " + e.getReason());
      }
      if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
        throw new IllegalArgumentException(
            "store URL \""
                + redact(url)
                + "\" must name a host and a database, "
                + "like postgresql://127.0.0.1:5432/vigil"
                + (url.indexOf('@') >= 0
                    ? " (in a user name or password, write / @ # ? as %2F %40 %23 %3F)"
                    : ""));
      }
      if (uri.getPort() > 65_535) {
        throw new IllegalArgumentException(
            "store URL \""
                + redact(url)
                + "\" has port "
                + uri.getPort()
                + "; a port is 1 to 65535");
      }
      StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
      if (uri.getPort() > 0) {
        jdbc.append(':').append(uri.getPort());
      }
      jdbc.append(uri.getPath());
      String query = uri.getRawQuery();
      String userInfo = uri.getRawUserInfo();
      StringBuilder params = new StringBuilder(query == null ? "" : query);
      if (userInfo != null) {
        int colon = userInfo.indexOf(':');
        String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
        appendParam(params, "user=" + user);
        if (colon >= 0) {
          appendParam(params, "password=" + userInfo.substring(colon + 1));
        }
      }
      if (!params.isEmpty()) {
        jdbc.append('?').append(params);
      }
      return new StoreLocation(Dialect.POSTGRESQL, jdbc.toString(), null, redact(url));
    }
    throw new IllegalArgumentException(
        "store URL \""
            + redact(url)
            + "\" is not supported; use postgresql://HOST:PORT/DB "
            + "or sqlite:PATH (or --data-dir for the embedded store)");
  }

  private static void appendParam(StringBuilder params, String p) {
    if (!params.isEmpty()) {
      params.append('&');
    }
    params.append(p);
  }

  /**
   * Replaces a password in a URL with {@code ***}: a {@code password=} parameter, and the user
   * info's password up to the last {@code @}, since a password written without percent-encoding may
   * hold {@code /}, {@code @} or {@code #} itself. An {@code @} inside a query parameter (such as
   * {@code user=vigil@server}) does not end the user info.
   */
  static String redact(String url) {
    String masked = redactPasswords(url);
    int from = masked.indexOf("://");
    if (from < 0) {
      return masked;
    }
    from += 3;
    int at = userInfoEnd(masked, from);
    int colon = masked.indexOf(':', from);
    if (at < 0 || colon < 0 || colon > at) {
      return masked;
    }
    return masked.substring(0, colon + 1) + "***" + masked.substring(at);
  }

  /** Returns the {@code @} that ends the user info after {@code from}, or -1 when there is none. */
  private static int userInfoEnd(String url, int from) {
    int at = url.lastIndexOf('@');
    if (at < from) {
      return -1;
    }
    int query = url.indexOf('?', from);
    if (query >= 0 && query < at && url.substring(query, at).contains("=")) {
      int before = url.lastIndexOf('@', query);
      return before >= from ? before : -1;
    }
    return at;
  }

  /**
   * Replaces the value of every {@code password=} parameter with {@code ***}, also in the driver's
   * messages, which may quote the JDBC URL.
   */
  static String redactPasswords(String text) {
    return text.replaceAll("(?i)(password=)[^&\\s]*", "$1***");
  }
}
