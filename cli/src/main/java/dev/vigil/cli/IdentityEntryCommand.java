package dev.vigil.cli;

import dev.vigil.identity.Identities;
import dev.vigil.identity.RegistrationEntry;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.store.Store;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil identity entry create|list|delete}: registration entries in the store. */
@Command(
    name = "entry",
    mixinStandardHelpOptions = true,
    description = "Manage registration entries: selectors → SPIFFE ID.")
final class IdentityEntryCommand {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an entry.")
  int create(
      @Mixin IdentityOptions options,
      @Option(names = "--spiffe-id", required = true, paramLabel = "ID") String spiffeId,
      @Option(
              names = "--selector",
              required = true,
              paramLabel = "SEL",
              description = "unix:uid:N, unix:gid:N, unix:path:/EXE or label:NAME (repeatable).")
          List<String> selectors,
      @Option(names = "--ttl", paramLabel = "DURATION") String ttl,
      @Option(names = "--dns", paramLabel = "NAME") List<String> dns) {
    PrintWriter err = spec.commandLine().getErr();
    SpiffeId id;
    List<Selector> sels;
    Duration lifetime;
    try {
      id = SpiffeId.parse(spiffeId);
      sels = selectors.stream().map(Selector::parse).toList();
      lifetime = ttl == null ? null : Durations.positive("--ttl", ttl);
    } catch (IllegalArgumentException e) {
      err.println("vigil identity entry create: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = options.openOrCreateStoreSaying(err, "vigil identity entry create")) {
      Identities ids = options.identities(st, err);
      RegistrationEntry e;
      try {
        e = ids.createEntry(id, sels, lifetime, dns == null ? List.of() : dns);
      } catch (IllegalArgumentException ex) {
        err.println("vigil identity entry create: " + ex.getMessage());
        return Vigil.EXIT_USAGE;
      }
      spec.commandLine().getOut().println(e.id());
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List entries.")
  int list(@Mixin IdentityOptions options) {
    PrintWriter out = spec.commandLine().getOut();
    try (Store st = options.openExistingStore()) {
      for (RegistrationEntry e : options.identities(st, spec.commandLine().getErr()).entries()) {
        out.printf(
            "%s  %s  %s  ttl=%s  dns=%s%n",
            e.id(),
            e.spiffeId(),
            String.join(",", e.selectors().stream().map(Selector::toString).toList()),
            e.ttl() == null ? "default" : e.ttl().toString(),
            e.dnsNames().isEmpty() ? "-" : String.join(",", e.dnsNames()));
      }
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an entry.")
  int delete(@Mixin IdentityOptions options, @Parameters(paramLabel = "ENTRY_ID") String id) {
    try (Store st = options.openExistingStore()) {
      if (!options.identities(st, spec.commandLine().getErr()).deleteEntry(id)) {
        spec.commandLine().getErr().println("vigil identity entry delete: no entry \"" + id + "\"");
        return 1;
      }
      spec.commandLine().getOut().println("deleted " + id);
      return 0;
    }
  }
}
