package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mistake in {@code vigil pdp --mode} stops it before the server starts, naming the option: a
 * mode that applied to nothing, or that another option silently replaced, could leave a weaker mode
 * in force than the one written.
 */
class PdpModeOptionsTest {

  @TempDir Path tmp;

  /**
   * Runs {@code vigil pdp} with its address taken by another socket: were a mistake let through,
   * the run would end at the bind (status 1) instead of serving until killed.
   */
  private CliRun pdp(String... more) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String[] args = new String[more.length + 5];
      args[0] = "pdp";
      args[1] = "--data-dir";
      args[2] = tmp.resolve("data").toString();
      args[3] = "--addr";
      args[4] = "127.0.0.1:" + taken.getLocalPort();
      System.arraycopy(more, 0, args, 5, more.length);
      return CliRun.of(args);
    }
  }

  @Test
  void pdp_modeNameMisspelt_exitsWithUsageNamingTheOption() throws Exception {
    CliRun r = pdp("--mode", "authz=enforced");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains(
            "vigil pdp: --mode \"authz=enforced\": mode \"enforced\" is not one of observe,"
                + " monitor, enforce");
  }

  /** The later one won, so "observe" for authz silently replaced "enforce". */
  @Test
  void pdp_samePathTwice_evenWrittenDifferently_exitsWithUsageNamingBoth() throws Exception {
    CliRun r = pdp("--mode", "authz=enforce", "--mode", "data.authz=observe");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains(
            "vigil pdp: --mode \"data.authz=observe\": path authz already has a mode, from --mode"
                + " \"authz=enforce\"");
  }

  /** "data." and a blank path both parsed as the root, so the mode applied to every path. */
  @Test
  void pdp_pathBlankOrWithAnEmptyStep_exitsWithUsage() throws Exception {
    CliRun blank = pdp("--mode", " =observe");
    CliRun dot = pdp("--mode", "data.=observe");

    assertThat(blank.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(blank.err()).contains("--mode \" =observe\" must be PATH=MODE");
    assertThat(dot.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(dot.err())
        .contains("--mode \"data.=observe\": policy path \"data.\" has an empty step");
  }

  /**
   * authz observed but its rule authz/allow meant to be enforced: the misspelt authz/alow applied
   * to nothing, and authz/allow stayed in observe mode without a word.
   */
  @Test
  void pdp_modePathNamingNoRuleOfTheBundle_exitsWithUsageListingTheRules() throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    Files.writeString(
        bundle.resolve("authz.rego"), "package authz\nimport rego.v1\ndefault allow := false\n");

    CliRun r =
        pdp(
            "--bundle",
            bundle.toString(),
            "--mode",
            "authz=observe",
            "--mode",
            "authz/alow=enforce");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains(
            "vigil pdp: --mode \"authz/alow=enforce\": path authz/alow names no rule or data in"
                + " bundle "
                + bundle
                + "; its rules: authz/allow")
        .doesNotContain("REST API on");
  }

  /**
   * Regression: a misspelt --authz-path started without a word, and every request to the
   * external-authorization endpoints was denied as undefined; so did a misspelt --default-decision
   * for POST /.
   */
  @Test
  void pdp_authzPathOrDefaultDecisionNamingNoRuleOfTheBundle_exitsWithUsage() throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    Files.writeString(
        bundle.resolve("authz.rego"), "package authz\nimport rego.v1\ndefault allow := false\n");

    CliRun authz = pdp("--bundle", bundle.toString(), "--authz-path", "authz/alow");
    CliRun main = pdp("--bundle", bundle.toString(), "--default-decision", "authz/alow");

    assertThat(authz.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(authz.err())
        .contains(
            "vigil pdp: --authz-path: policy \"authz/alow\" names no rule or data in bundle "
                + bundle
                + ": every decision the external-authorization endpoints")
        .contains("its rules: authz/allow")
        .doesNotContain("REST API on");
    assertThat(main.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(main.err()).contains("vigil pdp: --default-decision: policy \"authz/alow\"");
  }

  /**
   * Left at their defaults the paths are not refused (a node may not use those endpoints): the run
   * goes on to the bind, which the taken address fails.
   */
  @Test
  void pdp_defaultAuthzPathNamingNothing_notRefused() throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    Files.writeString(bundle.resolve("other.rego"), "package other\nimport rego.v1\nx := 1\n");

    CliRun r = pdp("--bundle", bundle.toString());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("cannot listen on");
  }
}
