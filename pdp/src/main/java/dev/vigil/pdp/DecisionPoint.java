package dev.vigil.pdp;

import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.pdp.bundle.BundleException;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.DataRuleConflicts;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.eval.Tracer;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionIds;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionLogFullException;
import dev.vigil.store.DecisionRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy decision point: answers "may this happen?" from the active policy, explains denials,
 * and logs every decision.
 *
 * <p>How it works: the active policy (bundle modules, uploaded modules and data, compiled) is held
 * in one immutable {@link PolicyState} that is swapped atomically, so a decision always sees one
 * consistent policy and a bad change never replaces a good one. {@link #decide} evaluates a
 * prepared query, reads the answer strictly (only JSON {@code true}, or an object whose {@code
 * allow} is {@code true}, allows), applies the path's mode, and hands the event to the decision log
 * without waiting for the database. Every failure denies: no policy, an evaluation error, an odd
 * answer, or a full log that is configured to fail closed.
 *
 * <p>Thread-safe. The decide path does not log and does not block on I/O.
 */
public final class DecisionPoint implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DecisionPoint.class);

  /** The error code of an evaluation that ran out of its time budget. */
  private static final String TIMEOUT = "eval_cancel_error";

  /**
   * How the decision point runs.
   *
   * @param node this node's name, recorded with each decision
   * @param clock the clock of decisions and of {@code time.now_ns}
   * @param timeout the time budget of one evaluation
   * @param v0Compatible parse modules without a manifest rego_version in v0 syntax
   * @param modes the mode of each policy path
   * @param masking what to remove from inputs before logging
   * @param decisionLog where decisions go, or null to keep none
   */
  public record Options(
      String node,
      InstantSource clock,
      Duration timeout,
      boolean v0Compatible,
      ModeTable modes,
      Masking masking,
      DecisionLog decisionLog) {

    public Options {
      // The external-authorization endpoints put credentials in the input: no caller may forget
      // to mask them.
      masking = masking.withCredentialHeaders();
    }

    public static Options defaults() {
      return new Options(
          "local",
          InstantSource.system(),
          Duration.ofSeconds(2),
          false,
          ModeTable.enforceAll(),
          Masking.none(),
          null);
    }

    public Options withDecisionLog(DecisionLog l) {
      return new Options(node, clock, timeout, v0Compatible, modes, masking, l);
    }

    public Options withModes(ModeTable m) {
      return new Options(node, clock, timeout, v0Compatible, m, masking, decisionLog);
    }

    public Options withV0(boolean v0) {
      return new Options(node, clock, timeout, v0, modes, masking, decisionLog);
    }

    public Options withMasking(Masking m) {
      return new Options(node, clock, timeout, v0Compatible, modes, m, decisionLog);
    }

    public Options withNode(String n) {
      return new Options(n, clock, timeout, v0Compatible, modes, masking, decisionLog);
    }
  }

  private final Options options;
  private final UnloggedRefusals unlogged;
  private final AtomicReference<PolicyState> state;
  private final AtomicReference<ModeTable> modes;
  private final List<DecisionListener> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Hears every decision after it is made and handed to the log, with the caller's context (the
   * gateway's decisions carry {@code route} and {@code subject}; external authorization's also
   * {@code adapter}). Runs on the deciding thread: it must be quick and must not throw.
   */
  @FunctionalInterface
  public interface DecisionListener {
    void decided(Decision d, Map<String, String> context);
  }

  /** Adds a listener, such as metrics by route. */
  public void onDecision(DecisionListener l) {
    listeners.add(Objects.requireNonNull(l, "listener"));
  }

  /**
   * A check of the policy set a write through the API ({@link #putPolicy}, {@link #deletePolicy},
   * {@link #putData}) would put in service, run before it does: the same checks of configured
   * policy paths a bundle reload gets, which a write must not skip.
   */
  @FunctionalInterface
  public interface ChangeCheck {

    /**
     * Returns why the policy set that would follow the write must not replace the one in service,
     * naming the path it would leave undefined, or null to let it.
     *
     * @param defines tells whether that policy set has a rule or a base document at a path (as
     *     {@link DecisionPoint#defines} does for the one in service)
     */
    String refusal(Predicate<PolicyPath> defines);
  }

  /**
   * A write through the API refused by a {@link ChangeCheck}: nothing changed. The message names
   * the configured path the write would leave undefined.
   */
  public static final class ChangeRefused extends RuntimeException {

    ChangeRefused(String message) {
      super(message, null, false, false);
    }
  }

  private final List<ChangeCheck> changeChecks = new CopyOnWriteArrayList<>();
  private final List<Runnable> afterChanges = new CopyOnWriteArrayList<>();

  /** Runs {@code check} before every write through the API; see {@link ChangeCheck}. */
  public void checkChanges(ChangeCheck check) {
    changeChecks.add(Objects.requireNonNull(check, "check"));
  }

  /**
   * Runs {@code after} once a write through the API is in service (on the writing thread), as a
   * bundle's activation is followed by the checks that warn of paths nothing defines.
   */
  public void afterChanges(Runnable after) {
    afterChanges.add(Objects.requireNonNull(after, "after"));
  }

  private final List<Runnable> policyListeners = new CopyOnWriteArrayList<>();

  /**
   * Runs {@code listener} after every change of what a decision may answer: a bundle activated, a
   * module uploaded or deleted, data replaced, a mode changed. It runs on the changing thread (a
   * bundle watcher's, an API request's), after the change is in service, so a decision it makes
   * sees the change; it must be quick and hand slow work to a thread of its own. Enforcement points
   * use it to decide again what they let through under the policy before, such as an open
   * connection decided once when it opened.
   *
   * @return what removes the listener again
   */
  public Runnable onPolicyChange(Runnable listener) {
    Objects.requireNonNull(listener, "listener");
    policyListeners.add(listener);
    return () -> policyListeners.remove(listener);
  }

  /**
   * Tells the {@link #onPolicyChange} listeners; a fault of one is logged, the others still run.
   */
  private void policyChanged() {
    for (Runnable r : policyListeners) {
      try {
        r.run();
      } catch (RuntimeException e) {
        log.warn("listener of a policy change failed: {}", e.toString());
      }
    }
  }

  /** Sets {@code next} in service unless a {@link ChangeCheck} refuses it; called under lock. */
  private void install(PolicyState next) {
    for (ChangeCheck c : changeChecks) {
      String why = c.refusal(p -> PolicyOutline.defines(next, p));
      if (why != null) {
        throw new ChangeRefused(why);
      }
    }
    state.set(next);
  }

  /** Runs the {@link #afterChanges} hooks; a fault of one is logged and the others still run. */
  private void changed() {
    for (Runnable r : afterChanges) {
      try {
        r.run();
      } catch (RuntimeException e) {
        log.warn("check after a policy change failed: {}", e.toString());
      }
    }
  }

  public DecisionPoint(Options options) {
    this.options = options;
    this.unlogged =
        options.decisionLog() == null
            ? null
            : new UnloggedRefusals(options.decisionLog(), options.clock(), options.node());
    this.modes = new AtomicReference<>(options.modes());
    this.state =
        new AtomicReference<>(
            new PolicyState(
                compile(Map.of(), null, ObjectValue.EMPTY),
                v0For(null),
                null,
                Map.of(),
                ObjectValue.EMPTY));
  }

  /**
   * Returns where refusals before policy are logged without waiting for room in the decision log
   * ({@link UnloggedRefusals}), or null when there is no decision log.
   */
  public UnloggedRefusals unloggedRefusals() {
    return unlogged;
  }

  public Options options() {
    return options;
  }

  /** Returns the active bundle, or null. */
  public Bundle activeBundle() {
    return state.get().bundle();
  }

  /** Returns the revision of the active bundle, empty when none. */
  public String revision() {
    return state.get().revision();
  }

  /** Returns the uploaded modules, by id. */
  public Map<String, String> uploadedPolicies() {
    return state.get().uploaded();
  }

  /**
   * Returns every module in force, by id, as {@code GET /v1/policies} lists them: the active
   * bundle's, by their path in the bundle, then the uploaded ones.
   */
  public Map<String, String> policies() {
    PolicyState s = state.get();
    Map<String, String> all = new LinkedHashMap<>();
    if (s.bundle() != null) {
      all.putAll(s.bundle().modules());
    }
    s.uploaded().forEach(all::putIfAbsent);
    return all;
  }

  /** Returns the parsed modules of the active policy. */
  public List<Module> modules() {
    return state.get().policy().modules();
  }

  public ModeTable modes() {
    return modes.get();
  }

  /**
   * Returns true when the active policy has a rule or a base document at {@code path}, under it or
   * above it; the root always. A mode or an authorization path that names nothing is a typo.
   */
  public boolean defines(PolicyPath path) {
    return PolicyOutline.defines(state.get(), path);
  }

  /** The slashed rule paths of one policy state, made once per state for {@link #namesRule}. */
  private record RuleIndex(PolicyState state, Set<String> paths) {}

  private volatile RuleIndex ruleIndex;

  /**
   * Returns true when {@code path} (slashed, as {@link Decision#path()} writes it) is where a rule
   * of the policy in service has its head, or a path given a mode: the paths an operator names, as
   * against the endless ones any client may ask ({@code users/alice}, {@code x/y/z}).
   */
  public boolean namesRule(String path) {
    PolicyState now = state.get();
    RuleIndex index = ruleIndex;
    if (index == null || index.state() != now) {
      Set<String> paths = new HashSet<>();
      for (List<String> rule : PolicyOutline.rulePaths(now)) {
        paths.add(new PolicyPath(rule).slashed());
      }
      index = new RuleIndex(now, Set.copyOf(paths));
      ruleIndex = index;
    }
    return index.paths().contains(path) || modes.get().asMap().containsKey(path);
  }

  /** Returns the paths of the active policy's rules, slashed, in module order. */
  public List<String> rulePaths() {
    return PolicyOutline.rulePaths(state.get()).stream()
        .map(p -> new PolicyPath(p).slashed())
        .toList();
  }

  /**
   * Returns the configured monitor and enforce mode paths that name nothing in the active policy,
   * by {@link #defines}: such a mode applies to no decision, and a narrower mode meant to override
   * a wider one would leave the wider (perhaps weaker) one in force. An observed path is left out:
   * it is not evaluated, and may name a policy still to be written.
   */
  public List<String> modesNamingNothing() {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Mode> e : modes.get().asMap().entrySet()) {
      String path = e.getKey();
      if (e.getValue() != Mode.OBSERVE && !defines(PolicyPath.parse(path))) {
        out.add(path);
      }
    }
    return out;
  }

  /** Changes the mode of a policy path (and the paths below it). */
  public void setMode(String path, Mode mode) {
    ModeTable before;
    ModeTable after;
    do {
      before = modes.get();
      after = before.with(path, mode);
    } while (!modes.compareAndSet(before, after));
    log.info("mode changed: path={} mode={}", PolicyPath.parse(path), mode.label());
    policyChanged();
  }

  /**
   * Activates a bundle: compiles it with the uploaded modules and data, checks that its packages
   * lie under its roots, then swaps it in. On any error the previous policy keeps serving.
   *
   * @throws BundleException naming the bundle and the fault
   */
  public void activate(Bundle bundle) {
    PolicyState before = state.get();
    checkRoots(bundle);
    before
        .uploaded()
        .forEach(
            (id, text) -> {
              try {
                refuseInsideBundleRoots(id, text, bundle);
              } catch (RegoException e) {
                throw new BundleException(
                    bundle.source()
                        + ": its roots cover uploaded policy "
                        + id
                        + "; delete the policy first");
              }
            });
    Policy policy;
    try {
      policy = compile(before.uploaded(), bundle, before.baseData());
    } catch (RegoException e) {
      throw new BundleException(bundle.source() + ": " + e.getMessage(), e);
    }
    state.set(new PolicyState(policy, v0For(bundle), bundle, before.uploaded(), before.baseData()));
    log.info(
        "bundle activated: source={} revision={} modules={}",
        bundle.source(),
        // A bundle without a manifest, or whose manifest names no revision, has none.
        bundle.manifest().revision().isEmpty() ? "(none)" : bundle.manifest().revision(),
        bundle.modules().size());
    policyChanged();
  }

  private void checkRoots(Bundle bundle) {
    checkModuleRoots(bundle, options.v0Compatible());
  }

  /**
   * Refuses a bundle with a module whose package lies outside its manifest's roots, as activation
   * does: {@code vigil build} checks it too, so that it never writes a bundle every node refuses.
   *
   * @param v0Compatible the syntax tried first when reading a package (the other is tried next)
   * @throws BundleException naming the bundle, the module and its package
   */
  public static void checkModuleRoots(Bundle bundle, boolean v0Compatible) {
    List<String> roots = bundle.manifest().roots();
    if (roots.equals(List.of(""))) {
      return;
    }
    for (Map.Entry<String, String> m : bundle.modules().entrySet()) {
      String pkg = packageOf(m.getValue(), v0Compatible);
      if (pkg == null) {
        continue;
      }
      boolean ok = false;
      for (String root : roots) {
        if (BundleReader.under(pkg, root)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        throw new BundleException(
            bundle.source()
                + ": "
                + m.getKey()
                + ": package "
                + pkg.replace('/', '.')
                + " is outside the bundle roots "
                + roots);
      }
    }
  }

  /**
   * Refuses an uploaded module whose package lies under the active bundle's roots: the bundle owns
   * those paths, and a client of the API must not add rules to them (as OPA refuses).
   */
  /** Refuses to replace or delete, through the API, a module that the active bundle holds. */
  private static void refuseBundleModule(String id, Bundle bundle) {
    if (bundle != null && bundle.modules().containsKey(id)) {
      throw new RegoException(
          new dev.vigil.rego.RegoError(
              "rego_compile_error",
              "policy id \""
                  + id
                  + "\" is a module of bundle "
                  + bundle.source()
                  + "; change it through the bundle",
              new dev.vigil.rego.ast.Location(id, 1, 1)));
    }
  }

  private void refuseInsideBundleRoots(String id, String text, Bundle bundle) {
    if (bundle == null) {
      return;
    }
    String pkg = packageOf(text);
    if (pkg == null) {
      return;
    }
    String root = bundle.manifest().overlappingRoot(pkg);
    if (root != null) {
      throw new RegoException(
          new dev.vigil.rego.RegoError(
              "rego_compile_error",
              "package "
                  + pkg.replace('/', '.')
                  + " is owned by bundle "
                  + bundle.source()
                  + " (root \""
                  + root
                  + "\"); change it through the bundle",
              new dev.vigil.rego.ast.Location(id, 1, 1)));
    }
  }

  /** Returns a module's package as a slash path (a/b), or null when it does not parse. */
  private String packageOf(String rego) {
    return packageOf(rego, options.v0Compatible());
  }

  private static String packageOf(String rego, boolean v0Compatible) {
    for (boolean v0 : new boolean[] {v0Compatible, !v0Compatible}) {
      try {
        Module m =
            dev.vigil.rego.parse.Parser.parseModule(
                "module",
                rego,
                v0
                    ? dev.vigil.rego.parse.ParserOptions.v0()
                    : dev.vigil.rego.parse.ParserOptions.v1());
        List<String> segs = TermText.segments(m.packagePath());
        return segs == null ? null : String.join("/", segs);
      } catch (RegoException e) {
        // Try the other syntax; a module that parses in neither fails to compile anyway.
      }
    }
    return null;
  }

  /**
   * Adds or replaces an uploaded module.
   *
   * @throws RegoException listing the module's parse and compile errors; nothing changes then
   * @throws ChangeRefused when a {@link ChangeCheck} refuses the policy set; nothing changes then
   */
  public void putPolicy(String id, String text) {
    synchronized (state) {
      PolicyState before = state.get();
      refuseBundleModule(id, before.bundle());
      refuseInsideBundleRoots(id, text, before.bundle());
      Map<String, String> uploaded = new LinkedHashMap<>(before.uploaded());
      uploaded.put(id, text);
      Policy policy = compile(uploaded, before.bundle(), before.baseData());
      install(
          new PolicyState(
              policy, v0For(before.bundle()), before.bundle(), uploaded, before.baseData()));
    }
    log.info("policy uploaded: id={}", id);
    policyChanged();
    changed();
  }

  /**
   * Removes an uploaded module; returns false when there was none.
   *
   * @throws ChangeRefused when a {@link ChangeCheck} refuses the policy set; nothing changes then
   */
  public boolean deletePolicy(String id) {
    synchronized (state) {
      PolicyState before = state.get();
      refuseBundleModule(id, before.bundle());
      if (!before.uploaded().containsKey(id)) {
        return false;
      }
      Map<String, String> uploaded = new LinkedHashMap<>(before.uploaded());
      uploaded.remove(id);
      Policy policy = compile(uploaded, before.bundle(), before.baseData());
      install(
          new PolicyState(
              policy, v0For(before.bundle()), before.bundle(), uploaded, before.baseData()));
    }
    log.info("policy deleted: id={}", id);
    policyChanged();
    changed();
    return true;
  }

  /**
   * Replaces the data set through the API (merged over the bundle's data).
   *
   * @throws ChangeRefused when a {@link ChangeCheck} refuses the policy set; nothing changes then
   */
  public void putData(ObjectValue data) {
    synchronized (state) {
      PolicyState before = state.get();
      Policy policy = compile(before.uploaded(), before.bundle(), data);
      install(
          new PolicyState(
              policy, v0For(before.bundle()), before.bundle(), before.uploaded(), data));
    }
    policyChanged();
    changed();
  }

  /** Returns the data set through the API. */
  public ObjectValue apiData() {
    return state.get().baseData();
  }

  private boolean v0For(Bundle bundle) {
    boolean v0 = options.v0Compatible();
    if (bundle != null && bundle.manifest().regoVersion() != null) {
      v0 = bundle.manifest().regoVersion() == 0;
    }
    return v0;
  }

  private Policy compile(Map<String, String> uploaded, Bundle bundle, ObjectValue apiData) {
    boolean v0 = options.v0Compatible();
    if (bundle != null && bundle.manifest().regoVersion() != null) {
      v0 = bundle.manifest().regoVersion() == 0;
    }
    List<Source> sources = new ArrayList<>();
    if (bundle != null) {
      bundle.modules().forEach((path, text) -> sources.add(new Source(path, text)));
    }
    uploaded.forEach((id, text) -> sources.add(new Source(id, text)));
    ObjectValue data = bundle == null ? apiData : Data.merge(bundle.data(), apiData);
    try {
      Policy policy = Policy.compile(sources, data, CompileOptions.defaults().withV0(v0));
      DataRuleConflicts.refuse(policy.modules(), data);
      return policy;
    } catch (StackOverflowError e) {
      throw new RegoException(
          new dev.vigil.rego.RegoError(
              "rego_compile_error",
              "policy is nested too deeply to compile",
              dev.vigil.rego.ast.Location.NONE));
    }
  }

  /**
   * Decides one question and logs it. Never throws for a policy problem: every failure is a denial
   * with its reason.
   *
   * @param path the policy path, as {@code authz/allow} or {@code data.authz.allow}
   * @param input the input document, or null
   * @param context extra fields for the decision log: {@code subject}, {@code route}
   */
  public Decision decide(String path, Value input, Map<String, String> context) {
    return decide(PolicyPath.parse(path), input, context, evalOptions());
  }

  /**
   * Decides with the given evaluation options (as the REST API does with its query parameters). The
   * decision carries the evaluation error, if any, for the caller to report.
   */
  public Decision decide(PolicyPath p, Value input, Map<String, String> context, EvalOptions eval) {
    return decide(p, input, context, eval, null, true, null);
  }

  /**
   * Decides as {@link #decide(PolicyPath, Value, Map, EvalOptions)}, recording the trace of the
   * evaluation that makes the decision to {@code tracer} (as OPA's {@code explain} parameter asks).
   * A path in observe mode evaluates nothing and records nothing.
   */
  public Decision decideTraced(
      PolicyPath p, Value input, Map<String, String> context, EvalOptions eval, Tracer tracer) {
    return decide(p, input, context, eval, null, true, tracer);
  }

  /**
   * Decides with a mode fixed by the caller (a gateway route's mode), or the path's configured mode
   * when {@code override} is null.
   */
  public Decision decide(
      PolicyPath p, Value input, Map<String, String> context, EvalOptions eval, Mode override) {
    return decide(p, input, context, eval, override, true, null);
  }

  /**
   * Decides without waiting, for a caller on an event loop: as {@link #decide(PolicyPath, Value,
   * Map, EvalOptions, Mode)}, but answers null, having logged nothing, when the evaluation ran out
   * of {@code eval}'s time budget or the decision log has no room at this moment. The caller then
   * decides again with {@code decide}, on a thread that may wait, with the full budget.
   */
  public Decision tryDecide(
      PolicyPath p, Value input, Map<String, String> context, EvalOptions eval, Mode override) {
    return decide(p, input, context, eval, override, false, null);
  }

  private Decision decide(
      PolicyPath p,
      Value input,
      Map<String, String> context,
      EvalOptions eval,
      Mode override,
      boolean mayWait,
      Tracer tracer) {
    long start = System.nanoTime();
    PolicyState s = state.get();
    Mode mode = override != null ? override : modes.get().modeOf(p);
    Decision d = evaluate(s, p, input, eval, mode, mayWait, tracer, start);
    if (d == null) {
      return null;
    }
    Decision logged = withLog(d, input, context, mayWait);
    if (logged == null) {
      return null;
    }
    for (DecisionListener l : listeners) {
      try {
        l.decided(logged, context);
      } catch (RuntimeException e) {
        // A listener's fault must not change or fail the decision it heard about.
      }
    }
    return logged;
  }

  /**
   * Decides as {@link #decide(PolicyPath, Value, Map, EvalOptions, Mode)} does in enforce mode,
   * with the policy in service, but logs nothing and tells no listener: a preview of what the
   * policy would answer (insight's next step for a route in observe mode), not a decision.
   */
  public Decision preview(PolicyPath p, Value input, EvalOptions eval) {
    return evaluate(state.get(), p, input, eval, Mode.ENFORCE, true, null, System.nanoTime());
  }

  /**
   * Evaluates one question against {@code s} in {@code mode}: the decision, not logged yet; null
   * when the evaluation ran past the inline budget and {@code mayWait} is false.
   */
  private Decision evaluate(
      PolicyState s,
      PolicyPath p,
      Value input,
      EvalOptions eval,
      Mode mode,
      boolean mayWait,
      Tracer tracer,
      long start) {
    String id = DecisionIds.next();
    Value result = null;
    String reason;
    RegoException error = null;
    if (mode == Mode.OBSERVE) {
      reason = "observe mode: not evaluated";
    } else {
      try {
        QueryResult r = s.query(p).eval(input, eval, null, null, tracer);
        if (r.rows().size() == 1 && !r.rows().get(0).expressions().isEmpty()) {
          result = r.rows().get(0).expressions().get(0);
        }
        reason = result == null ? "undefined" : null;
      } catch (RegoException e) {
        if (!mayWait && e.code().equals(TIMEOUT)) {
          return null;
        }
        error = e;
        reason = "error: " + e.getMessage();
      }
    }
    boolean allowed = result != null && isAllow(result);
    if (reason == null && !allowed) {
      reason = result == BooleanValue.FALSE || isFalseObject(result) ? "denied" : "non-boolean";
    }
    Explanation explanation = null;
    if (mode != Mode.OBSERVE && error == null) {
      explanation =
          allowed
              ? Explainer.forAllow(s, p)
              : Explainer.forDenial(s, p, input, result, eval, reason, options.masking());
    }
    boolean enforced = mode == Mode.ENFORCE;
    // Observe mode asks no policy: the time spent here is bookkeeping, not a decision's.
    long latency = mode == Mode.OBSERVE ? Decision.NOT_TIMED : System.nanoTime() - start;
    return new Decision(
        id,
        p.slashed(),
        result,
        allowed,
        mode,
        enforced,
        allowed ? "" : reason,
        reasonsOf(result),
        obligationsOf(result),
        explanation,
        s.revision(),
        latency,
        null,
        error);
  }

  /**
   * Records a request the enforcement point refused before any policy could be asked (a forged or
   * expired credential, say): a denial, enforced whatever the mode, with {@code reason}, logged
   * like any other decision so that every refusal has exactly one log entry. The entry never waits
   * for room in the log (the request is refused either way): when the log is full the refusal is
   * counted instead ({@link UnloggedRefusals}), under the code that starts {@code reason} (the text
   * before its first colon, such as {@code invalid_token}), and its {@link Decision#logged()}
   * fails.
   */
  public Decision refuse(
      PolicyPath p, Value input, Map<String, String> context, Mode mode, String reason) {
    Decision d =
        new Decision(
            DecisionIds.next(),
            p.slashed(),
            null,
            false,
            mode,
            true,
            reason,
            List.of(),
            ObjectValue.EMPTY,
            null,
            state.get().revision(),
            Decision.NOT_TIMED,
            null,
            null);
    return withLog(d, input, context, true, refusalCode(reason));
  }

  /** The code a refusal is counted under when the log has no room: the reason up to its colon. */
  static String refusalCode(String reason) {
    int colon = reason.indexOf(':');
    String code = colon > 0 && colon <= 40 ? reason.substring(0, colon) : "refused";
    return code.chars().allMatch(c -> c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        ? code
        : "refused";
  }

  /** Decides without extra log context. */
  public Decision decide(String path, Value input) {
    return decide(path, input, Map.of());
  }

  /** Returns the evaluation options of decisions. */
  public EvalOptions evalOptions() {
    return EvalOptions.defaults().withTimeout(options.timeout()).withClock(options.clock());
  }

  private Decision withLog(Decision d, Value input, Map<String, String> context, boolean mayWait) {
    return withLog(d, input, context, mayWait, null);
  }

  /**
   * Hands {@code d} to the log: waiting for room when {@code mayWait}, or only if there is room now
   * (null when there is none); a refusal ({@code refusal} is its code) never waits, and is counted
   * when there is no room.
   */
  private Decision withLog(
      Decision d, Value input, Map<String, String> context, boolean mayWait, String refusal) {
    DecisionLog sink = options.decisionLog();
    if (sink == null) {
      return copyWithLogged(d, CompletableFuture.completedFuture(null));
    }
    Instant now = options.clock().instant();
    Map<String, String> ctx = context.isEmpty() ? Map.of() : new HashMap<>(context);
    // The event text is made on the log's writer thread: masking and JSON stay off the caller's
    // thread, which on the gateway is the event loop that serves every request.
    Supplier<DecisionRecord> record =
        () -> {
          Masking.Result masked = options.masking().apply(input);
          // An input with none of the masked or erased fields has no values to hide: it is not
          // walked again for them.
          MaskedSecrets secrets =
              input == null || (masked.erased().isEmpty() && masked.masked().isEmpty())
                  ? MaskedSecrets.NONE
                  : MaskedSecrets.of(options.masking().hiddenValues(input));
          return new DecisionRecord(
              d.decisionId(),
              now,
              d.path(),
              ctx.get("subject"),
              ctx.get("route"),
              d.allowed(),
              d.mode().label(),
              d.enforced(),
              options.node(),
              EventEncoder.write(d, masked, secrets, now, ctx, options.node()));
        };
    try {
      if (refusal != null) {
        CompletableFuture<Void> logged = unlogged.offer(refusal, record);
        return copyWithLogged(
            d,
            logged != null
                ? logged
                : CompletableFuture.failedFuture(
                    new IllegalStateException(
                        "decision log full: the refusal is counted, not logged")));
      }
      CompletableFuture<Void> logged = mayWait ? sink.append(record) : sink.tryAppend(record);
      return logged == null ? null : copyWithLogged(d, logged);
    } catch (DecisionLogFullException | IllegalStateException e) {
      // Fail closed: a decision that cannot be logged is not allowed.
      Decision denied =
          new Decision(
              d.decisionId(),
              d.path(),
              d.result(),
              false,
              d.mode(),
              true,
              "decision log unavailable: " + e.getMessage(),
              d.reasons(),
              d.obligations(),
              d.explanation(),
              d.revision(),
              d.latencyNanos(),
              CompletableFuture.failedFuture(e),
              d.error());
      return denied;
    }
  }

  private static Decision copyWithLogged(Decision d, CompletableFuture<Void> logged) {
    return new Decision(
        d.decisionId(),
        d.path(),
        d.result(),
        d.allowed(),
        d.mode(),
        d.enforced(),
        d.reason(),
        d.reasons(),
        d.obligations(),
        d.explanation(),
        d.revision(),
        d.latencyNanos(),
        logged,
        d.error());
  }

  /** Only JSON true, or an object whose allow is JSON true, allows (case C16). */
  static boolean isAllow(Value result) {
    if (result == BooleanValue.TRUE) {
      return true;
    }
    return result instanceof ObjectValue o && o.get("allow") == BooleanValue.TRUE;
  }

  private static boolean isFalseObject(Value result) {
    return result instanceof ObjectValue o && o.get("allow") == BooleanValue.FALSE;
  }

  /**
   * Returns a decision document's own words for its answer: the {@code reasons} (an array or a set)
   * of a result such as {@code {"allow": false, "reasons": [...]}}; none for any other result.
   */
  public static List<String> reasonsOf(Value result) {
    if (result instanceof ObjectValue o) {
      Value r = o.get("reasons");
      List<Value> items =
          r instanceof ArrayValue a
              ? a.elements()
              : r instanceof dev.vigil.rego.value.SetValue set ? set.elements() : List.of();
      List<String> out = new ArrayList<>();
      for (Value v : items) {
        out.add(v instanceof StringValue s ? s.value() : v.toString());
      }
      return out;
    }
    return List.of();
  }

  private static ObjectValue obligationsOf(Value result) {
    if (result instanceof ObjectValue o && o.get("obligations") instanceof ObjectValue ob) {
      return ob;
    }
    return ObjectValue.EMPTY;
  }

  @Override
  public void close() {
    DecisionLog sink = options.decisionLog();
    if (sink != null) {
      sink.close();
    }
  }
}
