// The "needs a reply" queue (comms staff): citizens' questions and problem reports waiting for the
// agency's answer, oldest first; an agency reply closes one live; "No reply needed" with a reason.
import * as api from "./api.js";
import { errorBox, modal, setBusy } from "./dialogs.js";
import { $, $$, PLATFORMS, age, clear, h, plural, timeEl } from "./dom.js";
import { announce, showError, state } from "./state.js";

const STATES = [["open", "Waiting"], ["answered", "Answered"], ["no_reply_needed", "No reply needed"]];
const TAGS = { "engagement.question": "Question", "engagement.report": "Problem report" };
const since = () => (performance.now() - (state.replies?.at || performance.now())) / 1000;

export async function loadReplies() {
  const view = state.repliesView || { state: "open", account: "" };
  const [rows, summary] = await Promise.all([
    api.get("/api/replies", { state: view.state, account_id: view.account || null, limit: 200 }),
    api.get("/api/replies/summary")]);
  state.replies = { rows, summary, at: performance.now() };
  return state.replies;
}

function accountsNav(summary, view) {
  const link = (account, text, count, meta, late) => h("li", {},
    h("a", { href: "#/replies", class: `q${late ? " late" : ""}`, "aria-current": view.account === account ? "page" : null,
      dataset: { account }, onclick: (e) => { e.preventDefault(); setView({ account }); } },
    h("span", { class: "q-label" }, text),
    h("span", { class: "q-count", "aria-label": plural(count, "question") }, String(count)),
    meta ? h("span", { class: "q-meta" }, meta) : null));
  return h("nav", { class: "queue-nav", "aria-label": "Accounts" },
    h("h2", { class: "nav-title" }, "Accounts"),
    h("ul", {},
      link("", "All accounts", summary.open, summary.overdue ? `${summary.overdue} past target` : null, summary.overdue > 0),
      summary.accounts.map((a) => link(a.account_id, a.account_id, a.open,
        [PLATFORMS[a.platform] || a.platform, `oldest ${age(a.oldest_age_s + since())}`, a.overdue ? `${a.overdue} late` : null].filter(Boolean).join(" · "),
        a.overdue > 0))));
}

function setView(change) {
  state.repliesView = { ...(state.repliesView || { state: "open", account: "" }), ...change };
  showReplies($("#main")).then(() => $("#page-title")?.focus());
}

/** Waited so far against the target: a bar (the CSP allows no inline style: a <meter>). */
function ageMeter(r) {
  const waited = r.age_s + (r.state === "open" ? since() : 0);
  const late = r.state === "open" && waited > r.target_s;
  return h("span", { class: `reply-age${late ? " late" : ""}` },
    h("span", { class: "age" }, r.state === "open" ? `${age(waited)} waiting` : r.state === "answered" ? `answered after ${age(r.first_response_s ?? waited)}` : `closed after ${age(waited)}`),
    h("meter", { min: "0", max: String(r.target_s), low: String(r.target_s * 0.75), high: String(r.target_s * 0.999), optimum: "0",
      value: String(Math.min(waited, r.target_s)), "aria-label": `Waited ${age(waited)} of the ${age(r.target_s)} reply target` }),
    h("span", { class: "target" }, late ? `past the ${age(r.target_s)} target` : `target ${age(r.target_s)}`));
}

function replyRow(r) {
  const platform = PLATFORMS[r.platform] || r.platform;
  return h("li", { class: `reply${r.overdue ? " late" : ""}`, id: `reply-${r.id}`, dataset: { id: r.id, comment: r.comment_id, state: r.state } },
    h("div", { class: "reply-main" },
      h("div", { class: "reply-tags" }, r.tags.map((t) => h("span", { class: `badge tag-${t.split(".").pop()}` }, TAGS[t] || t)),
        r.overdue ? h("span", { class: "badge overdue" }, "Overdue") : null,
        r.state === "answered" ? h("span", { class: "badge ok" }, "Answered") : null,
        r.state === "no_reply_needed" ? h("span", { class: "badge muted" }, `No reply needed: ${r.close_reason.replace(/_/g, " ")}`) : null),
      h("p", { class: "reply-text" }, r.text),
      h("p", { class: "row-meta" },
        h("span", { class: "who" }, r.author), " · ", platform, " · ", h("span", { class: "acct" }, r.account_id), " · ",
        timeEl(r.received_at),
        r.close_note ? h("span", { class: "muted" }, ` · “${r.close_note}” (${r.closed_by})`) : null)),
    h("div", { class: "reply-side" },
      ageMeter(r),
      h("div", { class: "reply-buttons" },
        r.url ? h("a", { class: "button secondary small", href: r.url, target: "_blank", rel: "noopener noreferrer" }, `Reply on ${platform} ↗`) : null,
        r.state === "open" ? h("button", { type: "button", class: "secondary small no-reply", onclick: () => noReplyDialog(r) }, "No reply needed…") : null)));
}

export async function showReplies(main) {
  const view = state.repliesView || { state: "open", account: "" };
  const { rows, summary } = await loadReplies();
  const scope = view.account || "all accounts";
  const lead = view.state === "open"
    ? [plural(rows.length, "question"), "waiting on", scope, summary.overdue && !view.account ? `· ${summary.overdue} past the reply target` : ""].join(" ")
    : `${plural(rows.length, "item")} on ${scope}, newest first`;
  const tabs = h("div", { class: "segmented", role: "group", "aria-label": "Show" },
    STATES.map(([value, text]) => h("button", { type: "button", class: value === view.state ? "seg on" : "seg",
      "aria-pressed": value === view.state ? "true" : "false", dataset: { state: value }, onclick: () => setView({ state: value }) }, text)));
  clear(main, h("div", { class: "layout" },
    accountsNav(summary, view),
    h("section", { class: "content", "aria-labelledby": "page-title" },
      h("header", { class: "page-head" },
        h("div", {},
          h("h1", { id: "page-title", tabindex: "-1" }, "Needs a reply"),
          h("p", { class: `summary${summary.overdue && view.state === "open" ? " late" : ""}` }, lead)),
        h("div", { class: "head-tools" }, tabs)),
      h("p", { class: "hint reply-hint" }, "Citizens' questions and problem reports on the agency's accounts. Reply on the platform: the reply closes the item here by itself."),
      rows.length ? h("ol", { class: "rows replies", id: "replies", "aria-label": "Questions" }, rows.map(replyRow))
        : h("div", { class: "empty" }, h("p", { class: "empty-title" }, view.state === "open" ? "No question is waiting." : "Nothing here yet."),
          h("p", {}, "New questions appear as they arrive.")))));
}

export async function refreshReplies() {
  const focused = document.activeElement?.closest?.("li.reply")?.dataset.id;
  await showReplies($("#main"));
  if (focused) $(`#reply-${focused} button, #reply-${focused} a`)?.focus();
}

function noReplyDialog(r) {
  const err = errorBox();
  const reasons = state.me?.no_reply_reasons || [];
  const note = h("textarea", { id: "no-reply-note", name: "note", rows: "3", maxlength: "2000" });
  const form = h("form", { id: "no-reply-form", method: "dialog", novalidate: true },
    h("h2", { id: "no-reply-title" }, "No reply needed"),
    h("p", { class: "hint" }, "The item leaves the queue; this is recorded in the audit trail with your reason."),
    h("blockquote", { class: "quote" }, r.text),
    h("fieldset", { class: "reasons" }, h("legend", {}, "Why"),
      reasons.map((rc, i) => h("label", { class: "reason-option" },
        h("input", { type: "radio", name: "reason", value: rc.code, checked: i === 0 }),
        h("span", { class: "kbd-spacer" }), h("span", {}, rc.label), h("span", {})))),
    h("label", { class: "field", for: "no-reply-note" }, h("span", {}, "Note (needed for “Other”)"), note),
    err,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", class: "secondary", onclick: () => dlg.close() }, "Cancel"),
      h("button", { type: "submit", class: "primary", id: "no-reply-submit" }, "Close without reply")));
  const dlg = modal("no-reply-dialog", "no-reply-title", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = new FormData(form).get("reason");
    if (reason === "other" && !note.value.trim()) { err.textContent = "Say why in the note."; note.focus(); return; }
    setBusy(form, true);
    try {
      await api.post(`/api/replies/${r.id}/no-reply`, { reason, note: note.value.trim() || null });
      dlg.close();
      announce("Closed: no reply needed.", { tone: "ok" });
      await refreshReplies();
    } catch (ex) {
      setBusy(form, false);
      if (ex.status === 409) { dlg.close(); showError(ex.message, { title: "Already closed" }); await refreshReplies(); return; }
      err.textContent = ex.message;
    }
  });
  $$("input[name=reason]", form)[0]?.focus();
  return dlg;
}
