package dev.vigil.cli;

import dev.vigil.identity.JoinTokens;
import dev.vigil.identity.TrustDomain;
import dev.vigil.store.Store;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil identity join-token create}: a one-time token for one agent to join. */
@Command(
    name = "join-token",
    mixinStandardHelpOptions = true,
    description = "One-time tokens with which a vigil agent obtains its own SVID.")
final class IdentityJoinTokenCommand {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description =
          "Create a join token (printed once; only its hash is stored) for one agent of a trust"
              + " domain.")
  int create(
      @Mixin IdentityOptions options,
      @Option(names = "--trust-domain", required = true, paramLabel = "TD") String trustDomain,
      @Option(
              names = "--ttl",
              defaultValue = "10m",
              paramLabel = "DURATION",
              description = "How long the token can be redeemed (default: 10m).")
          String ttl) {
    PrintWriter err = spec.commandLine().getErr();
    TrustDomain td;
    Duration lifetime;
    try {
      td = TrustDomain.parse(trustDomain);
      lifetime = Durations.positive("--ttl", ttl);
    } catch (IllegalArgumentException e) {
      err.println("vigil identity join-token create: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = options.openExistingStore()) {
      JoinTokens.Issued t;
      try {
        t = options.identities(st, err).joinTokens().create(td, lifetime);
      } catch (IllegalArgumentException e) {
        err.println("vigil identity join-token create: " + e.getMessage());
        return Vigil.EXIT_USAGE;
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(t.token());
      err.println("agent " + t.agentId() + ", token usable once until " + t.expiresAt());
      return 0;
    }
  }
}
