"""Guardrail for new hide rules (AbuseFilter-style throttling).

A hide rule that changed in the last ``recent_s`` (24 h) and hides more than ``max_share`` of
the last ``window`` comments (once at least ``min_comments`` were seen) is probably wrong: its
hide is downgraded to escalate, so people review what it catches, and an alert is raised (the
stream puts it on ``moderation.audit``). "Changed" is the later of the rule's ``changed:`` date
and the first time this rule's exact content (its fingerprint) was seen in a hot reload; the
rules a worker starts with are established unless their ``changed:`` date is recent or the
stream's table (first-seen times shared by all workers, kept across restarts) says otherwise.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rules.base import RuleHit

_NONE: frozenset[str] = frozenset()


@dataclass
class HideGuardrail:
    max_share: float = 0.05
    window: int = 1000
    min_comments: int = 100
    recent_s: float = 86_400.0
    clock: Callable[[], float] = time.time
    #: fingerprint → first time seen (shared through the stream's table).
    first_seen: dict[str, float] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    #: (fingerprint, first seen) registered here and not yet persisted by the stream.
    new_first_seen: list[tuple[str, float]] = field(default_factory=list)
    _changed: dict[str, float] = field(default_factory=dict)
    _explicit: dict[str, float] = field(default_factory=dict)
    _baseline: set[str] = field(default_factory=set)
    _rules: dict[str, str] = field(default_factory=dict)
    _recent: deque[frozenset[str]] = field(default_factory=deque)
    _counts: Counter[str] = field(default_factory=Counter)
    _alerted: dict[str, float] = field(default_factory=dict)

    def register(self, rules: Iterable[Any], baseline: bool = False) -> None:
        """Note the hide rules of a loaded policy (compiled rules: ``fingerprint``, ``changed_at``,
        ``action``). ``baseline``: the policy the worker started with, whose rules count as
        established unless their ``changed:`` date or the stream's table says otherwise; rules
        that appear in a hot reload are new from now."""
        now = self.clock()
        for rule in rules:
            if rule.action != "hide":
                continue
            fp = rule.fingerprint
            if fp not in self.first_seen:
                if baseline:
                    self.first_seen[fp] = 0.0
                    self._baseline.add(fp)
                else:
                    self.first_seen[fp] = now
                    self.new_first_seen.append((fp, now))
            self._explicit[fp] = rule.changed_at or 0.0
            self._changed[fp] = max(self.first_seen[fp], self._explicit[fp])
            self._rules[fp] = rule.id

    def remember(self, fingerprint: str, first_seen: float) -> None:
        """A first-seen time for a rule's content recorded earlier (from the stream's table):
        it replaces a baseline guess, or an later time."""
        if fingerprint in self._baseline:
            self._baseline.discard(fingerprint)
        elif self.first_seen.get(fingerprint, float("inf")) <= first_seen:
            return
        self.first_seen[fingerprint] = first_seen
        if fingerprint in self._explicit:
            self._changed[fingerprint] = max(first_seen, self._explicit[fingerprint])

    def share(self, fingerprint: str) -> float:
        return self._counts[fingerprint] / len(self._recent) if self._recent else 0.0

    def review(self, hits: Sequence[RuleHit], policy_version: str = "") -> list[RuleHit]:
        """Count this comment, then downgrade the hide hits of recent rules over their share."""
        fired = _NONE
        for h in hits:  # most comments have no hide hit: no set built, no Counter call
            if h.action == "hide" and h.fingerprint:
                fired = frozenset(x.fingerprint for x in hits if x.action == "hide" and x.fingerprint)
                break
        recent, counts = self._recent, self._counts
        recent.append(fired)
        for fp in fired:
            counts[fp] += 1
        while len(recent) > self.window:
            for fp in recent.popleft():
                counts[fp] -= 1
        if not fired:
            return list(hits)
        now = self.clock()
        n = len(recent)
        out = []
        for h in hits:
            hfp = h.fingerprint
            if (h.action == "hide" and hfp and n >= self.min_comments
                    and now - self._changed.get(hfp, now) < self.recent_s
                    and self._counts[hfp] / n > self.max_share):
                share = self._counts[hfp] / n
                note = (f"guardrail: rule changed in the last {self.recent_s / 3600:g} h hides "
                        f"{share:.1%} of the last {n} comments (limit {self.max_share:.0%}); "
                        "hide downgraded to escalate")
                h = h._replace(action="escalate", queue=h.queue or "guardrail",
                               detail=f"{h.detail} [{note}]" if h.detail else note)
                if now - self._alerted.get(hfp, 0.0) >= 3600:
                    self._alerted[hfp] = now
                    self.alerts.append({
                        "type": "guardrail.hide_downgraded", "rule": h.rule_id, "fingerprint": hfp,
                        "share": round(share, 4), "window": n, "max_share": self.max_share,
                        "changed_at": self._changed.get(hfp), "policy_version": policy_version,
                        "at": now, "detail": note,
                    })
            out.append(h)
        return out

    def drain_alerts(self) -> list[dict[str, Any]]:
        out, self.alerts = self.alerts, []
        return out
