// Modal dialogs (native <dialog>: focus stays inside, Escape closes): decide, bulk, appeal,
// legal hold, confirm, and the keyboard help.
import { ACTIONS, $, $$, clear, h, kbd, plural } from "./dom.js";
import { reasonsFor, state } from "./state.js";

export function modal(id, labelledBy, ...children) {
  $(`#${id}`)?.remove();
  const dlg = h("dialog", { id, class: "dialog", "aria-labelledby": labelledBy }, ...children);
  document.body.append(dlg);
  dlg.addEventListener("close", () => {
    const back = dlg.returnFocus;
    dlg.remove();
    // the page may have been redrawn meanwhile: then the selected row, else the page's title
    const target = back && document.contains(back) ? back
      : $("#rows > li.selected a.row-link") || $("#page-title") || $("#main");
    target?.focus();
  });
  dlg.returnFocus = document.activeElement;
  dlg.showModal();
  return dlg;
}

const typing = (el) => el.closest("textarea, input[type=text], input[type=password], input:not([type]), select");

export function errorBox() {
  return h("p", { class: "form-error", role: "alert" });
}

export function setBusy(form, busy) {
  for (const b of $$("button", form)) b.disabled = busy;
  form.classList.toggle("busy", busy);
}

/** The reason group for ``action`` (fitting reasons only), with 1–9 as shortcuts. */
function reasonFieldset(action, chosen, suggested) {
  const list = reasonsFor(action);
  const pick = list.some((r) => r.code === chosen) ? chosen : (list.some((r) => r.code === suggested) ? suggested : null);
  return h("fieldset", { class: "reasons", id: "reason-group" },
    h("legend", {}, "Reason ", h("span", { class: "hint" }, "(↑ ↓ or 1–9)")),
    list.map((r, i) => h("label", { class: "reason-option" },
      h("input", { type: "radio", name: "reason", value: r.code, checked: r.code === pick }),
      i < 9 ? kbd(String(i + 1)) : h("span", { class: "kbd-spacer", "aria-hidden": "true" }),
      h("span", { class: "reason-label" }, r.label),
      r.code === suggested ? h("span", { class: "tag" }, "suggested") : null,
      h("code", { class: "reason-code" }, r.code))));
}

/** 1–9 pick the nth reason (outside text fields). */
function reasonDigits(form, e) {
  if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || !/^[1-9]$/.test(e.key)) return false;
  const radio = $$("input[name=reason]", form)[Number(e.key) - 1];
  if (!radio) return false;
  e.preventDefault();
  radio.checked = true;
  radio.focus();
  radio.dispatchEvent(new Event("change", { bubbles: true }));
  return true;
}

/**
 * The decision dialog. ``actions``: the decisions offered (the first key press chose ``action``);
 * ``onSubmit({action, reason_code, note, next})`` returns a promise (rejects with ApiError).
 */
export function decideDialog({ action, actions, subject, suggested = {}, withNext = false, onSubmit }) {
  let current = action;
  const err = errorBox();
  const title = h("h2", { id: "decide-title" });
  const hint = h("p", { class: "hint", id: "decide-hint" });
  const actionGroup = actions.length > 1 ? h("fieldset", { class: "action-choice" },
    h("legend", {}, "Decision"),
    actions.map((a) => h("label", { class: `action-option act-${a}` },
      h("input", { type: "radio", name: "action", value: a, checked: a === action }),
      h("span", {}, ACTIONS[a].label), ACTIONS[a].key ? kbd(ACTIONS[a].key) : null))) : null;
  let reasons = reasonFieldset(action, null, suggested[action]);
  const note = h("textarea", { name: "note", id: "decide-note", rows: "2", maxlength: "5000" });
  const next = withNext ? h("input", { type: "checkbox", name: "next", id: "decide-next", checked: state.nextAfterDecide }) : null;
  const submit = h("button", { type: "submit", class: "primary", id: "decide-submit" });
  const form = h("form", { id: "decide-form", method: "dialog", novalidate: true },
    title, subject ? h("p", { class: "dialog-subject" }, subject) : null, hint, actionGroup, reasons,
    h("label", { class: "field", for: "decide-note" }, h("span", {}, "Note ", h("span", { class: "hint", id: "note-hint" }, "(optional)")), note),
    next ? h("label", { class: "check" }, next, h("span", {}, "Then open the next item in this queue "), kbd("n")) : null,
    err,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", class: "secondary", onclick: () => dlg.close() }, "Cancel ", kbd("Esc")),
      submit));
  const dlg = modal("decide-dialog", "decide-title", form);

  function sync() {
    const a = ACTIONS[current];
    title.textContent = `${a.label}: choose a reason`;
    hint.textContent = a.hint;
    clear(submit, `${a.label} `, kbd("Enter"));
    submit.className = `primary act-${current}`;
    $("#note-hint", form).textContent = current === "note" ? "(required)" : "(optional; required for “Other”)";
  }

  function setAction(a) {
    if (!actions.includes(a) || a === current) return;
    const chosen = $("input[name=reason]:checked", form)?.value;
    current = a;
    const radio = $(`input[name=action][value=${a}]`, form);
    if (radio) radio.checked = true;
    const fresh = reasonFieldset(a, chosen, suggested[a]);
    reasons.replaceWith(fresh);
    reasons = fresh;
    sync();
    focusReason();
  }

  function focusReason() {
    const r = $("input[name=reason]:checked", form) || $("input[name=reason]", form);
    r?.focus();
  }

  form.addEventListener("change", (e) => {
    if (e.target.name === "action") setAction(e.target.value);
    if (e.target.name === "next") state.nextAfterDecide = e.target.checked;
  });
  form.addEventListener("keydown", (e) => {
    if (e.ctrlKey && e.key === "Enter") { e.preventDefault(); form.requestSubmit(); return; }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || reasonDigits(form, e)) return;
    if (e.key === "Enter" && e.target.tagName !== "BUTTON") {
      e.preventDefault();
      form.requestSubmit();
    } else if (e.key === "n" && next) {
      e.preventDefault();
      next.checked = !next.checked;
      state.nextAfterDecide = next.checked;
    } else {
      const a = Object.keys(ACTIONS).find((k) => ACTIONS[k].key === e.key);
      if (a) { e.preventDefault(); setAction(a); }
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = $("input[name=reason]:checked", form)?.value;
    const text = note.value.trim();
    if (!reason) { err.textContent = "Choose a reason (1–9 or the arrow keys)."; focusReason(); return; }
    if ((reason === "other" || current === "note") && !text) {
      err.textContent = current === "note" ? "A note needs text." : "“Other” needs a note saying why.";
      note.focus();
      return;
    }
    err.textContent = "";
    setBusy(form, true);
    try {
      localStorage.setItem("civicmod.next", next?.checked ? "1" : "0");
      await onSubmit({ action: current, reason_code: reason, note: text || null, next: !!next?.checked });
      dlg.close();
    } catch (ex) {
      setBusy(form, false);
      if (ex.status === 409 || ex.status === 403 || ex.status === 404) dlg.close();
      else err.textContent = ex.message;
    }
  });
  sync();
  focusReason();
  return dlg;
}

/** Bulk decision: choose, preview the count, then confirm exactly that count. */
export function bulkDialog({ ids, onPreview, onDecide }) {
  const actions = ["hide", "publish", "escalate", "hold"];
  const err = errorBox();
  let action = "hide";
  let preview = null;
  const result = h("div", { class: "preview", id: "bulk-preview", "aria-live": "polite" });
  let reasons = reasonFieldset(action, null, null);
  const note = h("textarea", { name: "note", rows: "2", id: "bulk-note", maxlength: "5000" });
  const go = h("button", { type: "submit", class: "primary", id: "bulk-submit" }, "Preview");
  const form = h("form", { id: "bulk-form", method: "dialog", novalidate: true },
    h("h2", { id: "bulk-title" }, `Bulk decision on ${plural(ids.length, "selected item")}`),
    h("p", { class: "hint" }, `The count is checked first; at most ${state.me.bulk_max} items in one bulk decision. Delete and author restrictions are decided one by one.`),
    h("fieldset", { class: "action-choice" }, h("legend", {}, "Decision"),
      actions.map((a) => h("label", { class: `action-option act-${a}` },
        h("input", { type: "radio", name: "action", value: a, checked: a === action }), h("span", {}, ACTIONS[a].label)))),
    reasons,
    h("label", { class: "field", for: "bulk-note" }, h("span", {}, "Note (optional)"), note),
    result, err,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", class: "secondary", onclick: () => dlg.close() }, "Cancel"), go));
  const dlg = modal("bulk-dialog", "bulk-title", form);
  const reset = () => { preview = null; clear(result); clear(go, "Preview"); };
  form.addEventListener("keydown", (e) => reasonDigits(form, e));
  form.addEventListener("change", (e) => {
    if (e.target.name === "action") {
      action = e.target.value;
      const fresh = reasonFieldset(action, $("input[name=reason]:checked", form)?.value, null);
      reasons.replaceWith(fresh);
      reasons = fresh;
    }
    reset();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = $("input[name=reason]:checked", form)?.value;
    if (!reason) { err.textContent = "Choose a reason."; $("input[name=reason]", form)?.focus(); return; }
    err.textContent = "";
    setBusy(form, true);
    try {
      if (!preview) {
        preview = await onPreview({ item_ids: ids, action });
        const skipped = preview.skipped.length ? h("ul", { class: "skipped" },
          preview.skipped.slice(0, 8).map((s) => h("li", {}, `#${s.item}: ${s.why}`))) : null;
        clear(result,
          h("p", { class: "preview-count" }, h("strong", {}, plural(preview.count, "item")), ` will be decided (${ACTIONS[action].label.toLowerCase()}, ${reason}).`,
            preview.skipped.length ? ` ${plural(preview.skipped.length, "item")} will be left out:` : ""),
          skipped);
        if (preview.count > preview.max) {
          err.textContent = `That is more than the limit of ${preview.max}; select fewer items.`;
          preview = null;
        } else if (preview.count > 0) {
          clear(go, `Decide ${plural(preview.count, "item")}`);
        } else {
          preview = null;
        }
        setBusy(form, false);
        go.focus();
        return;
      }
      await onDecide({ item_ids: ids, action, reason_code: reason, note: note.value.trim() || null, confirm_count: preview.count });
      dlg.close();
    } catch (ex) {
      setBusy(form, false);
      err.textContent = ex.message;
      if (ex.status === 409) reset();
    }
  });
  $("input[name=reason]", form)?.focus();
  return dlg;
}

/** Staff record a citizen's appeal against a hidden comment. */
export function appealDialog({ item, onSubmit }) {
  const err = errorBox();
  const text = h("textarea", { id: "appeal-statement", name: "statement", rows: "5", required: true, maxlength: "10000" });
  const form = h("form", { id: "appeal-form", method: "dialog", novalidate: true },
    h("h2", { id: "appeal-title" }, "Record an appeal"),
    h("p", { class: "hint" }, "For a citizen who wrote in about their hidden comment. The item reopens in the Appeals queue; a different moderator decides it."),
    h("blockquote", { class: "quote" }, item.text),
    h("label", { class: "field", for: "appeal-statement" }, h("span", {}, "The citizen's statement (as they wrote it)"), text),
    err,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", class: "secondary", onclick: () => dlg.close() }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Record appeal")));
  const dlg = modal("appeal-dialog", "appeal-title", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!text.value.trim()) { err.textContent = "Enter the citizen's statement."; text.focus(); return; }
    setBusy(form, true);
    try { await onSubmit(text.value.trim()); dlg.close(); } catch (ex) { setBusy(form, false); err.textContent = ex.message; }
  });
  text.focus();
  return dlg;
}

/** Place a legal hold (records officers and leads): nothing in its scope may be deleted. */
export function holdDialog({ scope = "item", value = "", organisation = "", choices = null, onSubmit }) {
  const err = errorBox();
  const scopes = [["item", "This comment"], ["author", "Everything by this author"], ["account", "The whole account"]];
  const valueInput = h("input", { type: "text", id: "hold-value", name: "value", value, required: true });
  const form = h("form", { id: "hold-form", method: "dialog", novalidate: true },
    h("h2", { id: "hold-title" }, "Place a legal hold"),
    h("p", { class: "hint" }, "While a hold is active nothing in its scope can be deleted (hide still works). Holds are recorded in the audit trail."),
    h("fieldset", { class: "action-choice" }, h("legend", {}, "Scope"),
      scopes.map(([s, label]) => h("label", { class: "check" },
        h("input", { type: "radio", name: "scope", value: s, checked: s === scope }), h("span", {}, label)))),
    h("label", { class: "field", for: "hold-value" }, h("span", {}, "Comment id, platform:author id, or account id"), valueInput),
    h("label", { class: "field", for: "hold-reason" }, h("span", {}, "Reason (e.g. the FOI request's reference)"),
      h("textarea", { id: "hold-reason", name: "reason", rows: "2", required: true, maxlength: "2000" })),
    h("label", { class: "field", for: "hold-org" }, h("span", {}, "Organisation"),
      h("input", { type: "text", id: "hold-org", name: "organisation", value: organisation })),
    err,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", class: "secondary", onclick: () => dlg.close() }, "Cancel"),
      h("button", { type: "submit", class: "primary" }, "Place hold")));
  const dlg = modal("hold-dialog", "hold-title", form);
  form.addEventListener("change", (e) => {
    if (e.target.name === "scope" && choices) valueInput.value = choices[e.target.value] || "";
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    if (!data.value.trim() || !data.reason.trim()) { err.textContent = "A hold needs what it covers and a reason."; return; }
    setBusy(form, true);
    try {
      await onSubmit({ scope: data.scope, value: data.value.trim(), reason: data.reason.trim(), organisation: data.organisation.trim() || null });
      dlg.close();
    } catch (ex) { setBusy(form, false); err.textContent = ex.message; }
  });
  (value ? $("#hold-reason", form) : valueInput).focus();
  return dlg;
}

/** A yes/no question; resolves true when confirmed. */
export function confirmDialog(title, body, yes = "Confirm") {
  return new Promise((resolve) => {
    let answer = false;
    const form = h("form", { method: "dialog" },
      h("h2", { id: "confirm-title" }, title), h("p", {}, body),
      h("div", { class: "dialog-buttons" },
        h("button", { type: "button", class: "secondary", onclick: () => dlg.close() }, "Cancel"),
        h("button", { type: "submit", class: "primary", onclick: () => { answer = true; } }, yes)));
    const dlg = modal("confirm-dialog", "confirm-title", form);
    dlg.addEventListener("close", () => resolve(answer));
    $("button.primary", form).focus();
  });
}

const SHORTCUTS = [
  ["Everywhere", [["?", "This help"], ["g q", "Queues"], ["g a", "Audit trail (records officers, admins)"],
    ["g h", "Legal holds"], ["g u", "Users and roles (admins)"], ["g r", "Needs a reply (comms staff)"], ["g o", "Operations"], ["Esc", "Close a dialog / back to the list"]]],
  ["Queue list", [["j / k", "Next / previous item"], ["Enter or o", "Open the item (claims it)"], ["J / K", "Next / previous queue"],
    ["s", "Start reviewing: claim the most urgent item of this queue"],
    ["a  h  e", "Approve / hide / escalate the selected item"], ["u", "Undo your last decision"],
    ["x", "Tick the item for a bulk decision (leads)"], ["b", "Bulk decision on the ticked items"]]],
  ["Item", [["a", "Approve (publish)"], ["h", "Hide (the default removal)"], ["e", "Escalate to a lead"],
    ["n", "Decide-and-next on/off: after deciding, claim and open the next item"], ["u", "Undo your last decision (within the window)"],
    ["j / k", "Next / previous item in the list"], ["c", "Claim (again)"], ["r", "Release the claim"], ["q or Esc", "Back to the list"]]],
  ["In the decision dialog", [["1–9 or ↑ ↓", "Choose the reason"], ["a  h  e", "Change the decision"], ["n", "Then open the next item"],
    ["Enter", "Decide"], ["Ctrl+Enter", "Decide from the note field"], ["Esc", "Cancel"]]],
];

export function helpDialog() {
  const form = h("form", { method: "dialog", class: "help" },
    h("h2", { id: "help-title" }, "Keyboard shortcuts"),
    h("div", { class: "help-grid" }, SHORTCUTS.map(([group, rows]) => h("section", {},
      h("h3", {}, group),
      h("dl", {}, rows.map(([k, d]) => [h("dt", {}, k.split(/\s{2}| /).filter((x) => x && x !== "/" && x !== "or").map((x) => h("kbd", {}, x))), h("dd", {}, d)]))))),
    h("div", { class: "dialog-buttons" }, h("button", { type: "submit", class: "primary" }, "Close")));
  const dlg = modal("help-dialog", "help-title", form);
  $("button", form).focus();
  return dlg;
}
