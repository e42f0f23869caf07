package dev.vigil.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code vigil identity}: workload identity — SVIDs, trust bundles, entries, rotation. */
@Command(
    name = "identity",
    mixinStandardHelpOptions = true,
    description = "Workload identity: issue SPIFFE SVIDs, print trust bundles, manage entries.",
    subcommands = {
      IdentityIssueCommand.class,
      IdentityBundleCommand.class,
      IdentityEntryCommand.class,
      IdentityRotateCommand.class,
      IdentityRevokeCommand.class,
      IdentityFederateCommand.class,
      IdentityJoinTokenCommand.class,
      IdentityBundleEndpointCommand.class
    })
final class IdentityCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
