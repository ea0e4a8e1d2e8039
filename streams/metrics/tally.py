"""The aggregation itself, without Kafka: facts in (each once, by identity), windowed
``Aggregate`` records out.

A window's record is computed from the facts placed in it whenever the window changed, never
updated piecemeal, so the result depends only on the *set* of distinct facts: neither their order
(a decision read before its verdict, topics read in any interleaving) nor repeats (a redelivered
verdict, a replayed topic) change it. What depends on two records is joined when both are known:

- a decision or an action belongs with its comment: counted in the window of the verdict it
  decides (decision: the comment version it names; action: the newest version received before
  it), or by its own time while that verdict is unknown (it moves once the verdict arrives);
- ``decided_by``: ``human`` when a moderator made a final decision (publish, hide, delete) on the
  version, else ``automated`` when the pipeline published or hid it (an undecided escalation
  counts in neither);
- ``decision_time``: verdict ``decided_at`` → the first moderator decision on an escalation
  (appeals excluded);
- ``overturns``: for the rules that decided automatically (hide reasons; the routing rule of a
  held escalation), ``reviewed`` once a moderator made a final decision, ``overturned`` when the
  latest final decision publishes the comment;
- ``appeals``: an appeal decision is ``reversed`` when it changes the comment's visibility from
  what it was before (the previous final decision, else the verdict), else ``upheld``;
- ``time_to_action``: comment received → a platform action with status ``done``;
- engagement: a verdict tagged with one of ``NEEDS_REPLY_TAGS`` and not hidden is a question
  (once per comment, its first version); a reply of the same account whose ``parent_id`` or
  ``thread_id`` is the question's id answers it; first response = the question's posting time
  (``created_at``, never after ``received_at``) → the first such reply's ``created_at``;
  counted in the question's window.

Windows stay open for ``keep_s[window]`` after their end; a fact whose windows are all closed is
refused as late (counted), and facts are forgotten once their daily window closed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from civicmod.contract.records import Aggregate, Distribution, Engagement, Overturns
from streams.metrics.facts import (
    FINAL_ACTIONS,
    ActionFact,
    DeadFact,
    DecisionFact,
    Fact,
    ReplyFact,
    VerdictFact,
)
from streams.metrics.windows import WindowKey, is_open, keys_for

Added = Literal["new", "duplicate", "late"]
Member = tuple[str, str]  # (kind, identity): v verdict, d decision, a action, r reply, x dead letter


@dataclass
class EngagementState:
    """One account's open questions and its newest reply, for the Prometheus gauges."""

    unanswered: int = 0
    oldest_unanswered_s: float = 0.0
    last_reply_at: float = 0.0


@dataclass
class Tally:
    keep_s: dict[str, float]
    #: Questions older than this are not counted as unanswered.
    lookback_s: float = 30 * 86400
    organisation_of: Callable[[str], str] = field(default=lambda _account: "unassigned")

    verdicts: dict[str, VerdictFact] = field(default_factory=dict)
    #: The verdicts tagged as needing a reply (the engagement gauges look only at these).
    questions: set[str] = field(default_factory=set)
    versions: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    decisions: dict[str, DecisionFact] = field(default_factory=dict)
    decisions_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    actions: dict[str, ActionFact] = field(default_factory=dict)
    actions_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    replies: dict[str, ReplyFact] = field(default_factory=dict)
    replies_to: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    deadletters: dict[str, DeadFact] = field(default_factory=dict)
    members: dict[WindowKey, set[Member]] = field(default_factory=lambda: defaultdict(set))
    dirty: set[WindowKey] = field(default_factory=set)
    platforms: dict[str, str] = field(default_factory=dict)
    #: Facts refused because every window they belong in had closed, by kind.
    late: Counter[str] = field(default_factory=Counter)

    # -- intake ----------------------------------------------------------------------------
    def add(self, fact: Fact, now: float) -> Added:
        """Take one fact; ``duplicate`` if its identity was seen, ``late`` if it belongs only to
        closed windows (not counted)."""
        if isinstance(fact, VerdictFact):
            return self._add_verdict(fact, now)
        if isinstance(fact, DecisionFact):
            return self._add_decision(fact, now)
        if isinstance(fact, ActionFact):
            return self._add_action(fact, now)
        if isinstance(fact, ReplyFact):
            return self._add_reply(fact, now)
        return self._add_dead(fact, now)

    def _open(self, at: float, account: str, now: float) -> list[WindowKey]:
        return [k for k in keys_for(at, account) if is_open(k, now, self.keep_s)]

    def _place(self, member: Member, at: float, account: str, now: float) -> bool:
        keys = self._open(at, account, now)
        for k in keys:
            self.members[k].add(member)
            self.dirty.add(k)
        return bool(keys)

    def _unplace(self, member: Member, at: float, account: str) -> None:
        for k in keys_for(at, account):
            held = self.members.get(k)
            if held is not None and member in held:
                held.discard(member)
                self.dirty.add(k)

    def _touch(self, v: VerdictFact, now: float) -> None:
        self.dirty.update(self._open(v.at, v.account, now))

    def _add_verdict(self, v: VerdictFact, now: float) -> Added:
        if v.key in self.verdicts:
            return "duplicate"
        if not self._open(v.at, v.account, now):
            self.late["verdict"] += 1
            return "late"
        self.verdicts[v.key] = v
        if v.needs_reply:
            self.questions.add(v.key)
        self.platforms.setdefault(v.account, v.platform)
        self._place(("v", v.key), v.at, v.account, now)
        for other in self.versions[v.comment_id]:  # actions may move to the new version
            self._touch(self.verdicts[other], now)
        self.versions[v.comment_id].add(v.key)
        for did in self.decisions_of.get(v.key, ()):  # decisions read before their verdict
            d = self.decisions[did]
            self._unplace(("d", did), d.at, d.account)
        for akey in self.actions_of.get(v.comment_id, ()):
            a = self.actions[akey]
            self._unplace(("a", akey), a.at, a.account)
        return "new"

    def _add_decision(self, d: DecisionFact, now: float) -> Added:
        if d.decision_id in self.decisions:
            return "duplicate"
        v = self.verdicts.get(d.version)
        if v is None:
            if not self._place(("d", d.decision_id), d.at, d.account, now):
                self.late["decision"] += 1
                return "late"
        else:
            self._touch(v, now)
        self.decisions[d.decision_id] = d
        self.decisions_of[d.version].add(d.decision_id)
        self.platforms.setdefault(d.account, d.platform)
        return "new"

    def _add_action(self, a: ActionFact, now: float) -> Added:
        if a.key in self.actions:
            return "duplicate"
        known = [self.verdicts[k] for k in self.versions.get(a.comment_id, ())]
        if not known:
            if not self._place(("a", a.key), a.at, a.account, now):
                self.late["action"] += 1
                return "late"
        else:
            for v in known:
                self._touch(v, now)
        self.actions[a.key] = a
        self.actions_of[a.comment_id].add(a.key)
        self.platforms.setdefault(a.account, a.platform)
        return "new"

    def _add_reply(self, r: ReplyFact, now: float) -> Added:
        if r.id in self.replies:
            return "duplicate"
        placed = self._place(("r", r.id), r.at, r.account, now)
        self.replies[r.id] = r
        self.platforms.setdefault(r.account, r.platform)
        for target in {r.parent_id, r.thread_id} - {None}:
            assert target is not None
            self.replies_to[(r.account, target)].add(r.id)
            for key in self.versions.get(target, ()):
                self._touch(self.verdicts[key], now)
        if not placed:  # too late for its own windows; it may still answer a question
            self.late["reply"] += 1
        return "new"

    def _add_dead(self, x: DeadFact, now: float) -> Added:
        if x.key in self.deadletters:
            return "duplicate"
        if not self._place(("x", x.key), x.at, x.account, now):
            self.late["deadletter"] += 1
            return "late"
        self.deadletters[x.key] = x
        if x.platform:
            self.platforms.setdefault(x.account, x.platform)
        return "new"

    # -- joins -----------------------------------------------------------------------------
    def _decisions_for(self, v: VerdictFact) -> list[DecisionFact]:
        ds = (self.decisions[i] for i in self.decisions_of.get(v.key, ()))
        return sorted(ds, key=lambda d: (d.at, d.decision_id))

    def _version_of_action(self, a: ActionFact) -> str | None:
        """The comment version an action carried out: the newest received at or before it,
        else the first one."""
        vs = sorted((self.verdicts[k] for k in self.versions.get(a.comment_id, ())),
                    key=lambda v: (v.at, v.key))
        if not vs:
            return None
        before = [v for v in vs if v.at <= a.at]
        return (before[-1] if before else vs[0]).key

    def _actions_for(self, v: VerdictFact) -> list[ActionFact]:
        out = [self.actions[k] for k in self.actions_of.get(v.comment_id, ())]
        return [a for a in out if self._version_of_action(a) == v.key]

    def _is_question(self, v: VerdictFact) -> bool:
        """A question counts once per comment: on its first question version."""
        if not v.needs_reply:
            return False
        firsts = [self.verdicts[k] for k in self.versions.get(v.comment_id, ())
                  if self.verdicts[k].needs_reply]
        return min(firsts, key=lambda f: (f.at, f.key)).key == v.key

    def first_reply_at(self, account: str, comment_id: str) -> float | None:
        ids = self.replies_to.get((account, comment_id))
        if not ids:
            return None
        return min(self.replies[i].created for i in ids)

    # -- output ----------------------------------------------------------------------------
    def aggregate(self, key: WindowKey, now: float) -> Aggregate:
        """The window's record, computed from the facts placed in it."""
        outcomes: Counter[str] = Counter()
        reasons: dict[str, Counter[str]] = defaultdict(Counter)
        decided_by: Counter[str] = Counter()
        decisions: Counter[str] = Counter()
        appeals: Counter[str] = Counter()
        actions: Counter[str] = Counter()
        deadletters: Counter[str] = Counter()
        overturns: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        latency: list[float] = []
        decision_time: list[float] = []
        to_action: list[float] = []
        first_response: list[float] = []
        needs_reply = answered = replies = 0
        last_reply: float | None = None
        for kind, ident in sorted(self.members.get(key, ())):
            if kind == "v":
                v = self.verdicts[ident]
                outcomes[v.outcome] += 1
                for rid in v.reason_ids:
                    reasons[rid][v.outcome] += 1
                if v.latency_s is not None:
                    latency.append(v.latency_s)
                ds = self._decisions_for(v)
                self._decided(v, ds, decided_by, decisions, appeals, overturns, decision_time)
                for a in self._actions_for(v):
                    actions[f"{a.kind}.{a.status}"] += 1
                    if a.status == "done":
                        to_action.append(max(0.0, a.at - v.at))
                if self._is_question(v):
                    needs_reply += 1
                    first = self.first_reply_at(v.account, v.comment_id)
                    if first is not None:
                        answered += 1
                        first_response.append(max(0.0, first - v.asked_at))
            elif kind == "d":
                d = self.decisions[ident]
                decisions[d.action] += 1
                if d.appeal and d.action in FINAL_ACTIONS:
                    appeals["reversed" if d.action == "publish" else "upheld"] += 1
            elif kind == "a":
                a = self.actions[ident]
                actions[f"{a.kind}.{a.status}"] += 1
            elif kind == "r":
                r = self.replies[ident]
                replies += 1
                last_reply = max(last_reply or r.created, r.created)
            else:
                deadletters[self.deadletters[ident].reason] += 1
        return Aggregate(
            window=key.window, start=key.start_dt(), end=key.end_dt(),  # type: ignore[arg-type]
            organisation=self.organisation_of(key.account), account_id=key.account,
            platform=self.platforms.get(key.account),  # type: ignore[arg-type]
            updated_at=datetime.fromtimestamp(now, UTC),
            outcomes=dict(outcomes), reasons={r: dict(c) for r, c in reasons.items()},
            decided_by=dict(decided_by), latency=Distribution.of(latency),
            decisions=dict(decisions), decision_time=Distribution.of(decision_time),
            overturns={r: Overturns(reviewed=n[0], overturned=n[1]) for r, n in overturns.items()},
            appeals=dict(appeals), actions=dict(actions),
            time_to_action=Distribution.of(to_action), deadletters=dict(deadletters),
            engagement=Engagement(
                needs_reply=needs_reply, answered=answered,
                first_response=Distribution.of(first_response), replies=replies,
                last_reply_at=datetime.fromtimestamp(last_reply, UTC) if last_reply else None))

    @staticmethod
    def _decided(v: VerdictFact, ds: list[DecisionFact], decided_by: Counter[str],
                 decisions: Counter[str], appeals: Counter[str],
                 overturns: dict[str, list[int]], decision_time: list[float]) -> None:
        finals = [d for d in ds if d.action in FINAL_ACTIONS]
        if finals:
            decided_by["human"] += 1
        elif v.outcome in ("publish", "hide"):
            decided_by["automated"] += 1
        for d in ds:
            decisions[d.action] += 1
        if v.outcome == "escalate":
            first = next((d for d in ds if not d.appeal and d.action != "note"), None)
            if first is not None:
                decision_time.append(max(0.0, first.at - v.decided_at))
        visible = v.outcome == "publish" or (v.outcome == "escalate" and not v.held)
        for d in finals:
            if d.appeal:
                appeals["reversed" if (d.action == "publish") != visible else "upheld"] += 1
            visible = d.action == "publish"
        if finals and v.automatic_rules:
            latest = finals[-1]
            for rule in v.automatic_rules:
                overturns[rule][0] += 1
                overturns[rule][1] += latest.action == "publish"

    def take_dirty(self, windows: Iterable[str] | None = None) -> list[WindowKey]:
        """The windows changed since the last call (the caller writes their records); only
        those of the ``windows`` lengths when given (the others stay changed)."""
        if windows is None:
            keys, self.dirty = sorted(self.dirty), set()
            return keys
        lengths = set(windows)
        keys = sorted(k for k in self.dirty if k.window in lengths)
        self.dirty.difference_update(keys)
        return keys

    def open_windows(self) -> list[WindowKey]:
        return sorted(k for k, m in self.members.items() if m)

    # -- engagement gauges -----------------------------------------------------------------
    def accounts(self) -> set[str]:
        return set(self.platforms)

    def engagement(self, now: float, accounts: Iterable[str] = ()) -> dict[str, EngagementState]:
        """Per account: questions (within the lookback) still unanswered, the oldest one's age,
        and the newest own reply's time (0: none seen)."""
        out: dict[str, EngagementState] = {a: EngagementState() for a in accounts}
        oldest: dict[str, float] = {}
        for v in (self.verdicts[k] for k in self.questions):
            if v.at < now - self.lookback_s or not self._is_question(v):
                continue
            state = out.setdefault(v.account, EngagementState())
            if self.first_reply_at(v.account, v.comment_id) is None:
                state.unanswered += 1
                oldest[v.account] = min(oldest.get(v.account, v.asked_at), v.asked_at)
        for r in self.replies.values():
            state = out.setdefault(r.account, EngagementState())
            state.last_reply_at = max(state.last_reply_at, r.created)
        for account, at in oldest.items():
            out[account].oldest_unanswered_s = max(0.0, now - at)
        return out

    # -- forgetting ------------------------------------------------------------------------
    def prune(self, now: float) -> int:
        """Close the windows past their keep and forget the facts whose daily window closed;
        returns how many windows were closed."""
        closed = [k for k in self.members if not is_open(k, now, self.keep_s)]
        for k in closed:
            del self.members[k]
            self.dirty.discard(k)
        horizon = now - self.keep_s["1d"] - 86400
        for key in [k for k, v in self.verdicts.items() if v.at < horizon]:
            v = self.verdicts.pop(key)
            self.questions.discard(key)
            self.versions[v.comment_id].discard(key)
            if not self.versions[v.comment_id]:
                del self.versions[v.comment_id]
            for did in self.decisions_of.get(key, ()):  # now placed by their own time
                d = self.decisions[did]
                self._place(("d", did), d.at, d.account, now)
            if v.comment_id not in self.versions:
                for akey in self.actions_of.get(v.comment_id, ()):
                    a = self.actions[akey]
                    self._place(("a", akey), a.at, a.account, now)
        for did in [i for i, d in self.decisions.items()
                    if d.at < horizon and d.version not in self.verdicts]:
            d = self.decisions.pop(did)
            self.decisions_of[d.version].discard(did)
            if not self.decisions_of[d.version]:
                del self.decisions_of[d.version]
        for akey in [k for k, a in self.actions.items()
                     if a.at < horizon and a.comment_id not in self.versions]:
            a = self.actions.pop(akey)
            self.actions_of[a.comment_id].discard(akey)
            if not self.actions_of[a.comment_id]:
                del self.actions_of[a.comment_id]
        for rid in [i for i, r in self.replies.items() if r.at < horizon]:
            r = self.replies.pop(rid)
            for target in {r.parent_id, r.thread_id} - {None}:
                ids = self.replies_to.get((r.account, target or ""))
                if ids is not None:
                    ids.discard(rid)
                    if not ids:
                        del self.replies_to[(r.account, target or "")]
        for xkey in [k for k, x in self.deadletters.items() if x.at < horizon]:
            del self.deadletters[xkey]
        return len(closed)
