// Small DOM and formatting helpers. Text always goes in as text (never as HTML).

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

export function kbd(key) {
  return h("kbd", { "aria-hidden": "true" }, key);
}

/** "42 s", "7 min", "2 h 05 min", "3 d 4 h". */
export function age(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const DATETIME = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
});

const STAMP = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit",
});

/** "2 Dec, 09:55:12": for the audit trail. */
export function stamp(iso) {
  return iso ? STAMP.format(new Date(iso)) : "";
}

export function time(iso) {
  return iso ? TIME.format(new Date(iso)) : "";
}

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const today = new Date();
  return d.toDateString() === today.toDateString() ? `today ${TIME.format(d).slice(0, 5)}` : DATETIME.format(d);
}

export function timeEl(iso, text) {
  return h("time", { datetime: iso, title: iso ? new Date(iso).toString() : "" }, text ?? when(iso));
}

export const PLATFORMS = {
  facebook: "Facebook", instagram: "Instagram", x: "X", youtube: "YouTube", generic: "Web",
};

export const ACTIONS = {
  publish: { label: "Approve", past: "Approved", key: "a", hint: "The comment stays (or is shown again)." },
  hide: { label: "Hide", past: "Hidden", key: "h", hint: "The default removal: hidden on the platform, can be restored (undo, appeal)." },
  escalate: { label: "Escalate", past: "Escalated", key: "e", hint: "Moves the item to a lead's queue; it stays open." },
  hold: { label: "Hold", past: "Held", key: null, hint: "Keeps the comment hidden while the item stays open." },
  note: { label: "Note", past: "Noted", key: null, hint: "Adds a note to the record; changes nothing else." },
  delete: { label: "Delete", past: "Deleted", key: null, hint: "Leads only. Irreversible on the platform; prefer hide." },
  restrict_author: { label: "Restrict author", past: "Author restricted", key: null, hint: "Leads only. Restricts the author on this account." },
};

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : (many || `${one}s`)}`;
}
