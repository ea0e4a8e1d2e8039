// The queue sidebar (counts, oldest age, overdue) and a queue's list of open items.
import * as api from "./api.js";
import { bulkDialog } from "./dialogs.js";
import { $, $$, PLATFORMS, age, clear, h, kbd, plural } from "./dom.js";
import { announce, may, queueLabel, showError, state } from "./state.js";
import { undoLast } from "./decide.js";

export async function loadQueues() {
  state.queues = await api.get("/api/queues");
  state.queuesAt = performance.now();
  return state.queues;
}

export async function loadList(queue) {
  const rows = await api.get("/api/items", { queue: queue || null, limit: 200 });
  const before = state.list.rows[state.list.selected]?.id;
  const same = state.list.queue === queue;
  state.list.queue = queue;
  state.list.rows = rows;
  state.list.at = performance.now();
  if (!same) { state.list.selected = 0; state.list.checked = new Set(); }
  const keep = rows.findIndex((r) => r.id === before);
  if (keep >= 0) state.list.selected = keep;
  state.list.selected = Math.max(0, Math.min(state.list.selected, rows.length - 1));
  for (const id of [...state.list.checked]) if (!rows.some((r) => r.id === id)) state.list.checked.delete(id);
  return rows;
}

const since = (at) => (performance.now() - at) / 1000;

/** The sidebar: queues with work first; the empty ones folded away. */
export function queueNav(current) {
  const live = state.queues.filter((q) => q.count > 0);
  const empty = state.queues.filter((q) => q.count === 0);
  const total = live.reduce((n, q) => n + q.count, 0);
  const overdue = live.reduce((n, q) => n + q.overdue, 0);
  const link = (name, label, count, meta, late) => h("li", {},
    h("a", { href: `#/queue/${encodeURIComponent(name)}`, class: `q${late ? " late" : ""}`, "aria-current": current === name ? "page" : null, dataset: { queue: name } },
      h("span", { class: "q-label" }, label),
      h("span", { class: "q-count", "aria-label": plural(count, "open item") }, String(count)),
      meta ? h("span", { class: "q-meta" }, meta) : null));
  return h("nav", { class: "queue-nav", "aria-label": "Queues" },
    h("h2", { class: "nav-title" }, "Queues"),
    h("ul", {},
      link("", "All open items", total, overdue ? `${overdue} overdue` : null, overdue > 0),
      live.map((q) => link(q.queue, q.label, q.count,
        [`oldest ${age(q.oldest_age_s + since(state.queuesAt))}`, q.overdue ? `${q.overdue} overdue` : null].filter(Boolean).join(" · "),
        q.overdue > 0))),
    empty.length ? h("details", { class: "empty-queues" },
      h("summary", {}, `Empty queues (${empty.length})`),
      h("ul", {}, empty.map((q) => link(q.queue, q.label, 0, `target ${age(q.sla_s)}`, false)))) : null);
}

function badges(r) {
  const out = [];
  if (r.overdue) out.push(h("span", { class: "badge overdue" }, "Overdue"));
  if (r.held) out.push(h("span", { class: "badge held", title: "Hidden on the platform while it waits" }, "Held"));
  if (r.claimed_by) {
    out.push(h("span", { class: `badge claimed${r.claimed_by === state.me.username ? " mine" : ""}` },
      r.claimed_by === state.me.username ? "You" : `${r.claimed_by} working`));
  }
  if (r.platform_state) out.push(h("span", { class: "badge muted" }, `${r.platform_state} on platform`));
  if (r.platform_status) {
    out.push(h("span", { class: `badge ${r.platform_warning ? "warn" : "muted"}`, title: r.platform_status },
      r.platform_warning ? `⚠ ${r.platform_status}` : r.platform_status));
  }
  return out;
}

function rowEl(r, i, bulk) {
  const selected = i === state.list.selected;
  const check = bulk ? h("input", {
    type: "checkbox", class: "bulk-check", id: `check-${r.id}`, checked: state.list.checked.has(r.id),
    "aria-label": `Tick for a bulk decision: ${r.text.slice(0, 60)}`,
    onchange: (e) => { if (e.target.checked) state.list.checked.add(r.id); else state.list.checked.delete(r.id); renderBulkBar(); },
  }) : null;
  return h("li", { class: `row${selected ? " selected" : ""}${r.overdue ? " late" : ""}`, dataset: { id: r.id, index: i } },
    check,
    h("a", { href: `#/item/${r.id}`, class: "row-link", id: `row-${r.id}`, "aria-current": selected ? "true" : null },
      h("span", { class: `prio p${Math.min(r.priority, 5)}`, title: `Priority ${r.priority} (1 is most urgent)` }, `P${r.priority}`),
      h("span", { class: "row-main" },
        h("span", { class: "row-text" }, r.text),
        h("span", { class: "row-meta" },
          h("span", { class: "who" }, r.author), " · ", PLATFORMS[r.platform] || r.platform, " · ",
          state.list.queue ? r.account_id : queueLabel(r.queue),
          r.labels.length ? h("span", { class: "labels" }, r.labels.map((l) => h("span", { class: "chip" }, l.replace(/_/g, " ")))) : null)),
      h("span", { class: "row-side" },
        h("span", { class: `age${r.overdue ? " late" : ""}`, title: `Waiting ${age(r.age_s)}; target ${age(r.sla_s)}` },
          age(r.age_s + since(state.list.at))),
        h("span", { class: "badges" }, badges(r)))));
}

function renderBulkBar() {
  const bar = $("#bulk-bar");
  if (!bar) return;
  const n = state.list.checked.size;
  clear(bar,
    h("span", {}, n ? `${plural(n, "item")} ticked` : "Tick items (x) for a bulk decision"),
    h("button", { type: "button", class: "secondary", id: "bulk-open", disabled: n === 0, onclick: openBulk }, "Bulk decision… ", kbd("b")));
}

export function renderQueue(main) {
  const q = state.list.queue;
  const info = state.queues.find((x) => x.queue === q);
  const rows = state.list.rows;
  const bulk = may.bulk();
  const summary = info
    ? [plural(info.count, "open item"), info.count ? `oldest ${age(info.oldest_age_s + since(state.queuesAt))}` : null,
      `target ${age(info.sla_s)}`, info.overdue ? `${info.overdue} overdue` : null]
    : [plural(rows.length, "open item"), "most urgent first, then oldest"];
  const list = rows.length
    ? h("ol", { class: "rows", id: "rows", "aria-label": `${queueLabel(q)}: open items` }, rows.map((r, i) => rowEl(r, i, bulk)))
    : h("div", { class: "empty" }, h("p", { class: "empty-title" }, "Nothing waiting here."),
      h("p", {}, "New items appear as they arrive."));
  clear(main, h("div", { class: "layout" },
    queueNav(q),
    h("section", { class: "content", "aria-labelledby": "page-title" },
      h("header", { class: "page-head" },
        h("div", {},
          h("h1", { id: "page-title", tabindex: "-1" }, queueLabel(q)),
          h("p", { class: `summary${info?.overdue ? " late" : ""}` }, summary.filter(Boolean).join(" · "))),
        h("div", { class: "head-tools" },
          q && rows.length && may.decide() ? h("button", { type: "button", class: "primary", id: "start-review", onclick: startReview }, "Start reviewing ", kbd("s")) : null,
          h("span", { class: "keys-hint" }, kbd("j"), kbd("k"), " move · ", kbd("Enter"), " open · ", kbd("?"), " help"))),
      bulk && rows.length ? h("div", { class: "bulk-bar", id: "bulk-bar" }) : null,
      list)));
  renderBulkBar();
}

async function startReview() {
  try {
    const { next } = await api.post(`/api/queues/${encodeURIComponent(state.list.queue)}/next`);
    if (next) location.hash = `#/item/${next}`;
    else announce("Nothing left to claim in this queue.");
  } catch (ex) { showError(ex.message); }
}

async function openBulk() {
  const ids = [...state.list.checked];
  if (!ids.length) { announce("Tick items with x first."); return; }
  bulkDialog({
    ids,
    onPreview: (body) => api.post("/api/bulk/preview", body),
    onDecide: async (body) => {
      const out = await api.post("/api/bulk/decide", body);
      state.list.checked = new Set();
      announce(`${plural(out.decided, "item")} decided.`, { tone: "ok" });
      await refreshQueueView();
    },
  });
}

export function select(i, focus = true) {
  const rows = $$("#rows > li");
  if (!rows.length) return;
  state.list.selected = Math.max(0, Math.min(i, rows.length - 1));
  rows.forEach((li, n) => {
    li.classList.toggle("selected", n === state.list.selected);
    const a = $("a.row-link", li);
    if (n === state.list.selected) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
  });
  const link = $("a.row-link", rows[state.list.selected]);
  if (focus) link.focus({ preventScroll: false });
  link.scrollIntoView({ block: "nearest" });
}

export async function refreshQueueView() {
  await Promise.all([loadQueues(), loadList(state.list.queue)]);
  if (state.view?.name !== "queue") return;
  const focusedRow = document.activeElement?.closest?.("#rows");
  const focusedTitle = document.activeElement?.id === "page-title";
  renderQueue($("#main"));
  if (focusedRow) select(state.list.selected);
  else if (focusedTitle) $("#page-title").focus();
}

/** Keys of the list view; ``decide(row, action)`` opens the decision dialog for a row. */
export function queueKeys(e, { decide }) {
  const rows = state.list.rows;
  const row = rows[state.list.selected];
  switch (e.key) {
    case "j": case "ArrowDown": select(state.list.selected + 1); return true;
    case "k": case "ArrowUp": select(state.list.selected - 1); return true;
    case "Enter": case "o":
      if (e.target.closest("a, button")) return false;
      if (row) location.hash = `#/item/${row.id}`;
      return true;
    case "J": case "K": {
      const names = ["", ...state.queues.filter((q) => q.count > 0).map((q) => q.queue)];
      const at = names.indexOf(state.list.queue);
      const to = names[(at + (e.key === "J" ? 1 : names.length - 1)) % names.length];
      location.hash = `#/queue/${encodeURIComponent(to)}`;
      return true;
    }
    case "a": case "h": case "e":
      if (row) decide(row, { a: "publish", h: "hide", e: "escalate" }[e.key]);
      return true;
    case "x":
      if (row && may.bulk()) {
        const box = $(`#check-${row.id}`);
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change"));
      }
      return true;
    case "b": if (may.bulk()) openBulk(); return true;
    case "s": if ($("#start-review")) startReview(); return true;
    case "u": undoLast(); return true;
    default: return false;
  }
}
