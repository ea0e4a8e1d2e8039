// Deciding: the dialog, the request, what a conflict says, undo.
import * as api from "./api.js";
import { decideDialog } from "./dialogs.js";
import { ACTIONS, h, kbd, time } from "./dom.js";
import { announce, hideError, showError, state } from "./state.js";

const SUGGEST = {
  threat: "threat", incitement: "threat", abuse: "harassment", repeat_offender: "harassment", hate: "hate",
  personal_data: "personal_data", scam: "scam", spam: "spam", campaign: "spam", flooding: "spam",
  impersonation: "impersonation", profanity: "profanity", sexual: "sexual_content",
};

/** The reason each decision would most likely take, from the labels of the rules that fired. */
export function suggestions(labels) {
  const removal = labels.map((l) => SUGGEST[l]).find(Boolean) || null;
  return {
    hide: removal, delete: removal, hold: removal, restrict_author: removal,
    escalate: "needs_lead", publish: labels.includes("records_request") ? "foi_logged" : null,
  };
}

/** What a 409 says, in words: who got there first, and when. */
export function conflictMessage(body) {
  if (body.decided_by || body.state === "decided") {
    const what = body.decision ? ` (${(ACTIONS[body.decision]?.past || body.decision).toLowerCase()})` : "";
    return `Already decided by ${body.decided_by || "someone else"}${body.decided_at ? ` at ${time(body.decided_at)}` : ""}${what}. Your decision was not recorded.`;
  }
  if (body.claimed_by) {
    return `Claimed by ${body.claimed_by}${body.lease_until ? ` until ${time(body.lease_until)}` : ""}: they are working on this item. Your decision was not recorded.`;
  }
  if (body.undone_by) return "That decision was already undone.";
  if (body.state && body.state !== "open") return `This item is no longer open (${body.state.replace(/_/g, " ")}). ${body.detail || ""}`;
  return body.detail || "Someone else changed this item first.";
}

export function reportDecisionError(ex) {
  if (ex.status === 409) showError(conflictMessage(ex.body), { title: "Someone got there first" });
  else if (ex.status === 403) showError(`${ex.message}. Your role does not allow this here.`, { title: "Not allowed" });
  else if (ex.status === 404) showError(ex.message, { title: "Not found" });
}

function reasonLabel(code) {
  return state.me.reason_codes.find((r) => r.code === code)?.label || code;
}

/**
 * Open the decision dialog for ``item`` (a list row or the open card) and send the decision.
 * ``after(out, body)`` runs once it is recorded.
 */
export function decide(item, action, { actions, withNext = false, after }) {
  if (!actions.includes(action)) {
    announce(actions.length ? `${ACTIONS[action].label} is not open to you for this item.` : "View only: your role cannot decide items here.");
    return null;
  }
  return decideDialog({
    action, actions, withNext,
    subject: `“${item.text.length > 140 ? `${item.text.slice(0, 140)}…` : item.text}” — ${item.author}`,
    suggested: suggestions(item.labels || []),
    onSubmit: async (body) => {
      hideError();
      let out;
      try {
        out = await api.post(`/api/items/${item.id}/decide`, body);
      } catch (ex) {
        reportDecisionError(ex);
        if (ex.status === 409 || ex.status === 403 || ex.status === 404) after?.(null, body, ex);
        throw ex;
      }
      state.lastDecision = { id: out.decision_id, item: item.id, action: body.action, at: Date.now() };
      const undo = body.action === "delete" || body.action === "restrict_author" ? null
        : h("button", { type: "button", class: "link", id: "undo-button", onclick: () => undoLast() }, "Undo ", kbd("u"));
      announce(`${ACTIONS[body.action].past}: ${reasonLabel(body.reason_code)}.`, { action: undo, tone: "ok" });
      after?.(out, body, null);
    },
  });
}

export async function undoLast() {
  const last = state.lastDecision;
  if (!last) { announce("No decision of yours to undo in this session."); return; }
  if (Date.now() - last.at > state.me.undo_window_s * 1000) {
    announce(`The undo window (${Math.round(state.me.undo_window_s / 60)} min) has passed; a lead can still reverse it.`);
    return;
  }
  try {
    await api.post(`/api/decisions/${last.id}/undo`);
    state.lastDecision = null;
    announce(`Undone: the ${ACTIONS[last.action].label.toLowerCase()} decision is reversed and the item is back in its queue.`, { tone: "ok" });
    window.dispatchEvent(new CustomEvent("civicmod:changed", { detail: { id: last.item } }));
  } catch (ex) {
    if (ex.status === 409) showError(conflictMessage(ex.body), { title: "Cannot undo" });
    else showError(ex.message, { title: "Cannot undo" });
  }
}
