"""The actuator's rate limits: how many calls each platform still allows, and when.

Three things decide whether a call may go now:

* a **meter** per (platform, endpoint name, account id), made lazily from the :class:`Rule` of
  (platform, endpoint name) (no rule: unlimited). By default a rule is enforced as a sliding
  window (:class:`SlidingWindow`: never more than ``capacity`` calls in any ``per_s`` seconds,
  which is what "50 requests / 15 min" promises the platform); ``Rule(smooth=True)`` uses a
  classic :class:`TokenBucket` instead (refills continuously, so it may pass up to
  ``capacity + refill·T`` calls in T seconds: only for limits that are themselves buckets);
* **pauses** per (platform, account id), learnt from the platforms' answers (:meth:`Limiter.observe`);
* a **daily quota** per platform (:class:`DailyQuota`, YouTube's units, reset at midnight Pacific).

All time comes from an injected clock (epoch seconds); nothing here sleeps or keeps global state.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from civicmod.contract.actuator_settings import ActuatorSettings, LimitRule
from civicmod.contract.quota_day import next_midnight, quota_day
from streams.actuator.platforms.base import Endpoint, LimitInfo

Clock = Callable[[], float]

#: Time tolerance (seconds) of every comparison: epoch seconds near 1.8e9 carry ~2.4e-7 s of float
#: resolution, so advancing a clock by a returned wait may land a hair short of the boundary.
EPS = 1e-6
#: Hint-less rate limits: pause 5 s, 10 s, 20 s, ... per (platform, account), at most 15 min.
RATE_LIMIT_BASE_S = 5.0
RATE_LIMIT_CAP_S = 900.0
#: Minimum pause for a ``retry_after_s`` hint (a 0 or tiny Retry-After would hammer the platform).
MIN_RETRY_AFTER_S = 1.0
#: Meta usage at or above this percentage slows the account down (:func:`usage_pause_s`).
USAGE_SLOWDOWN_PCT = 90.0


def backoff_s(attempt: int, base: float = 1.0, cap: float = 300.0,
              rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with full jitter for transient errors: ``rng() × min(cap, base·2^attempt)``,
    i.e. uniform in ``[0, min(cap, base·2^attempt))`` (``attempt`` counts from 0)."""
    attempt = max(0, attempt)
    ceiling = cap if attempt >= 63 else min(cap, base * 2.0 ** attempt)
    return rng() * ceiling


def usage_pause_s(usage_pct: float, window_s: float = 3600.0) -> float:
    """How long to pause an account whose Meta usage is ``usage_pct``: below 90 % nothing, else
    ``(min(usage, 100) − 90) / 10 × window_s / 10`` (with the hour window: 90 % → 0 s, 95 % → 180 s,
    100 % → 360 s). Non-decreasing in usage; at ≥ 100 % Meta's own ``pause_s`` usually applies too."""
    if usage_pct < USAGE_SLOWDOWN_PCT:
        return 0.0
    return (min(usage_pct, 100.0) - USAGE_SLOWDOWN_PCT) / 10.0 * window_s / 10.0


def rate_limit_backoff_s(strikes: int) -> float:
    """The pause after ``strikes`` consecutive hint-less rate limits: 5 s · 2^(strikes−1), ≤ 15 min."""
    if strikes <= 0:
        return 0.0
    if strikes >= 20:
        return RATE_LIMIT_CAP_S
    return min(RATE_LIMIT_CAP_S, RATE_LIMIT_BASE_S * 2.0 ** (strikes - 1))


class TokenBucket:
    """A classic token bucket: holds up to ``capacity`` tokens, refills ``refill_per_s`` a second.
    Starts full. Exact under an injected clock (a clock running backwards refills nothing)."""

    def __init__(self, capacity: float, refill_per_s: float, clock: Clock) -> None:
        if capacity <= 0 or refill_per_s < 0:
            raise ValueError("capacity must be > 0 and refill_per_s >= 0")
        self.capacity = float(capacity)
        self.refill_per_s = float(refill_per_s)
        self._clock = clock
        self._tokens = self.capacity
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        if now > self._last:
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.refill_per_s)
            self._last = now

    @property
    def tokens(self) -> float:
        """Tokens in the bucket now."""
        self._refill()
        return self._tokens

    def wait_for(self, n: float = 1) -> float:
        """Seconds until ``n`` tokens are there (0.0: now; inf: never); takes nothing."""
        if n > self.capacity:
            return math.inf
        self._refill()
        deficit = n - self._tokens
        if deficit <= 0:
            return 0.0
        if self.refill_per_s == 0:
            return math.inf
        wait = deficit / self.refill_per_s
        return 0.0 if wait <= EPS else wait

    def try_take(self, n: float = 1) -> float:
        """Take ``n`` tokens and return 0.0, or return the seconds until they are there (taking none)."""
        wait = self.wait_for(n)
        if wait == 0.0:
            self._tokens = max(0.0, self._tokens - n)
        return wait

    def give(self, n: float = 1) -> None:
        """Put ``n`` tokens back (never above capacity)."""
        self._refill()
        self._tokens = min(self.capacity, self._tokens + n)

    def reset(self) -> None:
        """Fill the bucket."""
        self._tokens = self.capacity
        self._last = max(self._last, self._clock())


class SlidingWindow:
    """At most ``capacity`` takes in any ``per_s`` seconds (a log of the pass times), the same
    interface as :class:`TokenBucket`. A burst passes ``capacity`` at once, then waits for the
    oldest pass to leave the window: it is spread out, never dropped."""

    def __init__(self, capacity: int, per_s: float, clock: Clock) -> None:
        if capacity <= 0 or per_s <= 0:
            raise ValueError("capacity and per_s must be > 0")
        self.capacity = int(capacity)
        self.per_s = float(per_s)
        self._clock = clock
        self._times: deque[float] = deque()

    def _prune(self, now: float) -> None:
        while self._times and self._times[0] + self.per_s <= now + EPS:
            self._times.popleft()

    @property
    def tokens(self) -> float:
        """Calls that may pass now."""
        self._prune(self._clock())
        return float(self.capacity - len(self._times))

    def wait_for(self, n: float = 1) -> float:
        """Seconds until ``n`` calls may pass (0.0: now; inf: never); takes nothing."""
        k = math.ceil(n)
        if k > self.capacity:
            return math.inf
        now = self._clock()
        self._prune(now)
        excess = len(self._times) + k - self.capacity
        if excess <= 0:
            return 0.0
        return self._times[excess - 1] + self.per_s - now  # > EPS, or _prune would have dropped it

    def try_take(self, n: float = 1) -> float:
        """Record ``n`` passes now and return 0.0, or return the seconds to wait (recording none)."""
        wait = self.wait_for(n)
        if wait == 0.0:
            now = self._clock()
            if self._times:  # a clock running backwards must not unsort the log
                now = max(now, self._times[-1])
            self._times.extend([now] * math.ceil(n))
        return wait

    def give(self, n: float = 1) -> None:
        """Forget the ``n`` latest passes (a call that was not made after all)."""
        for _ in range(min(math.ceil(n), len(self._times))):
            self._times.pop()

    def reset(self) -> None:
        """Forget every pass (the platform's window restarted)."""
        self._times.clear()


Meter = TokenBucket | SlidingWindow


@dataclass(frozen=True)
class Rule:
    """At most ``capacity`` calls per ``per_s`` seconds, per account (X hide_replies: 50 / 900 s;
    Graph comments: 600 / 3600 s by default). ``smooth``: a refilling token bucket instead of the
    strict sliding window."""

    capacity: int
    per_s: float
    smooth: bool = False

    def meter(self, clock: Clock) -> Meter:
        if self.smooth:
            return TokenBucket(self.capacity, self.capacity / self.per_s, clock)
        return SlidingWindow(self.capacity, self.per_s, clock)


def rules_from(limits: Mapping[str, LimitRule]) -> dict[tuple[str, str], Rule]:
    """``actuator.limits`` (``<platform>.<endpoint>``: ``calls`` per ``per_s``) as limiter rules."""
    return {tuple(name.split(".", 1)): Rule(r.calls, r.per_s)  # type: ignore[misc]
            for name, r in limits.items()}


def default_rules(graph_per_hour: int | None = None) -> dict[tuple[str, str], Rule]:
    """The configured defaults (``ActuatorSettings().limits``: X 50 hides / 15 min per user, Graph
    600 calls / hour per page); ``graph_per_hour`` replaces Graph's. YouTube has no call rule,
    only its quota."""
    rules = rules_from(ActuatorSettings().limits)
    if graph_per_hour is not None:
        for platform in ("facebook", "instagram"):
            rules[(platform, "comments")] = Rule(graph_per_hour, 3600.0)
    return rules


class DailyQuota:
    """Units spent per day of ``tz`` (YouTube: 10,000 a day, reset at midnight Pacific). Counts the
    units of this service (``own``) and those other services report on the same Google project
    (:meth:`add_external`): ``spent_total = own + Σ external(today)``."""

    def __init__(self, budget_units: int, clock: Clock, tz: str = "America/Los_Angeles") -> None:
        if budget_units < 0:
            raise ValueError("budget_units must be >= 0")
        self.budget = int(budget_units)
        self._clock = clock
        self._tz = ZoneInfo(tz)
        self._day = self._today()
        self._own = 0
        self._exhausted = False
        self._external: dict[str, dict[str, int]] = {}  # day -> service name -> units

    def _today(self) -> str:
        return quota_day(self._clock(), self._tz)

    def _roll(self) -> None:
        today = self._today()
        if today > self._day:  # a new day (a clock running backwards keeps the later day's count)
            self._day, self._own, self._exhausted = today, 0, False
            self._external = {d: names for d, names in self._external.items() if d >= today}

    @property
    def day(self) -> str:
        """The current quota day, ``YYYY-MM-DD`` in ``tz``."""
        self._roll()
        return self._day

    @property
    def own(self) -> int:
        """Units this service spent today."""
        self._roll()
        return self._own

    @property
    def spent_total(self) -> int:
        """Units spent today by this service and the others reported."""
        self._roll()
        return self._own + sum(self._external.get(self._day, {}).values())

    @property
    def exhausted(self) -> bool:
        """Whether the platform said the quota is spent (until the next reset)."""
        self._roll()
        return self._exhausted

    def can_spend(self, units: int) -> bool:
        """Would ``units`` more stay within today's budget?"""
        return not self.exhausted and self.spent_total + units <= self.budget

    def spend(self, units: int) -> None:
        """Count ``units`` spent today (always: failed YouTube calls cost quota too)."""
        self._roll()
        self._own += units

    def refund(self, units: int) -> None:
        """Give back ``units`` of a call that was not made after all (today's count, never < 0)."""
        self._roll()
        self._own = max(0, self._own - units)

    def exhaust(self) -> None:
        """The platform said quotaExceeded: nothing more until the next reset."""
        self._roll()
        self._exhausted = True

    def seconds_until_reset(self) -> float:
        """Seconds until the next midnight in ``tz`` (DST-aware: a day may last 23 or 25 hours)."""
        now = self._clock()
        return next_midnight(now, self._tz) - now

    def add_external(self, name: str, units: int, day: str) -> None:
        """Add ``units`` that service ``name`` spent on quota day ``day`` (``YYYY-MM-DD`` in ``tz``);
        a past day is ignored, a later one counts once it is today."""
        date.fromisoformat(day)  # ValueError for a malformed day
        if units < 0:
            raise ValueError("units must be >= 0")
        self._roll()
        if day < self._day:
            return
        names = self._external.setdefault(day, {})
        names[name] = names.get(name, 0) + units

    def set_external(self, name: str, units: int, day: str) -> None:
        """Service ``name`` reports it has spent ``units`` in all on quota day ``day`` (its running
        total, as shared on ``platform.quota``): counts never go down within a day."""
        date.fromisoformat(day)
        self._roll()
        if day < self._day:
            return
        names = self._external.setdefault(day, {})
        names[name] = max(names.get(name, 0), int(units))

    def restore_own(self, units: int, day: str) -> None:
        """This service's own total for ``day`` as last shared (after a restart): never lower."""
        self._roll()
        if day == self._day:
            self._own = max(self._own, int(units))

    def state(self) -> dict[str, Any]:
        """A JSON-able state to persist (see :meth:`load`)."""
        self._roll()
        return {"day": self._day, "budget": self.budget, "own": self._own, "exhausted": self._exhausted,
                "external": {d: dict(names) for d, names in self._external.items()}}

    def load(self, state: Mapping[str, Any]) -> bool:
        """Restore a :meth:`state`. A state of another day is ignored (returns False). Counts never go
        down: the larger of the current and the saved value is kept. The budget stays as configured."""
        self._roll()
        if state.get("day") != self._day:
            return False
        self._own = max(self._own, int(state.get("own", 0)))
        self._exhausted = self._exhausted or bool(state.get("exhausted", False))
        for d, names in dict(state.get("external", {})).items():
            if d < self._day:
                continue
            mine = self._external.setdefault(d, {})
            for name, units in dict(names).items():
                mine[name] = max(mine.get(name, 0), int(units))
        return True


@dataclass
class _Slot:
    """One (platform, endpoint, account): its meter (None: no rule) and what the platform told."""

    meter: Meter | None
    remaining: int | None = None  # calls the platform still allows until reset_at
    reset_at: float | None = None


class Limiter:
    """Decides when the actuator may call a platform, and learns from the answers.

    ``rules``: (platform, endpoint name) → :class:`Rule`; ``quota``: platform → :class:`DailyQuota`;
    ``usage_window_s``: the window of Meta's usage percentages (:func:`usage_pause_s`)."""

    def __init__(self, rules: Mapping[tuple[str, str], Rule], clock: Clock = time.time,
                 quota: Mapping[str, DailyQuota] | None = None, usage_window_s: float = 3600.0) -> None:
        self._rules = dict(rules)
        self._clock = clock
        self._quota = dict(quota or {})
        self.usage_window_s = usage_window_s
        self._slots: dict[tuple[str, str, str], _Slot] = {}
        self._paused: dict[tuple[str, str], float] = {}  # (platform, account) -> until (epoch s)
        self._strikes: dict[tuple[str, str], int] = {}  # consecutive hint-less rate limits

    def quota_for(self, platform: str) -> DailyQuota | None:
        """The daily quota of ``platform`` (e.g. to :meth:`DailyQuota.exhaust` on quotaExceeded)."""
        return self._quota.get(platform)

    def _slot(self, endpoint: Endpoint, account_id: str, now: float) -> _Slot:
        key = (endpoint.platform, endpoint.name, account_id)
        slot = self._slots.get(key)
        if slot is None:
            rule = self._rules.get((endpoint.platform, endpoint.name))
            slot = self._slots[key] = _Slot(rule.meter(self._clock) if rule else None)
        if slot.reset_at is not None and now + EPS >= slot.reset_at:  # the platform's window restarted
            slot.remaining = slot.reset_at = None
            if slot.meter is not None:
                slot.meter.reset()
        return slot

    def _pause(self, key: tuple[str, str], until: float) -> None:
        self._paused[key] = max(self._paused.get(key, until), until)

    def wait_s(self, endpoint: Endpoint, account_id: str, units: int = 0) -> float:
        """0.0 if a call may go now (its token is then taken and its quota ``units`` reserved), else
        the seconds to wait (nothing taken; inf if it can never pass). The longest of: the account's
        pause, the endpoint's meter (or what the platform said remains), the platform's daily quota."""
        if units < 0:
            raise ValueError("units must be >= 0")
        now = self._clock()
        slot = self._slot(endpoint, account_id, now)
        waits = [0.0]
        until = self._paused.get((endpoint.platform, account_id))
        if until is not None and until > now + EPS:
            waits.append(until - now)
        if slot.reset_at is not None:
            if not slot.remaining:
                waits.append(slot.reset_at - now)
        elif slot.meter is not None:
            waits.append(slot.meter.wait_for(1))
        quota = self._quota.get(endpoint.platform) if units else None
        if quota is not None and not quota.can_spend(units):
            waits.append(math.inf if units > quota.budget else quota.seconds_until_reset())
        wait = max(waits)
        if wait > 0:
            return wait
        if slot.reset_at is not None:
            slot.remaining = (slot.remaining or 0) - 1
        elif slot.meter is not None:
            slot.meter.try_take(1)
        if quota is not None:
            quota.spend(units)
        return 0.0

    def refund(self, endpoint: Endpoint, account_id: str, units: int = 0) -> None:
        """Give back the token (and quota ``units``) of a call that was not made after all."""
        slot = self._slot(endpoint, account_id, self._clock())
        if slot.reset_at is not None:
            slot.remaining = (slot.remaining or 0) + 1
        elif slot.meter is not None:
            slot.meter.give(1)
        quota = self._quota.get(endpoint.platform)
        if quota is not None and units:
            quota.refund(units)

    def observe(self, endpoint: Endpoint, account_id: str, info: LimitInfo | None,
                rate_limited: bool = False, retry_after_s: float | None = None) -> None:
        """Learn from a platform's answer.

        * ``remaining`` + ``reset_at`` (X): this endpoint allows exactly ``remaining`` more calls until
          ``reset_at``, then is full again (0 remaining: it waits until ``reset_at``); a rate limit
          with ``reset_at`` alone means 0 remaining;
        * ``pause_s`` (Meta): the (platform, account) pauses that long;
        * ``usage_pct`` ≥ 90 (Meta): the (platform, account) pauses :func:`usage_pause_s`;
        * ``rate_limited`` with ``retry_after_s``: pause max(retry_after_s, 1 s);
        * ``rate_limited`` with no hint (no retry_after_s, pause_s nor reset_at): pause
          :func:`rate_limit_backoff_s` of the consecutive count (5 s, 10 s, ... ≤ 15 min);
        * not ``rate_limited``: a success, the consecutive count restarts.

        Pauses only ever lengthen an existing pause.
        """
        now = self._clock()
        key = (endpoint.platform, account_id)
        hinted = False
        if info is not None:
            if info.reset_at is not None and info.reset_at > now + EPS and (
                    info.remaining is not None or rate_limited):
                slot = self._slot(endpoint, account_id, now)
                remaining = max(0, info.remaining or 0)
                # Calls go out concurrently, and an answer counts only the calls the platform
                # had seen before it: it never gives back calls made since. In the same window,
                # keep the lower count; coming from the meter, no more than it still allows.
                if slot.reset_at == info.reset_at and slot.remaining is not None:
                    remaining = min(remaining, slot.remaining)
                elif slot.reset_at is None and slot.meter is not None:
                    remaining = min(remaining, int(slot.meter.tokens))
                slot.remaining = remaining
                slot.reset_at = info.reset_at
                hinted = True
            if info.pause_s is not None and info.pause_s > 0:
                self._pause(key, now + info.pause_s)
                hinted = True
            if info.usage_pct is not None:
                slow = usage_pause_s(info.usage_pct, self.usage_window_s)
                if slow > 0:
                    self._pause(key, now + slow)
        if not rate_limited:
            self._strikes.pop(key, None)
            return
        if retry_after_s is not None:
            self._pause(key, now + max(MIN_RETRY_AFTER_S, retry_after_s))
        elif not hinted:
            strikes = self._strikes[key] = self._strikes.get(key, 0) + 1
            self._pause(key, now + rate_limit_backoff_s(strikes))

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able view for /health and metrics: per ``platform:endpoint:account`` the calls left
        (None: unlimited) and the platform's reset; per ``platform:account`` the pause; per platform
        the quota."""
        now = self._clock()
        buckets: dict[str, Any] = {}
        for (platform, name, account), slot in list(self._slots.items()):
            slot = self._slot(Endpoint(platform, name), account, now)
            if slot.reset_at is not None:
                left: float | None = float(slot.remaining or 0)
            else:
                left = slot.meter.tokens if slot.meter is not None else None
            buckets[f"{platform}:{name}:{account}"] = {
                "tokens": left, "capacity": slot.meter.capacity if slot.meter is not None else None,
                "reset_at": slot.reset_at}
        paused: dict[str, Any] = {}
        for (platform, account), until in self._paused.items():
            strikes = self._strikes.get((platform, account), 0)
            if until > now or strikes:
                paused[f"{platform}:{account}"] = {"until": until, "in_s": max(0.0, until - now),
                                                   "strikes": strikes}
        quota = {platform: {"day": q.day, "spent": q.spent_total, "own": q.own, "budget": q.budget,
                            "exhausted": q.exhausted, "reset_in_s": q.seconds_until_reset()}
                 for platform, q in self._quota.items()}
        return {"buckets": buckets, "paused": paused, "quota": quota}
