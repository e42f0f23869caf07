package dev.vigil.cli;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.vigil.access.DeviceAgent;
import dev.vigil.access.DeviceException;
import dev.vigil.access.Devices;
import dev.vigil.access.LinuxPosture;
import dev.vigil.access.Posture;
import dev.vigil.httpkit.DurationText;
import dev.vigil.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vigil device}: enrol this machine as a device and send its signed posture; for
 * administrators, make enrolment tokens, list and revoke devices. See docs/devices.md.
 */
@Command(
    name = "device",
    mixinStandardHelpOptions = true,
    description = "Devices: enrolment tokens, enrolment, signed posture reports.",
    subcommands = {
      DeviceCommand.Token.class,
      DeviceCommand.Enroll.class,
      DeviceCommand.Report.class,
      DeviceCommand.ListDevices.class,
      DeviceCommand.Revoke.class
    })
final class DeviceCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the store is and which key seals the device CA key. */
  static final class StoreAccess {
    @Mixin StoreOptions store;

    @Option(
        names = "--ca-key-file",
        paramLabel = "FILE",
        description =
            "Key that seals the device CA key (default: VIGIL_CA_KEY, else the data directory's"
                + " ca.key).")
    Path caKeyFile;

    /**
     * Opens the node's existing store and device management over it, with the device CA key sealed
     * as {@code --ca-key-file} says; the caller closes the result.
     *
     * @throws dev.vigil.store.StoreException when there is no store; nothing is created then
     */
    private DevicesOnStore open() throws IOException {
      Store st = store.openExisting();
      try {
        Path dataDir = store.store == null ? st.location().sqliteFile().getParent() : null;
        Devices devices =
            Devices.open(
                st,
                CaKeys.cipher(System.getenv(), dataDir, caKeyFile),
                InstantSource.system(),
                Devices.Options.defaults());
        return new DevicesOnStore(st, devices);
      } catch (IOException | RuntimeException e) {
        st.close();
        throw e;
      }
    }
  }

  /** Device management over the store it was opened on; closing it closes both. */
  private record DevicesOnStore(Store store, Devices devices) implements AutoCloseable {
    @Override
    public void close() {
      try {
        devices.close();
      } finally {
        store.close();
      }
    }
  }

  /** Where this device keeps its key and certificate. */
  static final class DeviceDir {
    @Option(
        names = "--device-dir",
        paramLabel = "DIR",
        description =
            "This device's key and certificate (default: $XDG_CONFIG_HOME/vigil/device, else"
                + " $HOME/.config/vigil/device).")
    Path dir;

    Path get() {
      return dir != null ? dir : standard(System.getenv(), System.getProperty("user.home"));
    }

    /**
     * Returns the default directory under the XDG base directory specification's config home:
     * {@code $XDG_CONFIG_HOME}, else {@code $HOME/.config}. The JVM's {@code user.home} comes from
     * the password database and ignores a changed {@code $HOME}, so it is only the last resort. The
     * specification ignores a relative {@code $XDG_CONFIG_HOME}, and so does this.
     */
    static Path standard(Map<String, String> env, String userHome) {
      String xdg = env.get("XDG_CONFIG_HOME");
      String home = env.get("HOME");
      Path config;
      if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
        config = Path.of(xdg);
      } else if (home != null && !home.isBlank()) {
        config = Path.of(home, ".config");
      } else {
        config = Path.of(userHome, ".config");
      }
      return config.resolve("vigil").resolve("device");
    }

    /** Creates the directory; returns why it cannot hold the key, or null when it can. */
    String prepare() {
      Path d = get();
      try {
        Files.createDirectories(d);
      } catch (IOException | UnsupportedOperationException e) {
        // Reported below: the path exists as something else, or cannot be made.
      }
      return Files.isDirectory(d) && Files.isWritable(d)
          ? null
          : "--device-dir " + d + " is not a writable directory";
    }
  }

  @Command(
      name = "token",
      mixinStandardHelpOptions = true,
      description = "Make a one-time enrolment token (administrators, on the store).")
  static final class Token implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin StoreAccess access;

    @Option(
        names = "--ttl",
        paramLabel = "DURATION",
        defaultValue = "24h",
        description = "How long the token can be used (default: 24h).")
    String ttl;

    @Option(
        names = "--label",
        paramLabel = "TEXT",
        defaultValue = "",
        description =
            "Who or what the token is for, kept with it: one line, 100 characters at most.")
    String label;

    @Override
    public Integer call() throws Exception {
      Duration d;
      try {
        d = DurationText.parse(ttl);
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("vigil device token: --ttl " + e.getMessage());
        return Vigil.EXIT_USAGE;
      }
      if (d.isZero()) {
        spec.commandLine().getErr().println("vigil device token: --ttl must be longer than 0s");
        return Vigil.EXIT_USAGE;
      }
      try (DevicesOnStore on = access.open()) {
        spec.commandLine().getOut().println(on.devices().createToken(label, d));
      } catch (DeviceException e) {
        spec.commandLine().getErr().println("vigil device token: --label: " + e.getMessage());
        return Vigil.EXIT_USAGE;
      }
      return 0;
    }
  }

  @Command(
      name = "enroll",
      mixinStandardHelpOptions = true,
      description =
          "Enrol this machine: make a key, send a CSR with a one-time token to --server (or"
              + " sign it on the store with --data-dir), keep the certificate in --device-dir.")
  static final class Enroll implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin Where where;

    @Mixin DeviceDir deviceDir;

    @Option(
        names = "--token",
        paramLabel = "TOKEN",
        description = "The one-time token from `vigil device token` (with --server).")
    String token;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        description = "A name for the device (default: the host name).")
    String name;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      String problem = where.problem(true);
      if (problem == null && where.server == null) {
        // Before the device directory is made: a mistyped --data-dir must leave nothing behind.
        where.local.store.requireExisting();
      }
      // Checked before the token is spent: a key that cannot be kept would waste the enrolment.
      problem = problem != null ? problem : deviceDir.prepare();
      if (problem != null) {
        spec.commandLine().getErr().println("vigil device enroll: " + problem);
        return Vigil.EXIT_USAGE;
      }
      String label = name != null ? name : InetAddress.getLocalHost().getHostName();
      KeyPair key = DeviceAgent.newKey();
      if (where.server != null && token == null) {
        spec.commandLine().getErr().println("vigil device enroll: --server needs --token");
        return Vigil.EXIT_USAGE;
      }
      Devices.Enrolment e;
      try {
        e = enroll(label, key);
      } catch (DeviceException refused) {
        return refused(refused);
      }
      DeviceAgent agent = DeviceAgent.save(deviceDir.get(), key, e);
      out.println("enrolled device " + agent.deviceId() + " (" + label + ")");
      out.println("certificate " + agent.directory().resolve(DeviceAgent.CERT));
      out.println("key         " + agent.directory().resolve(DeviceAgent.KEY));
      return 0;
    }

    private Devices.Enrolment enroll(String label, KeyPair key) throws Exception {
      if (where.server != null) {
        try {
          return DeviceAgent.enrollRemote(
              HttpClient.newHttpClient(), where.server, token, label, key);
        } catch (IOException io) {
          throw unreachable(where.server, io);
        }
      }
      try (DevicesOnStore on = where.local.open()) {
        return on.devices().enrollWithoutToken(DeviceAgent.csr(key), label);
      }
    }

    /**
     * Reports a refused enrolment: a token or name that was refused is bad input, named by its
     * option, as the other commands report theirs; any other refusal is the server's.
     */
    private int refused(DeviceException e) {
      String option =
          switch (e.code()) {
            case "bad_token" -> "--token: ";
            case "bad_name" -> "--name: ";
            default -> null;
          };
      spec.commandLine()
          .getErr()
          .println("vigil device enroll: " + (option == null ? "" : option) + e.getMessage());
      return option == null ? 1 : Vigil.EXIT_USAGE;
    }
  }

  /** {@code --server URL}, or {@code --data-dir DIR | --store URL} to work on the store. */
  static final class Where {
    @Option(
        names = "--server",
        paramLabel = "URL",
        description = "The control plane, e.g. http://127.0.0.1:8181")
    URI server;

    @Mixin StoreAccess local;

    boolean onStore() {
      return local.store.dataDir != null || local.store.store != null;
    }

    /** Returns a usage problem, or null when exactly one of server and store is given. */
    String problem(boolean required) {
      if (server != null && onStore()) {
        return "give --server or --data-dir/--store, not both";
      }
      if (server != null && !isHttpUrl(server)) {
        return "--server \""
            + server
            + "\" is not an http or https URL, like http://127.0.0.1:8181";
      }
      return required && server == null && !onStore() ? "give --server URL or --data-dir" : null;
    }

    private static boolean isHttpUrl(URI u) {
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
      return (scheme.equals("http") || scheme.equals("https")) && u.getHost() != null;
    }
  }

  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      description =
          "Collect this machine's posture, sign it with the device key and send it. Flags"
              + " override what was collected.")
  static final class Report implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin Where where;

    @Mixin DeviceDir deviceDir;

    @Option(names = "--os")
    String os;

    @Option(names = "--os-version")
    String osVersion;

    @Option(names = "--patch-age-days", paramLabel = "DAYS")
    Integer patchAgeDays;

    @Option(names = "--disk-encrypted", arity = "1", paramLabel = "BOOL")
    Boolean diskEncrypted;

    @Option(names = "--edr-running", arity = "1", paramLabel = "BOOL")
    Boolean edrRunning;

    @Option(names = "--screen-lock", arity = "1", paramLabel = "BOOL")
    Boolean screenLock;

    @Option(
        names = "--edr-process",
        paramLabel = "NAME",
        description =
            "A process name that counts as an EDR agent (repeatable; adds to the"
                + " built-in list).")
    List<String> edrProcesses = List.of();

    @Option(
        names = "--print",
        description = "Print the posture and the signed report instead of sending it.")
    boolean print;

    @Override
    public Integer call() throws Exception {
      String problem = where.problem(!print);
      if (problem != null) {
        spec.commandLine().getErr().println("vigil device report: " + problem);
        return Vigil.EXIT_USAGE;
      }
      DeviceAgent agent = DeviceAgent.load(deviceDir.get());
      Posture p = collect();
      try {
        // The check the server makes, made before signing: a report it would refuse is not sent.
        Posture.fromMap(p.toMap());
      } catch (DeviceException e) {
        spec.commandLine()
            .getErr()
            .println(
                "vigil device report: "
                    + e.getMessage().replace("posture.", "--").replace('_', '-'));
        return Vigil.EXIT_USAGE;
      }
      String jws = agent.signReport(p, Instant.now());
      PrintWriter out = spec.commandLine().getOut();
      if (print) {
        out.println(JSONObjectUtils.toJSONString(p.toMap()));
        out.println(jws);
        return 0;
      }
      long maxAge;
      try {
        maxAge = send(jws);
      } catch (DeviceException e) {
        // Refused by the server or the store (a revoked device, say): named like the rest.
        spec.commandLine().getErr().println("vigil device report: " + e.getMessage());
        return 1;
      }
      out.println(
          "reported device " + agent.deviceId() + ": " + JSONObjectUtils.toJSONString(p.toMap()));
      out.println("send the next report within " + maxAge + "s to stay managed");
      return 0;
    }

    /** Sends the signed report; returns within how many seconds the next one is due. */
    private long send(String jws) throws Exception {
      if (where.server != null) {
        try {
          return DeviceAgent.sendReport(HttpClient.newHttpClient(), where.server, jws);
        } catch (IOException io) {
          throw unreachable(where.server, io);
        }
      }
      try (DevicesOnStore on = where.local.open()) {
        on.devices().acceptReport(jws);
        return on.devices().options().maxReportAge().toSeconds();
      }
    }

    private Posture collect() {
      Set<String> edr = new HashSet<>(LinuxPosture.EDR_PROCESSES);
      edr.addAll(edrProcesses);
      Posture c = new LinuxPosture(Path.of("/")).collect(Instant.now(), edr);
      return new Posture(
          os != null ? os : c.os(),
          osVersion != null ? osVersion : c.osVersion(),
          patchAgeDays != null ? patchAgeDays : c.patchAgeDays(),
          diskEncrypted != null ? diskEncrypted : c.diskEncrypted(),
          edrRunning != null ? edrRunning : c.edrRunning(),
          screenLock != null ? screenLock : c.screenLock());
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List enrolled devices with the age of their latest report.")
  static final class ListDevices implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin StoreAccess access;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      try (DevicesOnStore on = access.open()) {
        Devices devices = on.devices();
        out.printf("%-24s %-20s %-8s %s%n", "DEVICE", "NAME", "STATE", "LAST REPORT");
        for (Devices.Summary s : devices.list()) {
          long max = devices.options().maxReportAge().toSeconds();
          String state =
              s.revoked()
                  ? "revoked"
                  : s.reportAgeSeconds() == null
                      ? "no-report"
                      : s.reportAgeSeconds() > max ? "stale" : "fresh";
          String age = s.reportAgeSeconds() == null ? "-" : s.reportAgeSeconds() + "s ago";
          out.printf("%-24s %-20s %-8s %s%n", s.id(), s.name(), state, age);
        }
      }
      return 0;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revoke a device: its certificate no longer identifies it.")
  static final class Revoke implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin StoreAccess access;

    @Parameters(paramLabel = "DEVICE_ID")
    String id;

    @Override
    public Integer call() throws Exception {
      try (DevicesOnStore on = access.open()) {
        if (!on.devices().revoke(id)) {
          spec.commandLine().getErr().println("vigil device revoke: no device " + id);
          return 1;
        }
      }
      spec.commandLine().getOut().println("revoked device " + id);
      return 0;
    }
  }

  /** Says which server could not be reached, instead of the JDK's bare exception. */
  static IllegalStateException unreachable(URI server, IOException e) {
    String why =
        e instanceof java.net.ConnectException
            ? "connection refused"
            : e.getMessage() == null || e.getMessage().isBlank()
                ? "the connection failed before an answer came"
                : e.getMessage();
    return new IllegalStateException("control plane " + server + " cannot be reached: " + why, e);
  }
}
