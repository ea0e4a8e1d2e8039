"""The report's HTML page (Jinja2, autoescaped; the charts are inline SVG made here)."""
# ruff: noqa: E501  (HTML reads better one row per line)

TEMPLATE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Moderation transparency report — {{ title }} — {{ s.start }} to {{ s.end }}</title>
<style>
  :root { --ink:#1d2330; --muted:#5b6270; --line:#d9dde3; --band:#f4f6f8; --accent:#1d4e89; }
  * { box-sizing: border-box; }
  body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
         color:var(--ink); background:#fff; }
  header.masthead { background:var(--accent); color:#fff; padding:28px 0 22px; }
  .wrap { max-width: 1040px; margin: 0 auto; padding: 0 28px; }
  .kicker { text-transform:uppercase; letter-spacing:.08em; font-size:12px; opacity:.85; margin:0 0 6px; }
  h1 { font-size:30px; line-height:1.2; margin:0 0 8px; }
  .meta { margin:0; font-size:14px; opacity:.92; }
  h2 { font-size:21px; margin:40px 0 6px; padding-top:14px; border-top:3px solid var(--accent); }
  h3 { font-size:16px; margin:22px 0 6px; }
  p.lead { color:var(--muted); margin:0 0 14px; max-width: 760px; }
  .cards { display:grid; grid-template-columns: repeat(4, 1fr); gap:12px; margin:22px 0 4px; }
  .card { background:var(--band); border-left:4px solid var(--accent); padding:12px 14px; }
  .card b { display:block; font-size:26px; line-height:1.1; }
  .card span { font-size:13px; color:var(--muted); }
  table { border-collapse:collapse; width:100%; margin:8px 0 4px; font-size:14px; }
  th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
  th { background:var(--band); font-weight:600; font-size:13px; }
  td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
  td.num { white-space:nowrap; }
  tr.total td { font-weight:600; border-top:2px solid var(--ink); }
  .chart { margin:10px 0 4px; }
  .chart svg { max-width:100%; height:auto; }
  .two { display:grid; grid-template-columns: 1fr 1fr; gap:24px; }
  .tag { display:inline-block; font-size:12px; padding:1px 7px; border-radius:9px; background:#e7f0fb; color:var(--accent); }
  .tag.up { background:#fdecea; color:#9b1c1c; }
  .tag.new { background:#fff4d6; color:#7a4b00; }
  .muted { color:var(--muted); }
  .terms { display:grid; grid-template-columns: repeat(2, 1fr); gap:18px; }
  .box { border:1px solid var(--line); padding:10px 14px 6px; }
  .box h3 { margin-top:4px; }
  ol.terms-list { margin:6px 0 8px 20px; padding:0; }
  ol.terms-list li { margin:2px 0; }
  footer { margin:48px 0 32px; padding-top:14px; border-top:1px solid var(--line); color:var(--muted); font-size:13px; }
  dl.notes dt { font-weight:600; margin-top:10px; }
  dl.notes dd { margin:2px 0 0 0; color:var(--muted); max-width: 820px; }
  @media print { header.masthead { background:#fff; color:var(--ink); border-bottom:3px solid var(--accent); } h2 { break-after: avoid; } }
</style>
</head>
<body>
<header class="masthead"><div class="wrap">
  <p class="kicker">Moderation transparency report</p>
  <h1>{{ title }}</h1>
  <p class="meta">Period <b>{{ s.start.strftime("%-d %B %Y") }}</b> to <b>{{ s.end.strftime("%-d %B %Y") }}</b>
  {% if s.organisation and not s.account %} · organisation <b>{{ s.organisation }}</b>{% endif %}
  · {{ f.accounts|length }} account{{ "" if f.accounts|length == 1 else "s" }}
  · published {{ r.generated_at.strftime("%-d %B %Y, %H:%M UTC") }}</p>
</div></header>

<main class="wrap">
<section class="cards" aria-label="Summary">
  <div class="card"><b>{{ received|n }}</b><span>comments received</span></div>
  <div class="card"><b>{{ o.outcomes.get("publish", 0)|n }}</b><span>published straight away ({{ share(o.outcomes.get("publish", 0)) }})</span></div>
  <div class="card"><b>{{ o.outcomes.get("hide", 0)|n }}</b><span>hidden automatically ({{ share(o.outcomes.get("hide", 0)) }})</span></div>
  <div class="card"><b>{{ o.outcomes.get("escalate", 0)|n }}</b><span>sent to a moderator ({{ share(o.outcomes.get("escalate", 0)) }})</span></div>
  <div class="card"><b>{{ r.statements|length|n }}</b><span>statements of reasons (hides and removals)</span></div>
  <div class="card"><b>{{ o.appeals_total|n }}</b><span>appeals answered, {{ o.appeals.get("reversed", 0)|n }} reversed</span></div>
  <div class="card"><b>{{ duration(o.time_to_action.quantile(0.5)) }}</b><span>median time to action on the platform</span></div>
  <div class="card"><b>{{ rate(o.response_rate) }}</b><span>of citizens' questions answered ({{ o.answered|n }} of {{ o.needs_reply|n }})</span></div>
</section>

<h2>Comments received</h2>
<p class="lead">Every comment on the accounts below is checked against the published moderation policy
as it arrives. Most are published at once; comments that may break a house rule go to a moderator;
a few that clearly break one (threats, personal data, scams) are hidden automatically.</p>
{% if chart_daily %}<div class="chart" role="img" aria-label="Comments per day by outcome">{{ chart_daily|safe }}</div>{% endif %}

<h3>By account and platform</h3>
<table>
<thead><tr><th>Account</th><th>Platform</th><th>Organisation</th><th class="num">Received</th><th class="num">Published</th>
<th class="num">Hidden</th><th class="num">To a moderator</th><th class="num">Decided automatically</th><th class="num">Decided by a moderator</th></tr></thead>
<tbody>
{% for a in accounts %}{% set t = a.totals %}
<tr><td>{{ a.account_id }}</td><td>{{ a.platform }}</td><td>{{ a.organisation }}</td><td class="num">{{ t.received|n }}</td>
<td class="num">{{ t.outcomes.get("publish", 0)|n }}</td><td class="num">{{ t.outcomes.get("hide", 0)|n }}</td>
<td class="num">{{ t.outcomes.get("escalate", 0)|n }}</td><td class="num">{{ t.decided_by.get("automated", 0)|n }}</td>
<td class="num">{{ t.decided_by.get("human", 0)|n }}</td></tr>
{% endfor %}
<tr class="total"><td>All accounts</td><td></td><td></td><td class="num">{{ received|n }}</td><td class="num">{{ o.outcomes.get("publish", 0)|n }}</td>
<td class="num">{{ o.outcomes.get("hide", 0)|n }}</td><td class="num">{{ o.outcomes.get("escalate", 0)|n }}</td>
<td class="num">{{ automated|n }}</td><td class="num">{{ human|n }}</td></tr>
</tbody></table>

<h2>Why comments were hidden or sent to a moderator</h2>
<p class="lead">By the rule of the moderation policy (or the model score) that applied. A comment can
meet more than one rule, so these add up to more than the comments hidden or escalated.</p>
{% if reasons %}
<div class="chart" role="img" aria-label="Comments by reason">{{ chart_reasons|safe }}</div>
<table>
<thead><tr><th>Rule or reason</th><th class="num">Hidden</th><th class="num">To a moderator</th><th class="num">Published</th></tr></thead>
<tbody>
{% for reason, by in reasons %}
<tr><td><code>{{ reason }}</code></td><td class="num">{{ by.get("hide", 0)|n }}</td><td class="num">{{ by.get("escalate", 0)|n }}</td><td class="num">{{ by.get("publish", 0)|n }}</td></tr>
{% endfor %}
</tbody></table>
{% else %}<p class="muted">No comment was hidden or escalated in this period.</p>{% endif %}

<h2>Automated and human decisions</h2>
<div class="two">
<div>
<p class="lead">Final decisions: made by the pipeline alone (published or hidden automatically), or by a
moderator after review.</p>
{% if chart_decided %}<div class="chart" role="img" aria-label="Automated and moderator decisions">{{ chart_decided|safe }}</div>{% endif %}
<table>
<tr><td>Decided automatically</td><td class="num">{{ automated|n }}</td><td class="num">{{ pct(automated, automated + human) }}</td></tr>
<tr><td>Decided by a moderator</td><td class="num">{{ human|n }}</td><td class="num">{{ pct(human, automated + human) }}</td></tr>
</table>
</div>
<div>
<h3>Moderators' decisions</h3>
<table>
<thead><tr><th>Decision</th><th class="num">Count</th></tr></thead>
<tbody>
{% for action, n in o.decisions|dictsort %}<tr><td>{{ action }}</td><td class="num">{{ n|n }}</td></tr>
{% else %}<tr><td colspan="2" class="muted">none</td></tr>{% endfor %}
</tbody></table>
<table>
<tr><td>Median time from escalation to a moderator's decision</td><td class="num">{{ duration(o.decision_time.quantile(0.5)) }}</td></tr>
<tr><td>Median time from comment to the action on the platform</td><td class="num">{{ duration(o.time_to_action.quantile(0.5)) }}</td></tr>
<tr><td>Median time from comment to automatic verdict</td><td class="num">{{ duration(o.latency.quantile(0.5)) }}</td></tr>
</table>
</div>
</div>

<h2>Appeals and reversals</h2>
<p class="lead">Anyone whose comment was hidden can appeal. How often moderators overturned an automatic
decision tells the policy owner which rules need work.</p>
<table>
<tr><td>Appeals answered</td><td class="num">{{ o.appeals_total|n }}</td></tr>
<tr><td>Decision upheld</td><td class="num">{{ o.appeals.get("upheld", 0)|n }}</td></tr>
<tr><td>Decision reversed (comment restored)</td><td class="num">{{ o.appeals.get("reversed", 0)|n }}</td></tr>
</table>
<h3>Automatic decisions reviewed by moderators, per rule</h3>
<table>
<thead><tr><th>Rule or model label</th><th class="num">Reviewed</th><th class="num">Overturned</th><th class="num">Reversal rate</th></tr></thead>
<tbody>
{% for rule, ov in overturns %}
<tr><td><code>{{ rule }}</code></td><td class="num">{{ ov.reviewed|n }}</td><td class="num">{{ ov.overturned|n }}</td><td class="num">{{ pct(ov.overturned, ov.reviewed) }}</td></tr>
{% else %}<tr><td colspan="4" class="muted">No automatic decision was reviewed in this period.</td></tr>{% endfor %}
</tbody></table>

<h2>Two-way engagement</h2>
<p class="lead">Comments that ask the agency a question or report a problem need a reply. Response rate:
the share answered by the account; first response: from the question to the account's first reply.</p>
<table>
<thead><tr><th>Account</th><th class="num">Need a reply</th><th class="num">Answered</th><th class="num">Response rate</th>
<th class="num">First response, median</th><th class="num">90th percentile</th><th class="num">Unanswered</th><th class="num">Replies posted</th></tr></thead>
<tbody>
{% for a in accounts %}{% set t = a.totals %}
<tr><td>{{ a.account_id }}</td><td class="num">{{ t.needs_reply|n }}</td><td class="num">{{ t.answered|n }}</td><td class="num">{{ rate(t.response_rate) }}</td>
<td class="num">{{ duration(t.first_response.quantile(0.5)) }}</td><td class="num">{{ duration(t.first_response.quantile(0.9)) }}</td>
<td class="num">{{ t.unanswered|n }}</td><td class="num">{{ t.replies|n }}</td></tr>
{% endfor %}
<tr class="total"><td>All accounts</td><td class="num">{{ o.needs_reply|n }}</td><td class="num">{{ o.answered|n }}</td><td class="num">{{ rate(o.response_rate) }}</td>
<td class="num">{{ duration(o.first_response.quantile(0.5)) }}</td><td class="num">{{ duration(o.first_response.quantile(0.9)) }}</td>
<td class="num">{{ o.unanswered|n }}</td><td class="num">{{ o.replies|n }}</td></tr>
</tbody></table>

<h2>What citizens are talking about</h2>
<p class="lead">The most used words and phrases in comments to each account in the last week of the period
({{ week }}), and those rising most against the week before ({{ last_week }}).
Only terms used by at least three different people are shown.</p>
<div class="terms">
{% for t in r.trends %}
<div class="box">
<h3>{{ t.account_id }}</h3>
<p class="muted">{{ t.comments_this_week|n }} comments this week, {{ t.comments_last_week|n }} the week before</p>
{% if t.top %}
<b>Top topics</b>
<ol class="terms-list">
{% for term in t.top %}<li>{{ term.term }} <span class="muted">({{ term.this_week }} comments)</span>
{% if term.rising and term.is_new %} <span class="tag new">new</span>{% elif term.rising %} <span class="tag up">rising ×{{ "%.1f"|format(term.lift) }}</span>{% endif %}</li>
{% endfor %}</ol>
{% if t.rising %}<b>Rising</b>
<p>{% for term in t.rising %}<span class="tag up">{{ term.term }} {{ term.last_week }} → {{ term.this_week }}</span> {% endfor %}</p>{% endif %}
{% else %}<p class="muted">Too few comments for a topic this week.</p>{% endif %}
</div>
{% else %}<p class="muted">No comments in the last two weeks of the period.</p>{% endfor %}
</div>

<h2>Statements of reasons</h2>
<p class="lead">One statement per comment hidden or removed, with the fields of the EU Digital Services Act
Transparency Database (<code>statements.jsonl</code> beside this report). They name the house rule
applied and how the decision was taken; they hold no personal data.</p>
<div class="two">
<table>
<thead><tr><th>Category</th><th class="num">Statements</th></tr></thead>
<tbody>{% for c, n in by_category %}<tr><td>{{ category_name(c) }}</td><td class="num">{{ n|n }}</td></tr>
{% else %}<tr><td colspan="2" class="muted">none</td></tr>{% endfor %}</tbody></table>
<table>
<thead><tr><th>How the decision was taken</th><th class="num">Statements</th></tr></thead>
<tbody>{% for c, n in by_automation %}<tr><td>{{ automation_name[c] }}</td><td class="num">{{ n|n }}</td></tr>{% endfor %}
{% for c, n in by_ground %}<tr><td>Ground: {{ enum_name(c) }}</td><td class="num">{{ n|n }}</td></tr>{% endfor %}</tbody></table>
</div>

<h2>Messages that could not be processed</h2>
<table>
<thead><tr><th>Reason</th><th class="num">Messages</th></tr></thead>
<tbody>{% for reason, n in o.deadletters|dictsort %}<tr><td><code>{{ reason }}</code></td><td class="num">{{ n|n }}</td></tr>
{% else %}<tr><td colspan="2" class="muted">none</td></tr>{% endfor %}</tbody></table>

<h2>Method</h2>
<dl class="notes">
<dt>Source</dt><dd>Daily counts written by civicmod's metrics service (topic <code>moderation.metrics.daily</code>, {{ f.records|n }} account-days), the
verdicts of the moderation pipeline and the moderators' decisions. A comment is counted on the day it reached civicmod, once, however often it was re-processed.</dd>
<dt>Policy</dt><dd>Moderation policy version{{ "" if r.policy_versions|length == 1 else "s" }} in force: {{ r.policy_versions|join(", ") if r.policy_versions else "not recorded" }}.</dd>
<dt>Times</dt><dd>Medians and percentiles are read from duration buckets (50 ms to 30 days) and shown as the upper bound of the bucket they fall in (“≤ 5 min”).</dd>
<dt>Decided automatically</dt><dd>Published or hidden by the pipeline with no person involved. A hide by a moderator after a rule or the model flagged the comment counts as a moderator's decision, and its statement of reasons as partly automated.</dd>
<dt>Topics</dt><dd>Words and two-word phrases weighted by TF-IDF over the week's published and escalated comments; common words, numbers, links, e-mail addresses, handles and the authors' names are left out.</dd>
{% if r.unreadable or r.statement_errors %}<dt>Data quality</dt><dd>
{% for k, n in r.unreadable|dictsort %}{{ n }} unreadable record{{ "" if n == 1 else "s" }} ({{ k }}) skipped. {% endfor %}
{% for k, n in r.statement_errors|dictsort %}{{ n }} {{ k }} statement{{ "" if n == 1 else "s" }} could not be written. {% endfor %}</dd>{% endif %}
</dl>
<footer>Generated by <code>civicmod report</code> on {{ r.generated_at.strftime("%Y-%m-%d %H:%M UTC") }}. Figures: <code>report.csv</code>; statements of reasons: <code>statements.jsonl</code>.</footer>
</main>
</body>
</html>
"""
