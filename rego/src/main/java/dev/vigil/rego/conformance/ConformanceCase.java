package dev.vigil.rego.conformance;

import dev.vigil.rego.value.Value;
import java.nio.file.Path;
import java.util.List;

/**
 * One case of OPA's conformance format, as read from a YAML file.
 *
 * @param file the YAML file it came from
 * @param folder the feature folder (the YAML file's parent directory name)
 * @param note the case's name
 * @param modules the Rego sources, named {@code test-0.rego}, {@code test-1.rego}, ...
 * @param data the base document, or null
 * @param input the input document, or null
 * @param inputTerm Rego term text for the input, or null; wins over {@code input}
 * @param query the query body
 * @param wantResult the expected rows, or null when the case expects an error
 * @param wantErrorCode the expected error code, or null
 * @param wantError a substring of the expected error message, or null
 * @param strictError evaluate with strict builtin errors
 * @param sortBindings compare each expected value as a set
 * @param ignoreGeneratedVars drop bindings of generated variables
 * @param experimentalKeywords allow experimental keywords
 * @param v0 parse the modules with v0 syntax
 */
public record ConformanceCase(
    Path file,
    String folder,
    String note,
    List<String> modules,
    Value data,
    Value input,
    String inputTerm,
    String query,
    List<Value> wantResult,
    String wantErrorCode,
    String wantError,
    boolean strictError,
    boolean sortBindings,
    boolean ignoreGeneratedVars,
    boolean experimentalKeywords,
    boolean v0) {}
