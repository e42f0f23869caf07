// Asks vigil pdp for decisions through OPA's official TypeScript client, @open-policy-agent/opa,
// and prints one JSON line per case, for OpaClientCompatibilityTest to check.
// Usage: node opa-client-check.mjs http://127.0.0.1:PORT
import { OPAClient } from "@open-policy-agent/opa";
import { HTTPClient } from "@open-policy-agent/opa/lib/http.js";
import { OpaApiClient } from "@open-policy-agent/opa/sdk/index.js";

const url = process.argv[2];
if (!url) {
  console.error("usage: node opa-client-check.mjs http://127.0.0.1:PORT");
  process.exit(2);
}
const opa = new OPAClient(url);

async function report(name, ask) {
  try {
    const result = await ask();
    const shown = result === undefined ? { undefined: true } : { result };
    console.log(JSON.stringify({ case: name, ...shown }));
  } catch (e) {
    // ServerError carries OPA's error code from the response body.
    console.log(JSON.stringify({ case: name, error: e?.name ?? "thrown", code: e?.code ?? null }));
  }
}

const request = (path, method = "GET") => ({ request: { method, path } });

await report("allowed", () => opa.evaluate("authz/allow", request("/public/a")));
await report("denied", () => opa.evaluate("authz/allow", request("/odd/false")));
await report("undefined", () => opa.evaluate("authz/allow", request("/nowhere")));
await report("object", () => opa.evaluate("authz/allow", request("/me")));
await report("non-boolean", () => opa.evaluate("authz/allow", request("/odd/string")));
await report("conflict", () => opa.evaluate("authz/allow", request("/odd/conflict")));
await report("no-input", () => opa.evaluate("authz/allow"));
await report("mapped", () =>
  opa.evaluate("authz/allow", request("/public/b"), { fromResult: (r) => r === true }),
);
// A path segment that is an integer indexes an array: a rule's value or base data.
await report("array-rule", () => opa.evaluate("authz/roles/1"));
await report("array-rule-post", () => opa.evaluate("authz/roles/2", {}));
await report("array-data", () => opa.evaluate("teams/names/0", {}));
await report("out-of-range", () => opa.evaluate("authz/roles/3", {}));
await report("negative", () => opa.evaluate("teams/names/-1"));
// A segment holding a double quote is refused with OPA's code, as OPA refuses it ("invalid ref
// term"); the client sends it as %22.
await report("quote", () => opa.evaluate("teams/a\"b", {}));

// Explanations, through the package's low-level client, which sends OPA's explain parameter. Its
// model of an answer has no explanation field, so a response hook keeps the body as sent; the
// case also shows that the client reads an answer carrying trace events.
let body;
const httpClient = new HTTPClient();
httpClient.addHook("response", async (res) => {
  body = await res.clone().json();
});
const api = new OpaApiClient({ serverURL: url, httpClient });

async function explained(name, input, params, summarise) {
  try {
    const res = await api.executePolicyWithInput({
      path: "authz/allow",
      requestBody: { input },
      ...params,
    });
    const result = res.successfulPolicyResponse?.result;
    const shown = result === undefined ? { undefined: true } : { result };
    console.log(JSON.stringify({ case: name, ...shown, ...summarise(body.explanation) }));
  } catch (e) {
    console.log(JSON.stringify({ case: name, error: e?.name ?? "thrown", code: e?.code ?? null }));
  }
}

const at = (e) => (e.location ? `${e.location.file}:${e.location.row}:${e.location.col}` : null);

await explained("explain-notes", request("/traced"), { explain: "notes" }, (events) => {
  const rule = events.find((e) => e.type === "rule");
  const notes = events.filter((e) => e.op === "note");
  return {
    ops: events.map((e) => e.op),
    notes: notes.map((e) => e.message),
    noteAt: notes.map(at),
    ruleAt: at(rule.node),
    noteInRule: notes.every((e) => e.query_id === rule.query_id),
  };
});
await explained("explain-fails", request("/traced", "POST"), { explain: "fails" }, (events) => {
  const failed = events.filter((e) => e.op === "fail" && JSON.stringify(e.node).includes('"GET"'));
  return { failedAt: failed.map(at), types: [...new Set(events.map((e) => e.type))].sort() };
});
await explained("explain-pretty", request("/traced"), { explain: "notes", pretty: true }, (lines) => ({
  lines: lines.map((l) => l.replace(/ +/g, " ")),
}));
