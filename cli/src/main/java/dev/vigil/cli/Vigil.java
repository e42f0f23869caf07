package dev.vigil.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code vigil} command. Subcommands parse their arguments, call a module and print. */
@Command(
    name = "vigil",
    mixinStandardHelpOptions = true,
    versionProvider = Vigil.Version.class,
    description = "Vigil: zero trust access with a Rego decision point.",
    subcommands = {
      EvalCommand.class,
      TestCommand.class,
      ConformanceCommand.class,
      PdpCommand.class,
      BuildCommand.class,
      LogsCommand.class,
      UpCommand.class,
      TotpCommand.class,
      HashPasswordCommand.class,
      IdentityCommand.class,
      AgentCommand.class,
      SidecarCommand.class,
      DeviceCommand.class,
      AccessCommand.class,
      InsightCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Vigil implements Runnable {

  /** Exit status for bad usage or bad input. */
  static final int EXIT_USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) throws InterruptedException {
    // A large stack, so that deeply nested policies and inputs meet the engine's own limits
    // (which answer with an error) long before the JVM's.
    int[] status = {1};
    Thread t =
        new Thread(
            null,
            () ->
                status[0] =
                    run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)),
            "vigil-main",
            512L << 20);
    t.start();
    t.join();
    System.exit(status[0]);
  }

  /**
   * Runs the command line and returns the exit status, with all it printed flushed; never throws.
   */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Vigil());
    cl.setOut(out);
    cl.setErr(err);
    // picocli's own conversion names the JDK's exception class; this one says what a URL looks
    // like.
    cl.registerConverter(
        URI.class,
        text -> {
          try {
            return new URI(text);
          } catch (URISyntaxException e) {
            throw new CommandLine.TypeConversionException(
                "\""
                    + text
                    + "\" is not a URL ("
                    + e.getReason().toLowerCase(java.util.Locale.ROOT)
                    + " at character "
                    + (e.getIndex() + 1)
                    + "): write it like http://127.0.0.1:8181");
          }
        });
    cl.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("vigil: " + CliErrors.describe(e));
          return 1;
        });
    try {
      return cl.execute(args);
    } catch (StackOverflowError e) {
      err.println("vigil: the policy or input is nested too deeply to process");
      return 1;
    } finally {
      // What a command printed without a line end is still in the writers' buffers.
      out.flush();
      err.flush();
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads the version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Vigil.class.getPackage().getImplementationVersion();
      return new String[] {"vigil " + (v == null ? "development build" : v)};
    }
  }
}
