package dev.vigil.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code vigil up --demo} as its own process, on free loopback ports and a data directory of the
 * test's: the demo's configuration with its addresses replaced. Stops it on close. {@link #shared}
 * runs the same configuration without {@code --demo} on a shared store instead.
 */
final class UpProcess implements AutoCloseable {

  final int controlPlane;
  final int gateway;

  /** The gateway's TLS listener (HTTP/2 and HTTP/1.1 by ALPN). */
  final int gatewayTls;

  final Path config;
  final Path dataDir;

  /** What the process logs (its standard error). */
  final Path log;

  /** The {@code --store} URL, or null for {@code --demo} on the embedded store. */
  private final String store;

  private Process process;
  private List<String> banner = List.of();

  /** Writes the configuration; {@link #start} runs it. */
  UpProcess(Path dir) throws Exception {
    this(dir, null);
  }

  /**
   * A node of {@code store} (a {@code --store} URL), without {@code --demo}: the demo's routes,
   * policies and trust domains, but no echo app behind the routes and no demo users.
   */
  static UpProcess shared(Path dir, String store) throws Exception {
    return new UpProcess(Files.createDirectories(dir), store);
  }

  private UpProcess(Path dir, String store) throws Exception {
    this.store = store;
    controlPlane = freePort();
    gateway = freePort();
    gatewayTls = freePort();
    int echo = freePort();
    dataDir = dir.resolve("data");
    log = dir.resolve("up.log");
    String demo =
        Files.readString(Path.of("../examples/demo/vigil.yaml"))
            .replace("127.0.0.1:8181", "127.0.0.1:" + controlPlane)
            .replace("127.0.0.1:8080", "127.0.0.1:" + gateway)
            .replace("127.0.0.1:8443", "127.0.0.1:" + gatewayTls)
            .replace("127.0.0.1:9001", "127.0.0.1:" + echo)
            .replace(
                "bundle: policies",
                "bundle: " + Path.of("../examples/demo/policies").toAbsolutePath().normalize());
    if (store != null) {
      // Without --demo there are no demo users, and no one to approve the demo's entitlement.
      demo = withoutAccess(demo);
    }
    config = dir.resolve("vigil.yaml");
    Files.writeString(config, demo);
  }

  /** The demo configuration without its {@code access:} section, for a test to write its own. */
  static String withoutAccess(String yaml) {
    return yaml.replaceAll("(?s)\naccess:.*?(?=\ndecision_log:)", "\n");
  }

  static int freePort() throws Exception {
    return dev.vigil.testkit.FreePorts.next();
  }

  /** Starts the process and waits for the end of its banner; returns the banner's lines. */
  List<String> start() throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dvigil.home=" + Path.of("..").toAbsolutePath().normalize(),
                "-cp",
                System.getProperty("java.class.path"),
                Vigil.class.getName(),
                "up",
                "--config",
                config.toString(),
                "--data-dir",
                dataDir.toString()));
    cmd.addAll(store == null ? List.of("--demo") : List.of("--store", store));
    // The last line of the banner: demo users with --demo, else the configuration file.
    String last = store == null ? "vigil up: demo users" : "vigil up: configuration";
    process = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    List<String> lines = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      lines.add(line);
      if (line.startsWith(last)) {
        banner = List.copyOf(lines);
        return banner;
      }
    }
    process.destroyForcibly();
    throw new AssertionError(
        "vigil up did not finish starting; it printed "
            + lines
            + " and logged:\n"
            + Files.readString(log));
  }

  /** Returns the first administrator's one-time password from the banner, or null. */
  String firstAdminPassword() {
    for (String l : banner) {
      if (l.startsWith("vigil up: first admin")) {
        return l.replaceFirst("^vigil up: first admin +admin / (\\S+).*$", "$1");
      }
    }
    return null;
  }

  /** Returns a demo user's password from demo-users.txt. */
  String demoPassword(String user) throws Exception {
    for (String l : Files.readAllLines(dataDir.resolve("demo-users.txt"))) {
      String[] f = l.trim().split("\\s+");
      if (f.length >= 3 && f[0].equals(user) && f[1].equals("password")) {
        return f[2];
      }
    }
    throw new AssertionError("no demo user " + user);
  }

  String controlPlaneUrl(String path) {
    return "http://127.0.0.1:" + controlPlane + path;
  }

  String gatewayUrl(String path) {
    return "http://127.0.0.1:" + gateway + path;
  }

  /** Stops the process as Ctrl-C would; returns true when it ended in time. */
  boolean stop() throws Exception {
    if (process == null) {
      return true;
    }
    process.destroy();
    boolean ended = process.waitFor(30, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly();
    }
    process = null;
    return ended;
  }

  @Override
  public void close() throws Exception {
    stop();
  }
}
