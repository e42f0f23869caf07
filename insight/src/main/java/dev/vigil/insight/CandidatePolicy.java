package dev.vigil.insight;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.pdp.bundle.BundleException;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Value;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;

/**
 * A policy bundle to replay recorded decisions against, loaded and decided as the decision point
 * loads and decides: the bundle is read by {@link BundleReader} and activated in a {@link
 * DecisionPoint} of its own, with the live decision point's options (time budget, Rego syntax,
 * masking) and no decision log, so that deciding writes nothing anywhere.
 *
 * <p>Each decision is made in enforce mode, whatever mode the recorded one had, with the clock of
 * the policy ({@code time.now_ns}) set to the recorded decision's time. The answer is read as the
 * live decision point reads it: only {@code true}, or an object whose {@code allow} is {@code
 * true}, allows; an undefined answer or an error denies.
 *
 * <p>Thread-safe.
 */
public final class CandidatePolicy implements AutoCloseable {

  private final DecisionPoint pdp;
  private final boolean owned;
  private final String source;
  private final String revision;
  private final MaskedReads maskedReads;

  private CandidatePolicy(
      DecisionPoint pdp,
      boolean owned,
      String source,
      String revision,
      Map<String, String> modules) {
    this.pdp = pdp;
    this.owned = owned;
    this.source = source;
    this.revision = revision;
    this.maskedReads = new MaskedReads(modules);
  }

  /**
   * Reads and compiles a bundle directory or {@code .tar.gz} file.
   *
   * @param live the options of the decision point whose decisions are replayed; its decision log is
   *     not used
   * @throws BundleException naming the bundle, the file and the fault (for a compile error, its
   *     line and column)
   */
  public static CandidatePolicy load(Path bundle, DecisionPoint.Options live) {
    return of(BundleReader.read(bundle), live);
  }

  /**
   * Compiles a bundle already read.
   *
   * @throws BundleException as {@link #load}
   */
  public static CandidatePolicy of(Bundle bundle, DecisionPoint.Options live) {
    DecisionPoint pdp = new DecisionPoint(live.withDecisionLog(null));
    pdp.activate(bundle);
    return new CandidatePolicy(
        pdp, true, bundle.source(), bundle.manifest().revision(), bundle.modules());
  }

  /**
   * The policy a running decision point has in service now, its bundle and the modules written
   * through the API alike, asked through {@link DecisionPoint#preview}: nothing is logged. Closing
   * it leaves the decision point as it is.
   */
  public static CandidatePolicy inService(DecisionPoint live) {
    return new CandidatePolicy(live, false, "in service", live.revision(), live.policies());
  }

  /** Where the bundle came from, for reports. */
  public String source() {
    return source;
  }

  /** The bundle's revision, empty when it names none. */
  public String revision() {
    return revision;
  }

  /** The options decisions are evaluated with: the live decision point's. */
  public DecisionPoint.Options options() {
    return pdp.options();
  }

  /**
   * Decides one recorded question again.
   *
   * @param at when it was first decided: the policy's clock reads this time
   */
  Decision decide(String path, Value input, Instant at) {
    return pdp.preview(
        PolicyPath.parse(path), input, pdp.evalOptions().withClock(InstantSource.fixed(at)));
  }

  /** Returns where the policy may read a masked field ({@code file:line}), or null. */
  String readOfMasked(String field) {
    return maskedReads.readOf(field);
  }

  @Override
  public void close() {
    if (owned) {
      pdp.close();
    }
  }
}
