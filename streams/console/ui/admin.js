// The audit trail, legal holds, and users and roles.
import * as api from "./api.js";
import { confirmDialog, holdDialog } from "./dialogs.js";
import { $, clear, h, plural, stamp, timeEl } from "./dom.js";
import { announce, showError, state } from "./state.js";

const TYPES = ["decision", "decision.undone", "decision.bulk", "claim", "claim.released", "appeal.created",
  "legal_hold.placed", "legal_hold.released", "login", "login.failed", "logout", "user.created",
  "user.disabled", "user.enabled", "user.password_changed", "permission.granted", "permission.revoked",
  "token.created", "token.revoked", "export"];

function pageHead(title, lead, ...tools) {
  return h("header", { class: "page-head" },
    h("div", {}, h("h1", { id: "page-title", tabindex: "-1" }, title), lead ? h("p", { class: "summary" }, lead) : null),
    tools.length ? h("div", { class: "head-tools" }, tools) : null);
}

function field(label, input) {
  return h("label", { class: "field inline" }, h("span", {}, label), input);
}

// -- audit --------------------------------------------------------------------------------------
function summary(d) {
  const keys = ["action", "reason_code", "decision_id", "undoes", "item", "queue", "role", "user", "appeal_id", "hold", "scope", "value", "count", "client", "why", "format"];
  return keys.filter((k) => d[k] !== undefined && d[k] !== null && d[k] !== "").map((k) => {
    const v = typeof d[k] === "string" && /^[0-9a-f]{32}$/.test(d[k]) ? `${d[k].slice(0, 8)}…` : String(d[k]);
    return h("span", { class: "kv", title: k === "decision_id" || k === "undoes" ? String(d[k]) : null }, h("span", { class: "k" }, k.replace(/_/g, " ")), " ", v);
  });
}

export async function showAudit(main) {
  const filters = state.auditFilters || { actor: "", type: "", account_id: "", since: "" };
  const params = { actor: filters.actor, type: filters.type, account_id: filters.account_id, limit: 200 };
  if (filters.since) params.since = new Date(filters.since).toISOString();
  const rows = await api.get("/api/audit", params);
  const exportUrl = `/api/audit/export?${new URLSearchParams(Object.entries({ ...params, limit: "", format: "csv" }).filter(([, v]) => v))}`;
  const form = h("form", { class: "filters", id: "audit-filters", role: "search" },
    field("Actor", h("input", { type: "text", name: "actor", value: filters.actor, autocomplete: "off" })),
    field("Event", h("select", { name: "type" }, h("option", { value: "" }, "all"),
      TYPES.map((t) => h("option", { value: t, selected: t === filters.type }, t)))),
    field("Account", h("input", { type: "text", name: "account_id", value: filters.account_id })),
    field("Since", h("input", { type: "datetime-local", name: "since", value: filters.since })),
    h("button", { type: "submit", class: "secondary" }, "Filter"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    state.auditFilters = Object.fromEntries(new FormData(form));
    showAudit(main).then(() => $("#audit-table")?.focus());
  });
  const verify = h("button", { type: "button", class: "secondary", id: "verify-button", onclick: async () => {
    try {
      const v = await api.get("/api/audit/verify");
      if (v.ok) announce(`Audit chain intact: ${plural(v.rows, "record")} checked.`, { tone: "ok" });
      else showError(v.problems.slice(0, 5).join("; "), { title: `Audit chain broken (${v.rows} records)` });
    } catch (ex) { showError(ex.message); }
  } }, "Verify the chain");
  clear(main, h("div", { class: "page" },
    pageHead("Audit trail", "Every decision, claim, login, permission change and export; append-only and hash-chained. Newest first.",
      verify, h("a", { class: "button secondary", href: exportUrl, download: "civicmod-audit.csv" }, "Export CSV")),
    form,
    rows.length ? h("table", { class: "grid-table audit", id: "audit-table", tabindex: "-1" },
      h("caption", { class: "sr-only" }, "Audit records"),
      h("thead", {}, h("tr", {}, ["#", "When", "Event", "Actor", "Subject", "Details", "Hash"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map((r) => h("tr", { dataset: { type: r.type } },
        h("td", { class: "num" }, String(r.seq)),
        h("td", { class: "nowrap" }, timeEl(r.at, stamp(r.at))),
        h("td", {}, h("span", { class: `badge ev-${r.type.split(".")[0]}` }, r.type)),
        h("td", {}, r.actor),
        h("td", { class: "subject" }, r.comment_id || r.account_id || r.organisation || ""),
        h("td", {}, h("div", { class: "details" }, summary(r.details))),
        h("td", { class: "hash", title: r.hash }, h("code", {}, r.hash.slice(0, 10))))))) :
      h("p", { class: "empty" }, "No audit records match.")));
}

// -- legal holds --------------------------------------------------------------------------------
export async function showHolds(main) {
  const holds = await api.get("/api/holds");
  const place = h("button", { type: "button", class: "primary", id: "place-hold", onclick: () => holdDialog({
    scope: "account", value: "", organisation: (state.me.grants.find((g) => g.organisation) || {}).organisation || "",
    onSubmit: async (body) => {
      const out = await api.post("/api/holds", body);
      announce(`Legal hold #${out.id} placed.`, { tone: "ok" });
      await showHolds(main);
    },
  }) }, "Place a hold…");
  clear(main, h("div", { class: "page" },
    pageHead("Legal holds", "While a hold is active, nothing in its scope can be deleted (hiding still works). For FOI requests, litigation and investigations.", place),
    holds.length ? h("table", { class: "grid-table" },
      h("caption", { class: "sr-only" }, "Active legal holds"),
      h("thead", {}, h("tr", {}, ["#", "Scope", "Covers", "Organisation", "Reason", "Placed by", "Since", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, holds.map((x) => h("tr", {},
        h("td", { class: "num" }, String(x.id)), h("td", {}, x.scope), h("td", {}, h("code", {}, x.value)),
        h("td", {}, x.organisation || "—"), h("td", {}, x.reason),
        h("td", {}, x.created_by || ""), h("td", {}, timeEl(x.created_at)),
        h("td", {}, h("button", { type: "button", class: "secondary small", onclick: async () => {
          if (!(await confirmDialog(`Release hold #${x.id}?`, `Deletion of ${x.value} becomes possible again. This is recorded in the audit trail.`, "Release hold"))) return;
          try { await api.del(`/api/holds/${x.id}`); announce(`Hold #${x.id} released.`, { tone: "ok" }); await showHolds(main); } catch (ex) { showError(ex.message); }
        } }, "Release")))))) :
      h("p", { class: "empty" }, "No active legal holds.")));
}

// -- users and roles ----------------------------------------------------------------------------
const ROLES = ["viewer", "moderator", "lead", "admin", "auditor", "comms"];

function grantForm(user, main) {
  const form = h("form", { class: "grant-form", "aria-label": `Add a role for ${user.username}` },
    h("label", { class: "sr-only", for: `role-${user.id}` }, "Role"),
    h("select", { name: "role", id: `role-${user.id}` }, ROLES.map((r) => h("option", { value: r }, r))),
    h("label", { class: "sr-only", for: `org-${user.id}` }, "Organisation"),
    h("input", { type: "text", name: "organisation", id: `org-${user.id}`, placeholder: "organisation", size: "12" }),
    h("label", { class: "sr-only", for: `acc-${user.id}` }, "Account"),
    h("input", { type: "text", name: "account_id", id: `acc-${user.id}`, placeholder: "account", size: "12" }),
    h("button", { type: "submit", class: "secondary small" }, "Add role"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    try {
      await api.post(`/api/users/${user.id}/grants`, { role: d.role, organisation: d.organisation.trim() || null, account_id: d.account_id.trim() || null });
      announce(`${user.username} is now ${d.role}${d.organisation ? ` in ${d.organisation}` : ""}.`, { tone: "ok" });
      await showUsers(main);
    } catch (ex) { showError(ex.message); }
  });
  return form;
}

export async function showUsers(main) {
  const users = await api.get("/api/users");
  const add = h("form", { class: "card-form", id: "add-user" },
    h("h2", {}, "Add a user"),
    h("div", { class: "form-row" },
      field("User name", h("input", { type: "text", name: "username", required: true, autocomplete: "off", pattern: "[A-Za-z0-9._@-]{1,64}" })),
      field("Full name", h("input", { type: "text", name: "display_name", autocomplete: "off" })),
      field("Password (12+ characters)", h("input", { type: "password", name: "password", required: true, minlength: "12", autocomplete: "new-password" })),
      field("Role", h("select", { name: "role" }, ROLES.map((r) => h("option", { value: r, selected: r === "moderator" }, r)))),
      field("Organisation", h("input", { type: "text", name: "organisation", placeholder: "blank: all" })),
      h("button", { type: "submit", class: "primary" }, "Add user")));
  add.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(add));
    try {
      const u = await api.post("/api/users", { username: d.username.trim(), display_name: d.display_name.trim(), password: d.password });
      await api.post(`/api/users/${u.id}/grants`, { role: d.role, organisation: d.organisation.trim() || null, account_id: null });
      announce(`User ${u.username} added as ${d.role}.`, { tone: "ok" });
      await showUsers(main);
    } catch (ex) { showError(ex.message); }
  });
  clear(main, h("div", { class: "page" },
    pageHead("Users and roles", "Roles apply everywhere, to one organisation, or to one account. Changes take effect at once, sessions included."),
    h("table", { class: "grid-table users" },
      h("caption", { class: "sr-only" }, "Users"),
      h("thead", {}, h("tr", {}, ["User", "Status", "Roles", "Add a role", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, users.map((u) => userRow(u, main)))),
    add));
}

function userRow(u, main) {
  const grants = u.grants.map((g) => h("li", { class: "grant" },
    h("span", {}, `${g.role}${g.account_id ? ` · ${g.account_id}` : g.organisation ? ` · ${g.organisation}` : " · everywhere"}`),
    h("button", {
      type: "button", class: "icon", "aria-label": `Remove ${g.role} from ${u.username}`,
      onclick: async () => {
        if (!(await confirmDialog("Remove this role?", `${u.username} loses ${g.role}${g.organisation ? ` in ${g.organisation}` : ""} at once.`, "Remove role"))) return;
        try { await api.del(`/api/grants/${g.id}`); await showUsers(main); } catch (ex) { showError(ex.message); }
      },
    }, "×")));
  const toggle = u.id === state.me.user_id ? h("span", { class: "muted" }, "you") : h("button", {
    type: "button", class: "secondary small",
    onclick: async () => {
      const verb = u.disabled ? "Enable" : "Disable";
      if (!u.disabled && !(await confirmDialog(`Disable ${u.username}?`, "Their sessions and API tokens stop working at once.", "Disable"))) return;
      try {
        await api.patch(`/api/users/${u.id}`, { disabled: !u.disabled });
        announce(`${verb}d ${u.username}.`, { tone: "ok" });
        await showUsers(main);
      } catch (ex) { showError(ex.message); }
    },
  }, u.disabled ? "Enable" : "Disable");
  return h("tr", { class: u.disabled ? "disabled" : "" },
    h("td", {}, h("strong", {}, u.username), h("div", { class: "muted" }, u.display_name)),
    h("td", {}, u.disabled ? h("span", { class: "badge overdue" }, "disabled") : h("span", { class: "badge ok" }, "active")),
    h("td", {}, h("ul", { class: "grants" }, grants)),
    h("td", {}, grantForm(u, main)),
    h("td", { class: "row-actions" }, toggle));
}
