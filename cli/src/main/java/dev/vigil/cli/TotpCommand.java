package dev.vigil.cli;

import dev.vigil.gateway.auth.Totp;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil totp SECRET}: prints the current one-time code, for trying the demo. */
@Command(
    name = "totp",
    mixinStandardHelpOptions = true,
    description = "Print the current TOTP code for a base32 secret (for the demo).")
final class TotpCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SECRET")
  String secret;

  @Override
  public Integer call() {
    try {
      // The secrets a user's totp_secret takes, so that a code printed here can be one of theirs.
      Totp.checkSecret(secret);
      spec.commandLine().getOut().println(Totp.code(secret, InstantSource.system()));
      return 0;
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("vigil totp: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
  }
}
