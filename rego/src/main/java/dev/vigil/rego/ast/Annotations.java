package dev.vigil.rego.ast;

import dev.vigil.rego.value.ObjectValue;

/**
 * One METADATA comment block.
 *
 * @param scope {@code rule}, {@code document}, {@code package} or {@code subpackages}
 * @param value the annotation as OPA's {@code rego.metadata.rule()} returns it (title, description,
 *     scope, custom, ...), without location fields
 * @param location where the comment block starts
 */
public record Annotations(String scope, ObjectValue value, Location location) {}
