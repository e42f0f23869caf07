package dev.vigil.cli;

import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.PasswordRules;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * {@code vigil hash-password}: reads a password from standard input, prints its hash; a blank one,
 * or one of too few different characters ({@link PasswordRules}), is refused.
 */
@Command(
    name = "hash-password",
    mixinStandardHelpOptions = true,
    description = "Read a password from standard input and print its Argon2id hash.")
final class HashPasswordCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    String pw;
    try {
      // Strict UTF-8: bytes of another encoding read as U+FFFD would be hashed as a password that
      // nobody types, and two different ones could hash alike.
      pw =
          new BufferedReader(
                  new InputStreamReader(
                      System.in,
                      StandardCharsets.UTF_8
                          .newDecoder()
                          .onMalformedInput(CodingErrorAction.REPORT)
                          .onUnmappableCharacter(CodingErrorAction.REPORT)))
              .readLine();
    } catch (CharacterCodingException e) {
      spec.commandLine()
          .getErr()
          .println(
              "vigil hash-password: the password on standard input is not UTF-8 text; set the"
                  + " terminal to UTF-8, as browsers send passwords");
      return Vigil.EXIT_USAGE;
    }
    if (pw == null || pw.isEmpty()) {
      spec.commandLine().getErr().println("vigil hash-password: no password on standard input");
      return Vigil.EXIT_USAGE;
    }
    String problem = PasswordRules.problem(pw);
    if (problem != null) {
      spec.commandLine()
          .getErr()
          .println("vigil hash-password: the password on standard input " + problem);
      return Vigil.EXIT_USAGE;
    }
    spec.commandLine().getOut().println(PasswordHash.hash(pw));
    return 0;
  }
}
