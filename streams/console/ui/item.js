// The item card: the comment in its thread, why it is here (rules with their matched spans, the
// model and its scores, the policy), the author's history, the decisions so far; and deciding it.
import * as api from "./api.js";
import { appealDialog, holdDialog } from "./dialogs.js";
import { ACTIONS, $, PLATFORMS, age, clear, h, kbd, plural, time, timeEl, when } from "./dom.js";
import { announce, away, hideError, queueLabel, showError, state } from "./state.js";
import { decide, reportDecisionError, undoLast } from "./decide.js";
import { loadList, loadQueues, queueNav } from "./queue.js";

let renewTimer = null;
let conflict = null; // the 409 body of a claim someone else holds
let liveNote = null; // "decided by X" / "claimed by X" from the live feed

/** The open appeal on this item, when this user made the decision appealed against. */
function ownAppeal(card) {
  const open = card.appeals.find((a) => a.id === card.appeal_open);
  return open && open.first_decided_by === state.me.username ? open : null;
}

export function allowedActions(card) {
  if (!card || card.state !== "open" || !card.can.decide || ownAppeal(card)) return [];
  const out = ["publish", "hide", "escalate", "hold", "note"];
  if (card.can.delete) out.push("delete");
  if (card.can.restrict) out.push("restrict_author");
  return out;
}

export async function showItem(id) {
  state.view = { name: "item", id };
  conflict = null;
  liveNote = null;
  const card = await api.get(`/api/items/${id}`);
  state.item = card;
  state.itemAt = performance.now();
  state.mine = false;
  const lists = [loadQueues()];
  if (!state.list.rows.some((r) => r.id === id)) lists.push(loadList(card.state === "open" ? card.queue : state.list.queue));
  await Promise.all(lists);
  if (state.view?.id !== id) return;
  const at = state.list.rows.findIndex((r) => r.id === id);
  if (at >= 0) state.list.selected = at;
  if (card.state === "open" && card.can.claim && !ownAppeal(card)) await claim(true);
  render();
  $("#page-title")?.focus();
}

/** Re-read the open card (and redraw it, keeping the focus where it was). */
export async function reload() {
  const id = state.item?.id;
  if (!id) return;
  const card = await api.get(`/api/items/${id}`);
  if (state.view?.id !== id) return;
  state.item = card;
  state.itemAt = performance.now();
  if (card.state !== "open") { stopRenew(); state.mine = false; }
  const focus = document.activeElement?.id; // (a dialog keeps its own focus: it is outside #main)
  render();
  if (focus && $(`#${focus}`)) $(`#${focus}`).focus();
}

export async function claim(quiet = false) {
  const card = state.item;
  if (!card || card.state !== "open") return;
  try {
    const out = await api.post(`/api/items/${card.id}/claim`);
    state.mine = true;
    conflict = null;
    card.claimed_by = out.claimed_by;
    card.lease_until = out.lease_until;
    stopRenew();
    renewTimer = setInterval(renew, Math.max(5, state.me.lease_s / 3) * 1000);
    if (!quiet) { announce("You are working on this item."); render(); }
  } catch (ex) {
    state.mine = false;
    if (ex.status === 409) {
      conflict = ex.body;
      if (!quiet) { showError(claimMessage(ex.body), { title: "Not yours to decide" }); render(); }
    } else if (ex.status !== 403) {
      showError(ex.message);
    }
  }
}

function claimMessage(body) {
  if (body.claimed_by) return `Claimed by ${body.claimed_by}${body.lease_until ? ` until ${time(body.lease_until)}` : ""}. You can read it; decisions are refused while their claim lasts.`;
  return body.detail || "This item is no longer open.";
}

async function renew() {
  if (!state.mine || state.view?.name !== "item") { stopRenew(); return; }
  if (away()) { // an unattended card must not hold the item: let the claim lapse
    stopRenew();
    state.mine = false;
    conflict = null;
    liveNote = { tone: "info", text: "You were away, so your claim was left to lapse. Press c to claim it again." };
    render();
    return;
  }
  try {
    await api.post(`/api/items/${state.item.id}/claim`);
  } catch (ex) {
    state.mine = false;
    stopRenew();
    if (ex.status === 409) { conflict = ex.body; render(); }
  }
}

function stopRenew() {
  clearInterval(renewTimer);
  renewTimer = null;
}

/** Leaving the card: give the claim back so someone else can take it. */
export function leaveItem() {
  stopRenew();
  const card = state.item;
  if (state.mine && card && card.state === "open") {
    api.del(`/api/items/${card.id}/claim`, { keepalive: true, quiet401: true }).catch(() => {});
  }
  state.mine = false;
  state.item = null;
}

async function release() {
  const card = state.item;
  if (!state.mine) { announce("You do not hold this item."); return; }
  stopRenew();
  await api.del(`/api/items/${card.id}/claim`).catch(() => {});
  state.mine = false;
  announce("Released: others can take this item now.");
  await reload();
}

/** A live event about the open item (another moderator claimed, released or decided it). */
export async function itemEvent(type, data) {
  if (!state.item || data.id !== state.item.id) return;
  if (data.by === state.me.username) return;
  if (type !== "item.claimed") hideError(); // what it said about who holds the item is out of date
  if (type === "item.decided") {
    liveNote = { tone: "done", text: `Decided by ${data.by}${data.action ? ` (${(ACTIONS[data.action]?.past || data.action).toLowerCase()})` : ""} just now.` };
  } else if (type === "item.claimed" && !state.mine) {
    liveNote = { tone: "warn", text: `Claimed by ${data.by}.` };
  } else if (type === "item.released") {
    liveNote = { tone: "info", text: `Released by ${data.by}: press c to claim it.` };
    conflict = null;
  }
  await reload();
}

function neighbours(step) {
  const rows = state.list.rows;
  if (!rows.length) return null;
  const at = rows.findIndex((r) => r.id === state.item?.id);
  const to = at < 0 ? (step > 0 ? 0 : rows.length - 1) : at + step;
  return rows[to] || null;
}

export function itemKeys(e) {
  const card = state.item;
  if (!card) return false;
  switch (e.key) {
    case "a": case "h": case "e":
      decideHere({ a: "publish", h: "hide", e: "escalate" }[e.key]);
      return true;
    case "n":
      state.nextAfterDecide = !state.nextAfterDecide;
      localStorage.setItem("civicmod.next", state.nextAfterDecide ? "1" : "0");
      syncNextToggle();
      announce(state.nextAfterDecide ? "Decide-and-next is on: after a decision the next item opens." : "Decide-and-next is off.");
      return true;
    case "u": undoLast(); return true;
    case "c": claim(false); return true;
    case "r": release(); return true;
    case "j": case "k": {
      const to = neighbours(e.key === "j" ? 1 : -1);
      if (to) location.hash = `#/item/${to.id}`;
      else announce(e.key === "j" ? "That was the last item in the list." : "This is the first item in the list.");
      return true;
    }
    case "q": case "Escape": location.hash = `#/queue/${encodeURIComponent(state.list.queue)}`; return true;
    default: return false;
  }
}

function decideHere(action) {
  const card = state.item;
  const actions = allowedActions(card);
  if (card.state !== "open") { announce(`This item is ${card.state.replace(/_/g, " ")}; nothing to decide.`); return; }
  if (!card.can.decide) { announce("View only: your role cannot decide items in this queue."); return; }
  if (ownAppeal(card)) { announce("You made the decision under appeal; a different moderator decides it."); return; }
  if (conflict && !state.mine) { showError(claimMessage(conflict), { title: "Not yours to decide" }); return; }
  decide(card, action, {
    actions, withNext: true,
    after: async (out, body) => {
      if (!out) { await reload(); return; }
      if (body.next) {
        if (out.next) { state.mine = false; location.hash = `#/item/${out.next}`; return; }
        announce(`${ACTIONS[body.action].past}. Nothing else is waiting in ${queueLabel(card.queue)}.`, { tone: "ok" });
        state.mine = false;
        location.hash = `#/queue/${encodeURIComponent(state.list.queue)}`;
        return;
      }
      state.mine = false;
      stopRenew();
      await reload();
    },
  });
}

function syncNextToggle() {
  const box = $("#next-toggle");
  if (box) box.checked = state.nextAfterDecide;
}

// -- rendering ---------------------------------------------------------------------------------
function mergeSpans(spans) {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const out = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The text with each reason's spans marked (numbered like the reasons list). Offsets count
 * code points, as Python's do. */
function highlighted(text, reasons) {
  const chars = Array.from(text);
  const marks = [];
  reasons.forEach((r, i) => mergeSpans(r.spans || []).forEach(([a, b]) => marks.push({ a, b, n: i + 1 })));
  const cuts = new Set([0, chars.length]);
  for (const m of marks) { cuts.add(Math.min(m.a, chars.length)); cuts.add(Math.min(m.b, chars.length)); }
  const points = [...cuts].sort((x, y) => x - y);
  const out = [];
  for (let i = 0; i < points.length - 1; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const seg = chars.slice(a, b).join("");
    const over = [...new Set(marks.filter((m) => m.a <= a && m.b >= b).map((m) => m.n))];
    if (!over.length) { out.push(seg); continue; }
    const ends = [...new Set(marks.filter((m) => m.b === b && over.includes(m.n)).map((m) => m.n))];
    out.push(h("mark", { class: `hl c${((over[0] - 1) % 6) + 1}${over.length > 1 ? " multi" : ""}`, title: over.map((n) => reasons[n - 1].id).join(", ") }, seg));
    if (ends.length) out.push(h("sup", { class: "hl-n", "aria-label": `rule ${ends.join(", ")}` }, ends.join(",")));
  }
  return out;
}

function quoteSpans(text, spans) {
  const chars = Array.from(text);
  return mergeSpans(spans || []).map(([a, b]) => chars.slice(a, b).join("").trim()).filter((s) => /[\p{L}\p{N}]/u.test(s));
}

function section(id, title, ...body) {
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), ...body);
}

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function reasonsPanel(card) {
  const list = card.reasons.map((r, i) => {
    const quotes = quoteSpans(card.text, r.spans);
    return h("li", { class: "reason" },
      h("span", { class: `swatch c${(i % 6) + 1}`, "aria-hidden": "true" }, String(i + 1)),
      h("div", { class: "reason-body" },
        h("div", { class: "reason-head" },
          h("code", { class: "rule-id" }, r.id),
          h("span", { class: `badge src-${r.source}` }, r.source),
          r.action ? h("span", { class: `badge act-${r.action}` }, `→ ${r.action}`) : h("span", { class: "badge muted" }, "tag"),
          r.label ? h("span", { class: "chip" }, r.label.replace(/_/g, " ")) : null,
          typeof r.score === "number" ? h("span", { class: "score-inline" }, `score ${r.score.toFixed(2)}`) : null),
        r.detail ? h("p", { class: "reason-detail" }, r.detail) : null,
        quotes.length ? h("p", { class: "matched" }, "Matched: ", quotes.map((q, n) => [n ? ", " : "", h("q", {}, q)])) : null));
  });
  return section("why-title", "Why it is here",
    list.length ? h("ol", { class: "reasons-list" }, list) : h("p", { class: "muted" }, "No rule fired; the pipeline routed it here."));
}

function modelPanel(card) {
  const scores = Object.entries(card.scores || {}).sort((a, b) => b[1] - a[1]);
  const shown = scores.filter(([, v]) => v >= 0.01);
  const low = scores.filter(([, v]) => v < 0.01);
  const esc = card.escalation;
  return section("model-title", "Model and policy",
    dl([
      ["Model", card.classifier ? `${card.classifier.name} · version ${card.classifier.version}` : "none (rules only)"],
      ["Policy", card.policy_version],
      ["Pipeline outcome", card.outcome === "hide" ? "hidden automatically" : card.outcome],
      ["Routed", esc ? [
        `${queueLabel(esc.queue)} · priority ${esc.priority}${esc.hold ? " · held while waiting" : ""}${esc.rule ? ` · by ${esc.rule}` : ""}`,
        esc.queue !== card.queue && card.queue !== "appeals" && card.queue !== "escalated"
          ? h("span", { class: "muted" }, ` (no console queue of that name: it waits in ${queueLabel(card.queue)})`) : null] : null],
    ]),
    scores.length ? h("table", { class: "scores" },
      h("caption", {}, "Model scores (0–1)"),
      h("tbody", {}, shown.map(([label, v]) => h("tr", { class: v >= 0.8 ? "high" : v >= 0.5 ? "mid" : "" },
        h("th", { scope: "row" }, label.replace(/_/g, " ")),
        h("td", {}, h("meter", { min: "0", max: "1", low: "0.5", high: "0.8", optimum: "0", value: String(v), "aria-label": `${label} ${v.toFixed(2)}` })),
        h("td", { class: "num" }, v.toFixed(2))))),
      low.length ? h("tfoot", {}, h("tr", {}, h("td", { colspan: "3", class: "low-scores" },
        `Below 0.01: ${low.map(([label]) => label.replace(/_/g, " ")).join(", ")}`))) : null) : null);
}

function historyPanel(card) {
  const rows = card.author_history.slice(0, 8);
  return section("author-title", "Author",
    h("p", { class: "author-line" },
      h("strong", {}, card.author), card.author_handle && card.author_handle !== card.author ? ` @${card.author_handle}` : "",
      h("span", { class: "muted" }, ` · ${card.platform}:${card.author_id}`)),
    h("div", { class: "strikes" },
      h("span", { class: `strike-count${card.author_strikes ? " has" : ""}` }, plural(card.author_strikes, "strike")),
      card.author_restricted ? h("span", { class: "badge overdue" }, "Restricted") : null,
      h("span", { class: "muted" }, " (removals of their comments)")),
    rows.length ? h("ol", { class: "history" }, rows.map((r) => h("li", {},
      h("a", { href: `#/item/${r.id}` }, r.text.length > 110 ? `${r.text.slice(0, 110)}…` : r.text),
      h("span", { class: "history-meta" }, when(r.received_at), " · ", queueLabel(r.queue), " · ",
        r.decision ? h("span", { class: `badge act-${r.decision}` }, ACTIONS[r.decision]?.past || r.decision)
          : r.state === "open" && r.held ? h("span", { class: "badge held" }, "hidden, awaiting review")
            : h("span", { class: "badge muted" }, r.state === "open" ? "open" : r.state.replace(/_/g, " ")))))) :
      h("p", { class: "muted" }, "No other comments by this author in the console."));
}

/** What the actuator last did on the platform, in a line under the comment (a failure as a warning). */
function platformStatusLine(card) {
  if (!card.platform_status) return null;
  const warn = card.platform_warning;
  const text = card.platform_status.charAt(0).toUpperCase() + card.platform_status.slice(1);
  return h("p", { class: `platform-status${warn ? " warn" : ""}`, id: "platform-status" },
    h("span", { class: "ps-icon", "aria-hidden": "true" }, warn ? "⚠" : "✓"),
    warn ? h("span", { class: "sr-only" }, "Warning: ") : null,
    h("span", { class: "muted" }, `${PLATFORMS[card.platform] || card.platform}: `), text);
}

const PLATFORM_KINDS = { hide: "Hide", unhide: "Unhide", delete: "Delete", restrict_author: "Restrict author" };
const PLATFORM_STATUSES = { done: "done", dry_run: "dry run", failed: "failed", skipped: "skipped" };

/** Who asked for a platform action: a moderator's decision on this card, or the pipeline. */
function requestedBy(card, by) {
  const d = card.decisions.find((x) => x.id === by);
  if (d) return `for ${d.by || "?"}'s decision (${(ACTIONS[d.action]?.label || d.action).toLowerCase()})`;
  if (by.startsWith("verdict:")) return `automatic (pipeline: ${by.slice(8).replace(/-/g, " ")})`;
  return `for decision ${by}`;
}

function platformActions(card) {
  return (card.platform_actions || []).map((a) => {
    const trouble = a.status === "failed" || a.status === "skipped";
    return h("li", { class: `platform-action st-${a.status}` },
      h("span", { class: `badge ${trouble ? "warn" : a.status === "done" ? "ok" : "muted"}` },
        `${PLATFORM_KINDS[a.kind] || a.kind} ${PLATFORM_STATUSES[a.status] || a.status}`), " ",
      requestedBy(card, a.requested_by), " · ", timeEl(a.at),
      a.attempts > 1 ? ` · ${plural(a.attempts, "attempt")}` : "",
      a.error || a.error_code ? h("p", { class: "note" }, [a.error, a.error_code ? `(code ${a.error_code})` : null].filter(Boolean).join(" ")) : null);
  });
}

function recordPanel(card) {
  const decisions = card.decisions.map((d) => h("li", {},
    h("span", { class: `badge act-${d.action}` }, ACTIONS[d.action]?.label || d.action), " ",
    h("strong", {}, d.by || "?"), ` (${d.role}) · ${d.reason_code} · `, timeEl(d.at),
    d.undone_by ? h("span", { class: "badge muted" }, "undone") : null,
    d.note ? h("p", { class: "note" }, d.note) : null));
  const appeals = card.appeals.map((a) => h("li", {},
    h("span", { class: "badge held" }, `Appeal #${a.id}`), ` ${a.channel} · `, timeEl(a.created_at),
    a.outcome ? ` · ${a.outcome} by ${a.decided_by}` : " · open",
    h("p", { class: "note" }, a.statement)));
  const holds = card.legal_holds.map((x) => h("li", {}, h("span", { class: "badge hold" }, `Legal hold #${x.id}`), ` ${x.scope}: ${x.reason}`));
  const actions = platformActions(card);
  if (!decisions.length && !appeals.length && !holds.length && !actions.length) return null;
  return section("record-title", "Record",
    holds.length ? h("ul", { class: "plain" }, holds) : null,
    decisions.length ? h("ol", { class: "plain decisions" }, decisions) : null,
    appeals.length ? h("ul", { class: "plain" }, appeals) : null,
    actions.length ? [h("h3", { class: "sub-title", id: "platform-actions-title" }, "On the platform (newest first)"),
      h("ol", { class: "plain platform-actions", "aria-labelledby": "platform-actions-title" }, actions)] : null);
}

function claimLine(card) {
  if (card.state !== "open") {
    const d = card.decision ? (ACTIONS[card.decision]?.past || card.decision) : card.state.replace(/_/g, " ");
    return h("div", { class: "banner done", id: "item-state" },
      h("strong", {}, d), card.decided_by ? ` by ${card.decided_by}` : "", card.decided_at ? ` at ${time(card.decided_at)}` : "", ".");
  }
  if (state.mine) {
    return h("div", { class: "banner mine", id: "item-state" },
      h("strong", {}, "You are working on this item."), ` Your claim renews while the card is open. `,
      h("button", { type: "button", class: "link", id: "release-button", onclick: release }, "Release ", kbd("r")));
  }
  if (conflict?.claimed_by) {
    return h("div", { class: "banner warn", id: "item-state" }, h("strong", {}, `Claimed by ${conflict.claimed_by}`),
      conflict.lease_until ? ` until ${time(conflict.lease_until)}` : "", ". You can read it; decisions are refused while their claim lasts. ",
      h("button", { type: "button", class: "link", onclick: () => claim(false) }, "Try to claim ", kbd("c")));
  }
  if (!card.can.decide) {
    return h("div", { class: "banner info", id: "item-state" }, h("strong", {}, "View only."), " Your role cannot decide items in this queue.");
  }
  if (ownAppeal(card)) {
    return h("div", { class: "banner info", id: "item-state" }, h("strong", {}, "You made the decision under appeal."),
      " A different moderator decides the appeal.");
  }
  return h("div", { class: "banner info", id: "item-state" }, "Not claimed. ",
    h("button", { type: "button", class: "link", onclick: () => claim(false) }, "Claim ", kbd("c")));
}

function toolbar(card) {
  const actions = allowedActions(card);
  const tools = [];
  if (actions.length) {
    const main = ["publish", "hide", "escalate"].filter((a) => actions.includes(a));
    const more = actions.filter((a) => !main.includes(a));
    tools.push(h("div", { class: "decide-buttons", role: "group", "aria-label": "Decide" },
      main.map((a) => h("button", { type: "button", class: `act act-${a}`, dataset: { action: a }, "aria-keyshortcuts": ACTIONS[a].key, onclick: () => decideHere(a) },
        ACTIONS[a].label, " ", kbd(ACTIONS[a].key))),
      more.map((a) => h("button", { type: "button", class: `act minor act-${a}`, dataset: { action: a }, onclick: () => decideHere(a) }, ACTIONS[a].label))));
    tools.push(h("label", { class: "check next-toggle" },
      h("input", { type: "checkbox", id: "next-toggle", checked: state.nextAfterDecide, onchange: (e) => {
        state.nextAfterDecide = e.target.checked;
        localStorage.setItem("civicmod.next", e.target.checked ? "1" : "0");
      } }), h("span", {}, "Decide-and-next "), kbd("n")));
  }
  const hidden = (card.state === "decided" && ["hide", "restrict_author"].includes(card.decision)) || (card.state === "open" && card.source === "hide");
  const extra = [];
  if (card.state === "decided" && state.lastDecision?.item === card.id) {
    extra.push(h("button", { type: "button", class: "secondary", id: "undo-here", onclick: () => undoLast() }, "Undo my decision ", kbd("u")));
  }
  if (hidden && card.can.appeal && !card.appeal_open) {
    extra.push(h("button", { type: "button", class: "secondary", id: "appeal-button", onclick: () => openAppeal(card) }, "Record an appeal…"));
  }
  if (card.can.hold) {
    extra.push(h("button", { type: "button", class: "secondary", id: "hold-button", onclick: () => openHold(card) }, "Legal hold…"));
  }
  if (!tools.length && !extra.length) return null;
  return h("div", { class: "toolbar", role: "toolbar", "aria-label": "Item actions" }, tools, extra.length ? h("div", { class: "extra-buttons" }, extra) : null);
}

function openAppeal(card) {
  appealDialog({
    item: card,
    onSubmit: async (statement) => {
      const out = await api.post(`/api/items/${card.id}/appeal`, { statement, channel: "staff" });
      announce(`Appeal #${out.appeal_id} recorded; the item is in the Appeals queue.`, { tone: "ok" });
      await reload();
    },
  });
}

function openHold(card) {
  const choices = { item: card.comment_id, author: `${card.platform}:${card.author_id}`, account: card.account_id };
  holdDialog({
    scope: "item", value: card.comment_id, organisation: card.organisation, choices,
    onSubmit: async (body) => {
      const out = await api.post("/api/holds", body);
      announce(`Legal hold #${out.id} placed (${out.scope}).`, { tone: "ok" });
      await reload();
    },
  });
}

export function render() {
  const card = state.item;
  const main = $("#main");
  if (!card) return;
  const at = state.list.rows.findIndex((r) => r.id === card.id);
  const waited = card.age_s + (performance.now() - state.itemAt) / 1000;
  const late = card.state === "open" && waited > card.sla_s;
  const platform = PLATFORMS[card.platform] || card.platform;
  clear(main, h("div", { class: "layout" },
    queueNav(state.list.queue),
    h("article", { class: "content card", "aria-labelledby": "page-title", id: "item-card", dataset: { id: card.id } },
      h("nav", { class: "crumbs", "aria-label": "Position" },
        h("a", { href: `#/queue/${encodeURIComponent(state.list.queue)}` }, `← ${queueLabel(state.list.queue)}`),
        at >= 0 ? h("span", {}, ` · item ${at + 1} of ${state.list.rows.length} `, kbd("j"), kbd("k")) : null),
      h("header", { class: "card-head" },
        h("div", {},
          h("h1", { id: "page-title", tabindex: "-1" }, `${queueLabel(card.queue)} · ${platform} comment`),
          h("p", { class: "sla" },
            h("span", { class: `prio p${Math.min(card.priority, 5)}` }, `P${card.priority}`),
            card.state === "open" ? ` Waiting ${age(waited)} · target ${age(card.sla_s)} ` : ` Arrived ${when(card.received_at)} `,
            late ? h("span", { class: "badge overdue" }, "Overdue") : null,
            card.held ? h("span", { class: "badge held" }, "Held on the platform") : null,
            card.platform_state ? h("span", { class: "badge muted" }, `${card.platform_state} on ${platform}`) : null)),
        card.url && /^https?:\/\//i.test(card.url) ? h("a", { class: "platform-link", href: card.url, target: "_blank", rel: "noopener noreferrer" }, `View on ${platform} ↗`) : null),
      liveNote ? h("div", { class: `banner ${liveNote.tone}`, id: "live-note", role: "status" }, liveNote.text) : null,
      claimLine(card),
      toolbar(card),
      h("div", { class: "card-grid" },
        h("div", { class: "col-main" },
          section("thread-title", "Comment",
            card.parent ? h("div", { class: "parent" },
              h("p", { class: "parent-label" }, "In reply to ", h("strong", {}, card.parent.author || "a comment"), card.parent.text ? ":" : ""),
              card.parent.text ? h("p", { class: "parent-text" }, card.parent.text)
                : h("p", { class: "muted" }, `${card.parent.comment_id} (published without review, so not in the console)`)) : null,
            h("blockquote", { class: "comment", id: "comment-text", lang: "" }, highlighted(card.text, card.reasons)),
            h("p", { class: "comment-meta" },
              h("strong", {}, card.author), ` · ${platform} · ${card.account_id} · `, timeEl(card.received_at),
              h("span", { class: "muted" }, ` · ${card.comment_id}`)),
            platformStatusLine(card)),
          reasonsPanel(card),
          recordPanel(card)),
        h("aside", { class: "col-side", "aria-label": "Context" },
          modelPanel(card),
          historyPanel(card))))));
}

window.addEventListener("civicmod:changed", (e) => {
  if (state.view?.name === "item" && state.item && e.detail?.id === state.item.id) {
    hideError();
    reload().then(() => { if (state.item?.state === "open" && state.item.can.claim) claim(true).then(render); }).catch((ex) => showError(ex.message));
  }
});

export { reportDecisionError };
