// civicmod moderation console: log in, route, keyboard, live updates.
// Plain ES modules, no build step. Everything goes through the REST API (/api/openapi.json).
import * as api from "./api.js";
import { helpDialog } from "./dialogs.js";
import { $, $$, clear, h } from "./dom.js";
import { HOME, away, hideError, may, state, topRole } from "./state.js";
import { showOps } from "./ops.js";
import { refreshReplies, showReplies } from "./replies.js";
import { showAudit, showHolds, showUsers } from "./admin.js";
import { decide } from "./decide.js";
import { itemEvent, itemKeys, leaveItem, reload as reloadItem, showItem } from "./item.js";
import { loadList, loadQueues, queueKeys, refreshQueueView, renderQueue, select } from "./queue.js";

const main = $("#main");

// -- log in -------------------------------------------------------------------------------------
function showLogin(message) {
  state.me = null;
  state.view = { name: "login" };
  stopLive();
  $("#topbar").hidden = true;
  const err = h("p", { class: "form-error", id: "login-error", role: "alert" }, message || "");
  const user = h("input", { type: "text", id: "username", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" });
  const form = h("form", { id: "login-form", class: "login-form", novalidate: true },
    h("div", { class: "login-brand" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), h("span", {}, "civicmod")),
    h("h1", { id: "page-title" }, "Moderation console"),
    h("p", { class: "muted" }, "Sign in with your console account. Everything you do here is recorded in the audit trail."),
    h("label", { class: "field", for: "username" }, h("span", {}, "User name"), user),
    h("label", { class: "field", for: "password" }, h("span", {}, "Password"),
      h("input", { type: "password", id: "password", name: "password", autocomplete: "current-password", required: true })),
    err,
    h("button", { type: "submit", class: "primary wide", id: "login-submit" }, "Sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    if (!d.username || !d.password) { err.textContent = "Enter your user name and password."; return; }
    $("#login-submit").disabled = true;
    try {
      const me = await api.request("POST", "/api/login", { username: d.username, password: d.password }, { quiet401: true });
      await start(me);
    } catch (ex) {
      $("#login-submit").disabled = false;
      err.textContent = ex.status === 401 ? "Wrong user name or password." : ex.message;
      $("#password").select();
    }
  });
  clear(main, h("div", { class: "login-page" }, form));
  user.focus();
}

async function logout() {
  leaveItem();
  try { await api.post("/api/logout"); } catch { /* the session may be gone already */ }
  api.setCsrf(null);
  history.replaceState(null, "", "#/login");
  showLogin("You are logged out.");
}

async function start(me) {
  state.me = me;
  api.setCsrf(me.csrf);
  hideError();
  clear(main, h("p", { class: "page-pad muted", id: "loading" }, "Loading…"));
  main.focus();
  $("#topbar").hidden = false;
  $("#whoami").textContent = "";
  $("#whoami").append(h("span", { class: "user" }, me.username), h("span", { class: "role" }, topRole()));
  $("[data-nav=queue]").hidden = !may.items();
  $("[data-nav=replies]").hidden = !may.replies();
  $("[data-nav=audit]").hidden = !may.audit();
  $("[data-nav=holds]").hidden = !may.holds();
  $("[data-nav=users]").hidden = !may.admin();
  startLive();
  if (!location.hash || location.hash === "#/login" || location.hash === "#main") history.replaceState(null, "", HOME());
  await route();
}

// -- routes -------------------------------------------------------------------------------------
async function showQueue(queue) {
  state.view = { name: "queue" };
  const same = state.list.queue === queue;
  await Promise.all([loadQueues(), loadList(queue)]);
  renderQueue(main);
  if (same && state.list.rows.length) select(state.list.selected);
  else $("#page-title")?.focus();
}

let routing = Promise.resolve();

function route() {
  routing = routing.then(doRoute, doRoute);
  return routing;
}

async function doRoute() {
  if (!state.me) return;
  const hash = location.hash || HOME();
  const itemMatch = hash.match(/^#\/item\/(\d+)$/);
  if (state.view?.name === "item" && (!itemMatch || Number(itemMatch[1]) !== state.view.id)) leaveItem();
  for (const a of $$(".mainnav a")) {
    const on = hash.startsWith(`#/${a.dataset.nav}`) || (a.dataset.nav === "queue" && hash.startsWith("#/item/"));
    if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  try {
    if (itemMatch) await showItem(Number(itemMatch[1]));
    else if (hash.startsWith("#/queue/")) await showQueue(decodeURIComponent(hash.slice(8)));
    else if (hash === "#/replies") { state.view = { name: "replies" }; await showReplies(main); $("#page-title").focus(); }
    else if (hash === "#/ops") { state.view = { name: "ops" }; await showOps(main); $("#page-title").focus(); }
    else if (hash === "#/audit") { state.view = { name: "audit" }; await showAudit(main); $("#page-title").focus(); }
    else if (hash === "#/holds") { state.view = { name: "holds" }; await showHolds(main); $("#page-title").focus(); }
    else if (hash === "#/users") { state.view = { name: "users" }; await showUsers(main); $("#page-title").focus(); }
    else if (!may.items()) {
      history.replaceState(null, "", HOME());
      state.view = { name: "replies" };
      await showReplies(main);
    } else {
      history.replaceState(null, "", "#/queue/");
      await showQueue("");
    }
    document.title = `${$("#page-title")?.textContent || "Moderation console"} · civicmod`;
  } catch (ex) {
    if (ex.status === 401) return;
    clear(main, h("div", { class: "page" }, h("h1", { id: "page-title", tabindex: "-1" }, ex.status === 404 ? "Not found" : ex.status === 403 ? "Not allowed" : "Something went wrong"),
      h("p", {}, ex.message), h("p", {}, h("a", { href: "#/queue/" }, "Back to the queues"))));
    $("#page-title").focus();
  }
}

window.addEventListener("hashchange", () => {
  if (location.hash === "#main") return;
  hideError();
  route();
});
window.addEventListener("civicmod:unauthenticated", () => {
  if (state.me) showLogin("Your session ended. Please sign in again.");
});
window.addEventListener("pagehide", () => leaveItem());
window.addEventListener("civicmod:changed", () => {
  if (state.view?.name === "queue") refreshQueueView().catch(() => {});
});

// -- deciding from the list ---------------------------------------------------------------------
function decideRow(row, action) {
  const actions = may.decide() ? ["publish", "hide", "escalate", "hold", "note"] : [];
  decide(row, action, {
    actions, withNext: false,
    after: async () => { await refreshQueueView(); },
  });
}

// -- keyboard -----------------------------------------------------------------------------------
let chord = null;

document.addEventListener("keydown", (e) => {
  if (!state.me || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if ($("dialog[open]")) return; // a dialog handles its own keys
  const t = e.target;
  if (t.closest && t.closest("textarea, select, input:not([type=checkbox]):not([type=radio]), [contenteditable]")) return;
  if (chord) {
    const to = { q: "#/queue/", a: "#/audit", h: "#/holds", u: "#/users", r: "#/replies", o: "#/ops" }[e.key];
    chord = null;
    if (to) { e.preventDefault(); location.hash = to; return; }
  }
  if (e.key === "?") { e.preventDefault(); helpDialog(); return; }
  if (e.key === "g") { chord = setTimeout(() => { chord = null; }, 1200); return; }
  let handled = false;
  if (state.view?.name === "queue") handled = queueKeys(e, { decide: decideRow });
  else if (state.view?.name === "item") handled = itemKeys(e);
  if (handled) e.preventDefault();
});

$("#help-button").addEventListener("click", () => helpDialog());
$("#logout-button").addEventListener("click", logout);
$("#skip-link").addEventListener("click", (e) => {
  e.preventDefault();
  ($("#page-title") || main).focus();
});

// -- live updates (server-sent events) ----------------------------------------------------------
let source = null;
let retry = null;
let refreshTimer = null;
let wasDown = false;

function setLive(mode) {
  const el = $("#live");
  el.dataset.state = mode;
  el.textContent = { live: "Live", reconnecting: "Reconnecting…", connecting: "Connecting…", away: "Paused (away)" }[mode];
  el.title = { live: "Updates from other moderators appear as they happen",
    away: "No input for 10 minutes: updates paused. Press any key to catch up." }[mode] || "Live updates paused; retrying";
}

function startLive() {
  stopLive();
  setLive("connecting");
  source = new EventSource("/api/events");
  source.addEventListener("hello", () => {
    setLive("live");
    if (wasDown) { wasDown = false; scheduleRefresh(); }
  });
  for (const type of ["item.claimed", "item.released", "item.decided", "item.new", "item.platform_state", "item.platform_action",
    "reply.new", "reply.answered", "reply.closed", "ops.updated"]) {
    source.addEventListener(type, (ev) => {
      let data = {};
      try { data = JSON.parse(ev.data); } catch { /* ignore */ }
      onLive(type, data);
    });
  }
  source.onerror = () => {
    setLive("reconnecting");
    wasDown = true;
    if (source.readyState === EventSource.CLOSED) {
      stopLive(false);
      retry = setTimeout(async () => {
        try { await api.request("GET", "/api/me"); startLive(); } catch { /* 401 shows the login page */ }
      }, 3000);
    }
  };
}

function stopLive(reset = true) {
  clearTimeout(retry);
  if (source) { source.close(); source = null; }
  if (reset) wasDown = false;
}

function onLive(type, data) {
  if (away()) return; // the catch-up refresh on return covers it
  if (type.startsWith("reply.") && state.view?.name !== "replies") return;
  if (type === "ops.updated" && state.view?.name !== "ops") return;
  if (state.view?.name === "item" && data.id === state.item?.id) itemEvent(type, data).catch(() => {});
  scheduleRefresh();
}

// -- away: no input for a while, so stop re-reading (an unattended screen must not keep the
// session alive past its idle limit); the first key or click brings everything up to date

for (const type of ["keydown", "pointerdown"]) {
  document.addEventListener(type, () => {
    const wasAway = away();
    state.lastInput = Date.now();
    if (wasAway && state.me) {
      setLive(source ? "live" : "reconnecting");
      scheduleRefresh(); // ages, counts and whatever happened meanwhile
    }
  }, { capture: true });
}

/** Queue counts, the list and the open item's sidebar, re-read at most every 300 ms. */
function scheduleRefresh() {
  if (away()) { setLive("away"); return; }
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    try {
      if (state.view?.name === "queue") await refreshQueueView();
      else if (state.view?.name === "replies" && !$("dialog[open]")) await refreshReplies();
      else if (state.view?.name === "ops") {
        const range = document.activeElement?.dataset?.range; // keep the keyboard where it was
        await showOps(main);
        if (range) $(`[data-range=${range}]`)?.focus();
      }
      else if (state.view?.name === "item") {
        await Promise.all([loadQueues(), loadList(state.list.queue)]);
        if (state.view?.name === "item") await reloadItem();
      }
    } catch { /* the next event or the timer tries again */ }
  }, 300);
}

// ages and SLA states move on even when nothing happens; a slow poll also covers lost events
setInterval(() => { if (state.me && document.visibilityState === "visible" && !$("dialog[open]")) scheduleRefresh(); }, 30_000);

// -- boot ---------------------------------------------------------------------------------------
(async () => {
  try {
    const me = await api.request("GET", "/api/me", undefined, { quiet401: true });
    await start(me);
  } catch (ex) {
    if (ex.status === 401) showLogin();
    else showLogin(`The console cannot be reached: ${ex.message}`);
  }
})();

