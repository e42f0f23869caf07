/**
 * JSON Schema for {@code json.verify_schema} and {@code json.match_schema}, behaving as OPA 1.x
 * does with its copy of xeipuuv/gojsonschema: the keywords of drafts 4, 6 and 7 accepted together,
 * gojsonschema's error types, field names and descriptions, and its order of checks.
 *
 * <p>Limits: {@code $ref} resolves only JSON pointers within the same schema document (a remote
 * reference is refused with an error naming it, where OPA would fetch it when allowed); schemas and
 * documents nest at most a few hundred levels. Where gojsonschema walks Go maps in random order
 * (properties, additional properties) this package uses sorted order, so results are deterministic.
 */
package dev.vigil.rego.builtins.jsonschema;
