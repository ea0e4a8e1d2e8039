// What the page knows: the user, the queues, the list on screen, the item open.
import { $, clear, h } from "./dom.js";

export const state = {
  me: null,
  queues: [],
  queuesAt: 0,
  /** The list on screen: its queue ("" = all), rows, the selected row and the rows ticked for bulk. */
  list: { queue: "", rows: [], at: 0, selected: 0, checked: new Set() },
  item: null,
  itemAt: 0,
  /** Whether this session holds the open item's claim. */
  mine: false,
  nextAfterDecide: localStorage.getItem("civicmod.next") === "1",
  lastDecision: null,
  view: null,
  lastInput: Date.now(),
};

/** No key or click for this long: the user is away (updates pause, claims lapse). */
export const AWAY_MS = 10 * 60 * 1000;
export const away = () => Date.now() - state.lastInput > AWAY_MS;

const RANK = { viewer: 1, moderator: 2, lead: 3, admin: 4 };
export const HOME = () => (may.items() ? "#/queue/" : "#/replies");

export function roles() {
  return new Set((state.me?.grants || []).map((g) => g.role));
}

export function topRole() {
  const rs = [...roles()];
  const ranked = rs.filter((r) => r in RANK).sort((a, b) => RANK[b] - RANK[a]);
  return ranked[0] || rs[0] || "none";
}

/** Rough client-side hints (the server decides): which pages and controls to offer. */
export const may = {
  decide: () => [...roles()].some((r) => (RANK[r] || 0) >= 2 || r === "auditor"),
  bulk: () => [...roles()].some((r) => (RANK[r] || 0) >= 3),
  audit: () => roles().has("auditor") || roles().has("admin"),
  holds: () => roles().has("auditor") || roles().has("lead") || roles().has("admin"),
  admin: () => roles().has("admin"),
  items: () => [...roles()].some((r) => r !== "comms"),
  replies: () => ["comms", "lead", "admin"].some((r) => roles().has(r)),
};

export function reasonsFor(action) {
  return (state.me?.reason_codes || []).filter((r) => r.actions.includes(action));
}

export function queueLabel(name) {
  if (!name) return "All open items";
  const q = state.queues.find((x) => x.queue === name) || state.me?.queues?.[name];
  return q?.label || name;
}

let statusTimer = null;

/** A polite message in the status bar (read out by screen readers); ``action`` adds a button. */
export function announce(message, { action = null, tone = "info", sticky = false } = {}) {
  const bar = $("#status");
  clearTimeout(statusTimer);
  clear(bar, h("div", { class: `status-inner tone-${tone}` }, h("span", { class: "status-text" }, message), action));
  if (!sticky) statusTimer = setTimeout(() => clear(bar), 10000);
}

/** An error that needs attention (role=alert); stays until dismissed or replaced. */
export function showError(message, { title = "That did not work" } = {}) {
  const box = $("#alert");
  clear(box,
    h("div", { class: "alert-body" }, h("strong", {}, title), h("span", { id: "alert-message" }, message)),
    h("button", { type: "button", class: "link", onclick: hideError }, "Dismiss"));
}

export function hideError() {
  clear($("#alert"));
}
