package dev.vigil.insight;

import dev.vigil.rego.value.Value;
import java.util.Objects;
import java.util.function.Function;

/**
 * One part of an {@link InsightReport}: it reads what it needs through the {@link ReportContext}
 * and writes itself both as Markdown and as JSON. A new analysis joins the report by implementing
 * this (or through {@link #of}) and being listed in {@link InsightReport#SECTIONS}.
 *
 * <p>Implementations read only: a report never changes live state.
 */
public interface ReportSection {

  /** The section's field in the JSON report: lower case, words joined by {@code _}. */
  String key();

  /** The section's heading in the Markdown report. */
  String title();

  /**
   * Reads and writes the section.
   *
   * @throws dev.vigil.store.StoreException when the store cannot be read
   */
  Part write(ReportContext context);

  /**
   * A written section.
   *
   * @param markdown the body under the heading: paragraphs, lists and tables, no heading above
   *     level 3, logged text escaped ({@code Markdown.text})
   * @param json the body as a JSON value
   */
  record Part(String markdown, Value json) {}

  /** A section of {@code key} and {@code title} that {@code writer} writes. */
  static ReportSection of(String key, String title, Function<ReportContext, Part> writer) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(writer, "writer");
    return new ReportSection() {
      @Override
      public String key() {
        return key;
      }

      @Override
      public String title() {
        return title;
      }

      @Override
      public Part write(ReportContext context) {
        return writer.apply(context);
      }
    };
  }
}
