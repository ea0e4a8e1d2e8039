// The ops page (/ops): throughput, decisions, latency, dead letters, platform actions, queues and
// SLA, and engagement, from the metrics service's aggregates (GET /api/ops), in the user's scopes.
import * as api from "./api.js";
import { compact, duration, hbars, legend, lines, stackedBars } from "./charts.js";
import { $, PLATFORMS, age, clear, h, plural, stamp } from "./dom.js";
import { state } from "./state.js";

const RANGES = [["hour", "Last hour"], ["day", "Last 24 hours"], ["month", "Last 30 days"]];
const OUTCOMES = [
  { name: "publish", label: "Published", cls: "c-ok" },
  { name: "escalate", label: "Escalated", cls: "c-warn" },
  { name: "hide", label: "Hidden", cls: "c-bad" },
];
const ACTION_CLS = { done: "c-ok", dry_run: "c-info", failed: "c-bad", skipped: "c-warn" };
const DECISION_CLS = { publish: "c-ok", hide: "c-bad", delete: "c-bad", restrict_author: "c-bad", escalate: "c-warn", hold: "c-warn", note: "c-info" };

const HM = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
const DM = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" });

function label(range) {
  return range === "month" ? (iso) => DM.format(new Date(iso)) : (iso) => HM.format(new Date(iso));
}

function panel(id, title, sub, ...body) {
  return h("section", { class: "panel ops-panel", id, "aria-labelledby": `${id}-title` },
    h("header", { class: "ops-panel-head" }, h("h2", { id: `${id}-title` }, title), sub ? h("span", { class: "hint" }, sub) : null),
    ...body);
}

function stat(name, value, note, tone) {
  return h("div", { class: `stat${tone ? ` ${tone}` : ""}` }, h("span", { class: "stat-name" }, name),
    h("span", { class: "stat-value" }, value), note ? h("span", { class: "stat-note" }, note) : null);
}

const sum = (xs) => xs.reduce((a, b) => a + (b || 0), 0);
const pct = (x) => (x === null || x === undefined ? "–" : `${Math.round(x * 100)} %`);

function groupActions(actions, n) {
  // "hide.done", "hide.failed", ... → by status (done / failed / skipped / dry run)
  const by = {};
  for (const [key, values] of Object.entries(actions)) {
    const status = key.split(".").pop();
    by[status] = by[status] || Array(n).fill(0);
    values.forEach((v, i) => { by[status][i] += v; });
  }
  return ["done", "dry_run", "skipped", "failed"].filter((st) => by[st]).map((st) => ({
    name: st, label: st.replace("_", " "), values: by[st], cls: ACTION_CLS[st] }));
}

export async function showOps(main) {
  const range = state.opsRange || "hour";
  const f = await api.get("/api/ops", { range });
  state.opsAt = Date.now();
  const when = label(range);
  const n = f.buckets.length;
  const t = f.throughput;
  const outcomeSeries = OUTCOMES.map((o) => ({ ...o, values: t[o.name] || Array(n).fill(0) }));
  const comments = sum(outcomeSeries.flatMap((o) => o.values));
  const hidden = sum(t.hide || []);
  const escalated = sum(t.escalate || []);
  const deadTotal = sum(f.deadletters.total);
  const failures = Object.entries(f.action_totals).filter(([k]) => k.endsWith(".failed")).reduce((a, [, v]) => a + v, 0);
  const actionsTotal = sum(Object.values(f.action_totals));
  const e = f.engagement;
  const windowName = { "1m": "1-minute", "1h": "1-hour", "1d": "1-day" }[f.window];

  const switcher = h("div", { class: "segmented", role: "group", "aria-label": "Time range" },
    RANGES.map(([value, text]) => h("button", {
      type: "button", class: value === range ? "seg on" : "seg", "aria-pressed": value === range ? "true" : "false",
      dataset: { range: value }, onclick: () => { state.opsRange = value; showOps(main).then(() => $(`[data-range=${value}]`)?.focus()); },
    }, text)));

  const decisions = Object.entries(f.decision_totals).sort((a, b) => b[1] - a[1]);
  const who = f.decided_by || {};
  const queues = (f.queues || []).filter((q) => q.count > 0);

  clear(main, h("div", { class: "page ops", id: "ops-page" },
    h("header", { class: "page-head" },
      h("div", {},
        h("h1", { id: "page-title", tabindex: "-1" }, "Operations"),
        h("p", { class: "summary" }, `${RANGES.find((r) => r[0] === range)[1]} in ${windowName} windows · `,
          f.updated_at ? `figures from the metrics service, updated ${stamp(f.updated_at)}` : "no figures from the metrics service yet")),
      h("div", { class: "head-tools" }, switcher)),
    h("div", { class: "stats", id: "ops-stats" },
      stat("Comments", compact(comments), `${pct(comments ? hidden / comments : null)} hidden · ${pct(comments ? escalated / comments : null)} escalated`),
      stat("Latency p50 / p99", `${duration(f.latency.total_p50)} / ${duration(f.latency.total_p99)}`, "received → verdict"),
      stat("Dead letters", compact(deadTotal), Object.keys(f.deadletters.by_reason).length ? Object.entries(f.deadletters.by_reason).map(([k, v]) => `${k} ${v}`).join(", ") : "none", deadTotal ? "warn" : null),
      stat("Platform actions", compact(actionsTotal), failures ? `${failures} failed` : "none failed", failures ? "bad" : null),
      stat("Response rate", pct(e.response_rate), `${e.total_answered} of ${e.total_needs_reply} questions answered`),
      stat("First response p50 / p90", `${duration(e.first_response_p50_s)} / ${duration(e.first_response_p90_s)}`, `${plural(e.unanswered, "question")} waiting now`, e.unanswered ? "warn" : null)),
    h("div", { class: "ops-grid" },
      panel("ops-throughput", "Throughput", "comments per window, by outcome",
        stackedBars({ buckets: f.buckets, series: outcomeSeries, label: `Comments per window: ${comments} in all`, when }),
        legend(outcomeSeries)),
      panel("ops-latency", "Latency", "received → verdict, per window (log scale)",
        lines({ buckets: f.buckets, log: true, fmt: duration, label: "Latency p50 and p99 per window", when, series: [
          { label: "p50", values: f.latency.p50, cls: "c-main" }, { label: "p99", values: f.latency.p99, cls: "c-hot" }] }),
        legend([{ label: "p50", cls: "c-main" }, { label: "p99", cls: "c-hot" }])),
      panel("ops-decisions", "Decisions", `moderators' decisions; time to decide p50 ${duration(f.latency.decision_p50)}, p90 ${duration(f.latency.decision_p90)}`,
        decisions.length || who.automated || who.human
          ? hbars({ label: "Decisions by action, and automated versus human", rows: [
            ...(who.automated || who.human ? [
              { label: "Automated (pipeline)", value: who.automated || 0, cls: "c-info" },
              { label: "Human (moderators)", value: who.human || 0, cls: "c-main" }] : []),
            ...decisions.map(([k, v]) => ({ label: k.replace("_", " "), value: v, cls: DECISION_CLS[k] || "c-main" }))] })
          : h("p", { class: "muted empty-chart" }, "No decisions in this range.")),
      panel("ops-deadletters", "Dead letters", "messages no stage could accept",
        stackedBars({ buckets: f.buckets, label: `Dead letters per window: ${deadTotal} in all`, when, height: 150,
          series: [{ name: "dead", label: "Dead letters", values: f.deadletters.total, cls: "c-bad" }] })),
      panel("ops-actions", "Platform actions", "what the actuator carried out, by result",
        (() => {
          const series = groupActions(f.actions, n);
          return series.length
            ? [stackedBars({ buckets: f.buckets, series, label: `Platform actions per window: ${actionsTotal}`, when, height: 150 }), legend(series)]
            : h("p", { class: "muted empty-chart" }, "No platform actions in this range.");
        })()),
      panel("ops-queues", "Queues and SLA", "open now; the red part is past its target",
        queues.length
          ? hbars({ label: "Open items per queue, and how many are overdue", rows: queues.map((q) => ({
            label: q.label, value: q.count, part: q.overdue,
            note: `${q.count} open${q.overdue ? `, ${q.overdue} late` : ""}`, cls: "c-main" })) })
          : h("p", { class: "muted empty-chart" }, state.me && (f.queues || []).length ? "All queues are empty." : "No moderation queues in your scope.")),
      panel("ops-engagement", "Engagement", `citizens' questions and problem reports; silent: no reply in ${e.silent_days} days`,
        h("div", { class: "eng-grid" },
          h("div", {},
            stackedBars({ buckets: f.buckets, label: "Questions per window, answered and not", when, height: 170, series: [
              { name: "answered", label: "Answered", values: e.answered, cls: "c-ok" },
              { name: "waiting", label: "Not answered", values: e.needs_reply.map((q, i) => Math.max(0, q - e.answered[i])), cls: "c-warn" }] }),
            legend([{ label: "Answered", cls: "c-ok" }, { label: "Not answered", cls: "c-warn" }])),
          accountsTable(e))),
    )));
}

function accountsTable(e) {
  if (!e.accounts.length) return h("p", { class: "muted" }, "No questions in this range.");
  return h("table", { class: "grid-table ops-accounts", id: "ops-accounts" },
    h("caption", { class: "sr-only" }, "Engagement per account"),
    h("thead", {}, h("tr", {}, ["Account", "Questions", "Answered", "First reply p50 / p90", "Waiting", "Last reply"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, e.accounts.map((a) => h("tr", { class: a.silent ? "silent" : null, dataset: { account: a.account_id } },
      h("td", {}, h("span", { class: "acct" }, a.account_id),
        h("span", { class: "acct-meta" }, PLATFORMS[a.platform] || a.platform || "", a.silent ? h("span", { class: "badge overdue" }, "Silent") : null)),
      h("td", { class: "num" }, compact(a.needs_reply)),
      h("td", { class: "num" }, a.needs_reply ? `${compact(a.answered)} (${pct(a.response_rate)})` : "–"),
      h("td", { class: "num" }, `${duration(a.first_response_p50_s)} / ${duration(a.first_response_p90_s)}`),
      h("td", { class: "num" }, String(a.unanswered)),
      h("td", { class: "nowrap" }, a.last_reply_at ? `${age((Date.now() - new Date(a.last_reply_at)) / 1000)} ago` : "never")))));
}
