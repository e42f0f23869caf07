/**
 * Traces of evaluations as OPA's REST API and {@code opa eval --explain} give them: which events an
 * explanation mode keeps ({@link dev.vigil.rego.trace.TraceRecorder}) and their JSON and text forms
 * ({@link dev.vigil.rego.trace.TraceJson}). The events themselves come from the evaluator ({@link
 * dev.vigil.rego.eval.Tracer}).
 */
package dev.vigil.rego.trace;
