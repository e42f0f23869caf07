/**
 * JSON Schema for {@code json.verify_schema} and {@code json.match_schema}, behaving as OPA 1.x
 * does with its copy of xeipuuv/gojsonschema: a schema without {@code $schema} accepts the keywords
 * of drafts 4, 6 and 7 together, one naming draft 4, 6 or 7 gets that draft's rules; errors carry
 * gojsonschema's types, field paths and descriptions, found in its order of checks.
 *
 * <p>Limits: {@code $ref} resolves only JSON pointers within the same schema document (a remote
 * reference is refused with an error naming it, where OPA would fetch it when allowed); schemas and
 * documents nest at most a few hundred levels, and one validation visits at most {@value
 * dev.vigil.rego.builtins.jsonschema.Validation#MAX_STEPS} subschemas, so that crafted schemas
 * cannot exhaust the stack or the CPU. Where gojsonschema walks Go maps in random order
 * (properties, additional properties) this package uses sorted order, so results are deterministic.
 */
package dev.vigil.rego.builtins.jsonschema;
