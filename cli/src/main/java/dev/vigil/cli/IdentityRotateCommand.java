package dev.vigil.cli;

import dev.vigil.identity.CaAuthority;
import dev.vigil.identity.Identities;
import dev.vigil.identity.TrustDomain;
import dev.vigil.store.Store;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil identity rotate prepare|activate|retire|status TRUST_DOMAIN}. */
@Command(
    name = "rotate",
    mixinStandardHelpOptions = true,
    description =
        "Rotate a trust domain's root: prepare (publish the next root), activate (sign with it),"
            + " retire (drop the old root once its SVIDs expired), or status.")
final class IdentityRotateCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin IdentityOptions options;

  @Parameters(
      index = "0",
      paramLabel = "STEP",
      description = "prepare, activate, retire, auto (whatever is due), status")
  String step;

  @Parameters(index = "1", paramLabel = "TRUST_DOMAIN")
  String trustDomain;

  @Override
  public Integer call() {
    var err = spec.commandLine().getErr();
    var out = spec.commandLine().getOut();
    TrustDomain td;
    try {
      td = TrustDomain.parse(trustDomain);
    } catch (IllegalArgumentException e) {
      err.println("vigil identity rotate: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = options.openExistingStore()) {
      Identities ids = options.identities(st, err);
      if (ids.existing(td).isEmpty()) {
        err.println("vigil identity rotate: trust domain \"" + td + "\" does not exist here");
        return 1;
      }
      try {
        switch (step) {
          case "prepare" -> out.println("prepared " + ids.prepare(td).id());
          case "activate" -> out.println("activated " + ids.activate(td).id());
          case "auto" -> out.println("steps taken: " + ids.rotateIfDue(td));
          case "retire" -> {
            List<CaAuthority> r = ids.retire(td);
            out.println(
                r.isEmpty()
                    ? "nothing to retire yet"
                    : "retired " + r.stream().map(CaAuthority::id).toList());
          }
          case "status" -> {
            for (CaAuthority a : ids.existing(td).orElseThrow().authorities()) {
              out.printf("%s  %-8s  %s  until %s%n", a.id(), a.state(), a.keyType(), a.notAfter());
            }
          }
          default -> {
            err.println(
                "vigil identity rotate: step must be prepare, activate, retire, auto or status");
            return Vigil.EXIT_USAGE;
          }
        }
      } catch (IllegalStateException e) {
        err.println("vigil identity rotate: " + e.getMessage());
        return 1;
      }
      return 0;
    }
  }
}
