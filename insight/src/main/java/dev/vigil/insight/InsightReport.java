package dev.vigil.insight;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One document for an audit or a weekly review: each {@link ReportSection} of a list, written in
 * order from the same window, as Markdown or as JSON. The sections call the analyses themselves
 * (the inventory, the dependency graph, the denied requests, the zero trust metrics), so the report
 * says what the commands of the same name say.
 *
 * <p>Immutable once written.
 */
public final class InsightReport {

  /** The sections of a report, in order; a new analysis is added here. */
  public static final List<ReportSection> SECTIONS =
      List.of(
          ReportSection.of("inventory", "Inventory", StandardSections::inventory),
          ReportSection.of("dependency_graph", "Dependency graph", StandardSections::graph),
          ReportSection.of("denied_requests", "Denied requests", StandardSections::denied),
          ReportSection.of("metrics", "Zero trust metrics", StandardSections::metrics),
          ReportSection.of("access_review", "Access review", StandardSections::accessReview),
          ReportSection.of("certificates", "Certificates", StandardSections::certificates),
          ReportSection.of("invariants", "Security invariants", StandardSections::invariants),
          ReportSection.of("drift", "Configuration drift", StandardSections::drift));

  private final ReportContext context;
  private final List<ReportSection> sections;
  private final List<ReportSection.Part> parts;

  private InsightReport(
      ReportContext context, List<ReportSection> sections, List<ReportSection.Part> parts) {
    this.context = context;
    this.sections = sections;
    this.parts = parts;
  }

  /**
   * Writes the report of {@link #SECTIONS}.
   *
   * @throws dev.vigil.store.StoreException when the store cannot be read
   */
  public static InsightReport write(ReportContext context) {
    return write(context, SECTIONS);
  }

  /**
   * Writes a report of {@code sections}, in their order.
   *
   * @throws IllegalArgumentException when two sections share a key
   * @throws dev.vigil.store.StoreException when the store cannot be read
   */
  public static InsightReport write(ReportContext context, List<ReportSection> sections) {
    Objects.requireNonNull(context, "context");
    List<String> keys = sections.stream().map(ReportSection::key).toList();
    if (keys.stream().distinct().count() != keys.size()) {
      throw new IllegalArgumentException("report sections must have keys of their own: " + keys);
    }
    List<ReportSection.Part> parts = new ArrayList<>();
    for (ReportSection s : sections) {
      parts.add(Objects.requireNonNull(s.write(context), s.key()));
    }
    return new InsightReport(context, List.copyOf(sections), List.copyOf(parts));
  }

  /** The keys of the sections, in order. */
  public List<String> keys() {
    return sections.stream().map(ReportSection::key).toList();
  }

  /** The report as a Markdown document: a title, what it covers, then a heading a section. */
  public String markdown() {
    Window w = context.window();
    StringBuilder sb = new StringBuilder("# Vigil insight report\n\n");
    sb.append("Decisions from ").append(w.since()).append(" to ").append(w.until());
    sb.append(" (trends against ").append(w.previous().since()).append(" to ").append(w.since());
    sb.append(')');
    if (context.route() != null) {
      sb.append(", route ").append(Markdown.text(context.route()));
    }
    sb.append(". Written ").append(context.generated()).append(" from the decision log;");
    sb.append(" nothing was changed.\n\n");
    for (ReportSection s : sections) {
      sb.append(Markdown.item(s.title()));
    }
    for (int i = 0; i < sections.size(); i++) {
      sb.append("\n## ").append(sections.get(i).title()).append("\n\n");
      String body = parts.get(i).markdown();
      sb.append(body.endsWith("\n") ? body : body + "\n");
    }
    return sb.toString();
  }

  /** The report as a JSON document: the window, the contents, and each section under its key. */
  public String json() {
    Window w = context.window();
    Map<Value, Value> doc = new LinkedHashMap<>();
    doc.put(s("since"), s(w.since().toString()));
    doc.put(s("until"), s(w.until().toString()));
    doc.put(s("previous_since"), s(w.previous().since().toString()));
    doc.put(s("route"), context.route() == null ? NullValue.NULL : s(context.route()));
    doc.put(s("generated"), s(context.generated().toString()));
    List<Value> contents = new ArrayList<>();
    Map<Value, Value> bodies = new LinkedHashMap<>();
    for (int i = 0; i < sections.size(); i++) {
      ReportSection section = sections.get(i);
      contents.add(ObjectValue.of(s("key"), s(section.key()), s("title"), s(section.title())));
      bodies.put(s(section.key()), parts.get(i).json());
    }
    doc.put(s("contents"), ArrayValue.of(contents));
    doc.put(s("sections"), ObjectValue.of(bodies));
    return Json.writePretty(ObjectValue.of(doc));
  }

  private static StringValue s(String v) {
    return StringValue.of(v);
  }
}
