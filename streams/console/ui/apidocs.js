// A readable reference drawn from /api/openapi.json, served by the console itself (the usual
// Swagger UI needs a CDN and inline scripts, which the console's CSP forbids).
import { $, clear, h } from "./dom.js";

const ref = (schema) => schema?.$ref?.split("/").pop();

function typeOf(schema) {
  if (!schema) return "";
  if (schema.$ref) return h("a", { href: `#schema-${ref(schema)}` }, ref(schema));
  if (schema.anyOf) return schema.anyOf.map((s, i) => [i ? " | " : "", typeOf(s)]);
  if (schema.type === "array") {
    if (schema.prefixItems) return ["[", schema.prefixItems.map((s, i) => [i ? ", " : "", typeOf(s)]), "]"];
    return [typeOf(schema.items), "[]"];
  }
  if (schema.type === "object" && schema.additionalProperties) return ["{string: ", typeOf(schema.additionalProperties), "}"];
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  return schema.format ? `${schema.type} (${schema.format})` : schema.type || "any";
}

function body(content) {
  const json = content?.["application/json"]?.schema;
  if (json) return typeOf(json);
  return Object.keys(content || {}).join(", ") || "—";
}

function operation(path, method, op) {
  const params = op.parameters || [];
  const req = op.requestBody?.content?.["application/json"]?.schema;
  return h("section", { class: "panel op", id: op.operationId },
    h("h3", {}, h("span", { class: `badge method m-${method}` }, method.toUpperCase()), " ", h("code", {}, path),
      op.summary ? h("span", { class: "muted op-summary" }, ` ${op.summary}`) : null),
    op.description ? h("p", {}, op.description) : null,
    params.length ? h("table", { class: "grid-table" },
      h("thead", {}, h("tr", {}, ["Parameter", "In", "Type", "Required"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, params.map((p) => h("tr", {},
        h("td", {}, h("code", {}, p.name)), h("td", {}, p.in), h("td", {}, typeOf(p.schema)), h("td", {}, p.required ? "yes" : "no"))))) : null,
    req ? h("p", {}, h("strong", {}, "Body: "), typeOf(req)) : null,
    Object.entries(op.responses || {}).filter(([code]) => code < "300").map(([code, r]) =>
      h("p", {}, h("strong", {}, `${code}: `), body(r.content), r.description && r.description !== "Successful Response" ? ` — ${r.description}` : "")),
    h("p", { class: "muted" }, "Errors: ", Object.entries(op.responses || {}).filter(([code]) => code >= "400").map(([code, r], i) =>
      [i ? ", " : "", h("abbr", { title: r.description || "" }, code), code === "409" ? [" (", typeOf(r.content?.["application/json"]?.schema), ")"] : ""])));
}

function schemaSection(name, schema) {
  const required = new Set(schema.required || []);
  return h("section", { class: "panel", id: `schema-${name}` },
    h("h3", {}, h("code", {}, name)),
    schema.description ? h("p", { class: "muted" }, schema.description) : null,
    h("table", { class: "grid-table" },
      h("thead", {}, h("tr", {}, ["Field", "Type", "Required", "Description"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, Object.entries(schema.properties || {}).map(([field, s]) => h("tr", {},
        h("td", {}, h("code", {}, field)), h("td", {}, typeOf(s)), h("td", {}, required.has(field) ? "yes" : ""),
        h("td", {}, s.description || ""))))));
}

(async () => {
  const main = $("#main");
  const spec = await (await fetch("/api/openapi.json")).json();
  const ops = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) ops.push(operation(path, method, op));
  }
  const schemas = Object.entries(spec.components?.schemas || {});
  clear(main,
    h("h1", {}, `${spec.info.title} API ${spec.info.version}`),
    h("p", { class: "summary" }, "Every route needs a session (POST /api/login; then send the returned csrf as X-CSRF-Token on every POST, PATCH and DELETE) or an API token (Authorization: Bearer). The web UI uses exactly these routes."),
    h("h2", {}, "Routes"), ops,
    h("h2", {}, "Shapes"), schemas.map(([name, s]) => schemaSection(name, s)));
})();
