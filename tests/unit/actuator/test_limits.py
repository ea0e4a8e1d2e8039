"""The actuator's rate limiter under a hand-advanced clock: buckets, pauses, backoff, daily quota."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.actuator.limits import (
    DailyQuota,
    Limiter,
    Rule,
    SlidingWindow,
    TokenBucket,
    backoff_s,
    default_rules,
    rate_limit_backoff_s,
    usage_pause_s,
)
from streams.actuator.platforms.base import Endpoint, LimitInfo

T0 = 1_800_000_000.0  # a realistic epoch: float resolution there is ~2.4e-7 s
TOL = 1e-5
X_HIDE = Endpoint("x", "hide_replies")
FB = Endpoint("facebook", "comments")
IG = Endpoint("instagram", "comments")
YT = Endpoint("youtube", "set_moderation_status")


class FakeClock:
    """A clock that only moves when told."""

    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def max_in_window(times: list[float], window: float) -> int:
    """The most passes in any half-open window [t, t + window) (with TOL for float noise)."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] + window <= t + TOL:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def drain(limiter: Limiter, clock: FakeClock, endpoint: Endpoint, account: str, n: int,
          units: int = 0) -> list[float]:
    """Make ``n`` calls, advancing the clock by each returned wait; the pass times."""
    passed: list[float] = []
    while len(passed) < n:
        wait = limiter.wait_s(endpoint, account, units)
        if wait > 0:
            assert wait < math.inf
            clock.advance(wait)
            wait = limiter.wait_s(endpoint, account, units)
            assert wait == 0, "waiting the returned time must be enough"
        passed.append(clock())
    return passed


# -- buckets ---------------------------------------------------------------------------------------

def test_x_burst_is_spread_over_windows_not_dropped() -> None:
    clock = FakeClock()
    limiter = Limiter(default_rules(), clock)
    assert [limiter.wait_s(X_HIDE, "a") for _ in range(50)] == [0.0] * 50
    # the 51st: 50 calls already sit in [t0, t0 + 900), so it waits for the window (not 900/50 s)
    assert limiter.wait_s(X_HIDE, "a") == pytest.approx(900.0)
    passed = [T0] * 50 + drain(limiter, clock, X_HIDE, "a", 70)
    assert len(passed) == 120
    assert passed[-1] - T0 <= 45 * 60
    assert max_in_window(passed, 900.0) == 50
    assert [round(t - T0) for t in passed[50::10]] == [900] * 5 + [1800] * 2


def test_smooth_rule_is_a_classic_bucket() -> None:
    """Rule(smooth=True): 50 at once, then one every 900/50 = 18 s (at most C + r·T in T seconds)."""
    clock = FakeClock()
    limiter = Limiter({("x", "hide_replies"): Rule(50, 900.0, smooth=True)}, clock)
    assert [limiter.wait_s(X_HIDE, "a") for _ in range(50)] == [0.0] * 50
    assert limiter.wait_s(X_HIDE, "a") == pytest.approx(18.0)
    passed = [T0] * 50 + drain(limiter, clock, X_HIDE, "a", 70)
    assert passed[-1] - T0 == pytest.approx(70 * 18.0)
    assert max_in_window(passed, 900.0) == 50 + 49  # why it is not the default for "50 / 15 min"


def test_token_bucket_exact_under_a_fake_clock() -> None:
    clock = FakeClock()
    bucket = TokenBucket(3, 0.5, clock)
    assert [bucket.try_take() for _ in range(3)] == [0.0] * 3
    assert bucket.try_take() == pytest.approx(2.0)
    assert bucket.try_take(2) == pytest.approx(4.0)  # nothing was taken by the refusals
    clock.advance(bucket.try_take(2))
    assert bucket.try_take(2) == 0.0
    assert bucket.tokens == pytest.approx(0.0)
    assert bucket.try_take(4) == math.inf
    clock.advance(1000)
    assert bucket.tokens == 3.0  # capped
    bucket.try_take()
    bucket.give(5)
    assert bucket.tokens == 3.0
    assert bucket.try_take(3) == 0.0
    clock.advance(1)  # 0.5 token: a refusal takes nothing
    assert bucket.try_take() == pytest.approx(1.0)
    assert bucket.try_take() == pytest.approx(1.0)
    clock.advance(1.0)
    assert bucket.try_take() == 0.0
    bucket.give(3)
    clock.advance(-10)  # a clock running backwards refills nothing
    assert bucket.try_take(3) == 0.0
    assert bucket.tokens == 0.0


def test_sliding_window_refusal_takes_nothing_and_give_returns_a_pass() -> None:
    clock = FakeClock()
    window = SlidingWindow(2, 10.0, clock)
    assert window.try_take() == 0.0
    clock.advance(4)
    assert window.try_take() == 0.0
    assert window.try_take() == pytest.approx(6.0)
    assert window.try_take(2) == pytest.approx(10.0)
    assert window.try_take(3) == math.inf
    window.give()
    assert window.tokens == 1.0
    assert window.try_take() == 0.0


def test_accounts_and_endpoints_do_not_share_buckets() -> None:
    clock = FakeClock()
    limiter = Limiter(default_rules(), clock)
    drain(limiter, clock, X_HIDE, "a", 50)
    assert limiter.wait_s(X_HIDE, "a") > 0
    assert [limiter.wait_s(X_HIDE, "b") for _ in range(50)] == [0.0] * 50
    assert limiter.wait_s(X_HIDE, "b") > 0
    assert limiter.wait_s(FB, "a") == 0.0
    assert all(limiter.wait_s(Endpoint("x", "no_rule"), "a") == 0.0 for _ in range(500))  # unlimited


def test_graph_rule_is_configurable() -> None:
    clock = FakeClock()
    limiter = Limiter(default_rules(graph_per_hour=3), clock)
    assert [limiter.wait_s(IG, "p") for _ in range(4)][-1] == pytest.approx(3600.0)


def test_refund_gives_the_token_back() -> None:
    clock = FakeClock()
    limiter = Limiter({("x", "hide_replies"): Rule(1, 60.0)}, clock)
    assert limiter.wait_s(X_HIDE, "a") == 0.0
    assert limiter.wait_s(X_HIDE, "a") > 0
    limiter.refund(X_HIDE, "a")
    assert limiter.wait_s(X_HIDE, "a") == 0.0


# -- learning from the platforms' answers -----------------------------------------------------------

def test_x_headers_set_the_bucket_until_reset() -> None:
    clock = FakeClock()
    limiter = Limiter(default_rules(), clock)
    assert limiter.wait_s(X_HIDE, "a") == 0.0
    limiter.observe(X_HIDE, "a", LimitInfo(remaining=3, limit=50, reset_at=T0 + 100))
    assert [limiter.wait_s(X_HIDE, "a") for _ in range(3)] == [0.0] * 3
    assert limiter.wait_s(X_HIDE, "a") == pytest.approx(100.0)
    assert limiter.wait_s(X_HIDE, "b") == 0.0  # another account is not told anything
    clock.advance(100)
    assert [limiter.wait_s(X_HIDE, "a") for _ in range(50)] == [0.0] * 50  # full again
    assert limiter.wait_s(X_HIDE, "a") > 0


def test_answers_to_concurrent_calls_never_give_back_calls_made_since() -> None:
    """Ten calls go out at once; the platform's answers count only the calls it had seen, and
    come back in any order. Neither the first answer (remaining 9, nine calls still in flight)
    nor a late one in the same window lets an eleventh call through before the reset."""
    clock = FakeClock()
    limiter = Limiter({("x", "hide_replies"): Rule(10, 6.0)}, clock)
    assert [limiter.wait_s(X_HIDE, "a") for _ in range(10)] == [0.0] * 10
    limiter.observe(X_HIDE, "a", LimitInfo(remaining=9, limit=10, reset_at=T0 + 7))
    assert limiter.wait_s(X_HIDE, "a") == pytest.approx(7.0)  # not 9 more on top of 9 in flight
    for left in (7, 8, 0, 5):  # the other answers, out of order
        limiter.observe(X_HIDE, "a", LimitInfo(remaining=left, limit=10, reset_at=T0 + 7))
        assert limiter.wait_s(X_HIDE, "a") == pytest.approx(7.0)
    clock.advance(7)
    assert [limiter.wait_s(X_HIDE, "a") for _ in range(3)] == [0.0] * 3  # the next window
    # the platform saw other calls too: 5 left; then an older answer (8) does not raise it
    limiter.observe(X_HIDE, "a", LimitInfo(remaining=5, limit=10, reset_at=T0 + 14))
    limiter.observe(X_HIDE, "a", LimitInfo(remaining=8, limit=10, reset_at=T0 + 14))
    assert [limiter.wait_s(X_HIDE, "a") for _ in range(6)] == [0.0] * 5 + [pytest.approx(7.0)]


def test_x_remaining_zero_or_429_with_reset_waits_until_reset() -> None:
    clock = FakeClock()
    limiter = Limiter(default_rules(), clock)
    limiter.observe(X_HIDE, "a", LimitInfo(remaining=0, reset_at=T0 + 42))
    assert limiter.wait_s(X_HIDE, "a") == pytest.approx(42.0)
    limiter.observe(X_HIDE, "b", LimitInfo(reset_at=T0 + 30), rate_limited=True)
    assert limiter.wait_s(X_HIDE, "b") == pytest.approx(30.0)
    assert limiter.snapshot()["paused"] == {}  # a hint, not a strike
    limiter.observe(X_HIDE, "c", LimitInfo(remaining=5, reset_at=T0 - 1))  # stale: ignored
    assert limiter.wait_s(X_HIDE, "c") == 0.0


def test_meta_pause_is_per_platform_and_account() -> None:
    clock = FakeClock()
    limiter = Limiter(default_rules(), clock)
    limiter.observe(FB, "page1", LimitInfo(pause_s=600))
    assert limiter.wait_s(FB, "page1") == pytest.approx(600.0)
    assert limiter.wait_s(Endpoint("facebook", "other"), "page1") == pytest.approx(600.0)
    assert limiter.wait_s(FB, "page2") == 0.0
    assert limiter.wait_s(IG, "page1") == 0.0
    clock.advance(600)
    assert limiter.wait_s(FB, "page1") == 0.0


def test_usage_slowdown_is_monotonic_in_usage() -> None:
    usages = [0, 50, 89.9, 90, 91, 93.5, 95, 99, 100, 120]
    pauses = [usage_pause_s(u, 3600) for u in usages]
    assert pauses == sorted(pauses)
    assert pauses[:4] == [0.0] * 4
    assert pauses[4:9] == sorted(set(pauses[4:9]))  # strictly increasing from 90 to 100 %
    assert usage_pause_s(95, 3600) == pytest.approx(180.0)
    assert usage_pause_s(100, 3600) == usage_pause_s(150, 3600) == pytest.approx(360.0)

    waits = []
    for usage in (85, 92, 96, 100):
        clock = FakeClock()
        limiter = Limiter(default_rules(), clock)
        limiter.observe(FB, "p", LimitInfo(usage_pct=usage))
        waits.append(limiter.wait_s(FB, "p"))
    assert waits[0] == 0.0
    assert waits == sorted(waits) and len(set(waits)) == 4


def test_retry_after_pauses_at_least_one_second() -> None:
    clock = FakeClock()
    limiter = Limiter({}, clock)
    limiter.observe(FB, "p", None, rate_limited=True, retry_after_s=0.01)
    assert limiter.wait_s(FB, "p") == pytest.approx(1.0)
    limiter.observe(FB, "q", None, rate_limited=True, retry_after_s=30)
    assert limiter.wait_s(FB, "q") == pytest.approx(30.0)


def test_hintless_rate_limits_back_off_exponentially_and_reset_on_success() -> None:
    clock = FakeClock()
    limiter = Limiter({}, clock)
    expected = [5, 10, 20, 40, 80, 160, 320, 640, 900, 900, 900]
    seen = []
    for _ in expected:
        limiter.observe(FB, "p", None, rate_limited=True)
        wait = limiter.wait_s(FB, "p")
        seen.append(wait)
        clock.advance(wait)
    assert seen == pytest.approx(expected)
    assert limiter.wait_s(FB, "q") == 0.0  # per account
    limiter.observe(FB, "p", LimitInfo(usage_pct=10))  # a success
    limiter.observe(FB, "p", None, rate_limited=True)
    assert limiter.wait_s(FB, "p") == pytest.approx(5.0)
    assert [rate_limit_backoff_s(k) for k in (0, 1, 2, 100)] == [0.0, 5.0, 10.0, 900.0]


def test_backoff_with_full_jitter() -> None:
    for attempt in range(40):
        ceiling = min(300.0, 2.0 ** attempt)
        for r in (0.0, 0.25, 0.999999):
            assert 0.0 <= backoff_s(attempt, rng=lambda r=r: r) <= ceiling
        assert backoff_s(attempt, base=0.5, cap=10, rng=lambda: 0.999999) <= min(10, 0.5 * 2 ** attempt)
    grown = [backoff_s(a, rng=lambda: 0.5) for a in range(12)]
    assert grown == sorted(grown)
    assert grown[:9] == sorted(set(grown[:9])) and grown[-1] == 150.0
    assert backoff_s(10_000, rng=lambda: 0.5) == 150.0  # no overflow
    assert 0.0 <= backoff_s(3) <= 8.0  # the real rng


# -- daily quota -------------------------------------------------------------------------------------

def test_youtube_quota_allows_200_calls_then_waits_for_pacific_midnight() -> None:
    clock = FakeClock(utc(2026, 12, 2, 23, 0))  # 15:00 PST
    quota = DailyQuota(10_000, clock)
    limiter = Limiter(default_rules(), clock, quota={"youtube": quota})
    assert [limiter.wait_s(YT, "ch", units=50) for _ in range(200)] == [0.0] * 200
    assert quota.spent_total == 10_000
    assert limiter.wait_s(YT, "ch", units=50) == pytest.approx(9 * 3600, abs=TOL)  # 08:00 UTC
    assert limiter.wait_s(YT, "ch") == 0.0  # a call that costs nothing is not held
    limiter.refund(YT, "ch", units=50)
    assert limiter.wait_s(YT, "ch", units=50) == 0.0
    assert limiter.wait_s(YT, "ch", units=10_001) == math.inf
    clock.advance(9 * 3600)
    assert quota.day == "2026-12-03" and quota.spent_total == 0
    assert limiter.wait_s(YT, "ch", units=50) == 0.0
    snap = limiter.snapshot()
    json.dumps(snap)
    assert snap["quota"]["youtube"]["spent"] == 50 and snap["quota"]["youtube"]["budget"] == 10_000


def test_quota_exhaust_until_reset() -> None:
    clock = FakeClock(utc(2026, 12, 2, 23, 0))
    quota = DailyQuota(10_000, clock)
    limiter = Limiter({}, clock, quota={"youtube": quota})
    limiter.quota_for("youtube").exhaust()
    assert not quota.can_spend(1)
    assert limiter.wait_s(YT, "ch", units=50) == pytest.approx(9 * 3600, abs=TOL)
    clock.advance(quota.seconds_until_reset())
    assert quota.can_spend(50) and not quota.exhausted


def test_external_units_share_the_budget() -> None:
    clock = FakeClock(utc(2026, 12, 2, 23, 0))
    quota = DailyQuota(10_000, clock)
    quota.add_external("gateway", 9_000, "2026-12-02")
    quota.add_external("gateway", 900, "2026-12-02")
    quota.add_external("gateway", 5_000, "2026-12-01")  # yesterday: ignored
    quota.add_external("other", 3_000, "2026-12-03")  # tomorrow: counts tomorrow
    quota.spend(50)
    assert quota.own == 50 and quota.spent_total == 9_950
    assert quota.can_spend(50) and not quota.can_spend(51)
    assert sorted(quota.state()["external"]) == ["2026-12-02", "2026-12-03"]
    with pytest.raises(ValueError):
        quota.add_external("gateway", 1, "yesterday")
    clock.advance(quota.seconds_until_reset())
    assert quota.own == 0 and quota.spent_total == 3_000


def test_quota_state_round_trip_and_stale_state_ignored() -> None:
    clock = FakeClock(utc(2026, 12, 2, 23, 0))
    quota = DailyQuota(10_000, clock)
    quota.spend(150)
    quota.add_external("gateway", 400, "2026-12-02")
    saved = json.loads(json.dumps(quota.state()))
    restored = DailyQuota(10_000, clock)
    assert restored.load(saved)
    assert restored.state() == quota.state()
    assert restored.spent_total == 550
    quota.exhaust()
    restored.load(quota.state())
    assert restored.exhausted

    clock.advance(24 * 3600)  # the next Pacific day
    fresh = DailyQuota(10_000, clock)
    assert not fresh.load(saved)
    assert fresh.spent_total == 0 and fresh.state()["day"] == "2026-12-03"


@pytest.mark.parametrize(("now", "expected_s", "day"), [
    (utc(2026, 3, 8, 7, 30), 30 * 60, "2026-03-07"),  # 23:30 PST, the day before DST starts
    (utc(2026, 3, 8, 10, 0), 21 * 3600, "2026-03-08"),  # 03:00 PDT; midnight is 07:00 UTC (23-h day)
    (utc(2026, 11, 1, 8, 0), 24 * 3600, "2026-11-01"),  # 01:00 PDT; DST ends, a 25-h day
    (utc(2026, 11, 2, 7, 59), 60, "2026-11-01"),  # 23:59 PST
])
def test_reset_is_dst_safe(now: float, expected_s: float, day: str) -> None:
    clock = FakeClock(now)
    quota = DailyQuota(100, clock)
    assert quota.day == day
    assert quota.seconds_until_reset() == pytest.approx(expected_s, abs=TOL)
    quota.spend(100)
    assert not quota.can_spend(1)
    clock.advance(quota.seconds_until_reset())
    assert quota.can_spend(100) and quota.day > day


def test_snapshot_reports_buckets_and_pauses() -> None:
    clock = FakeClock()
    limiter = Limiter(default_rules(), clock)
    limiter.wait_s(X_HIDE, "a")
    limiter.observe(FB, "p", LimitInfo(pause_s=60))
    limiter.observe(IG, "q", None, rate_limited=True)
    snap = json.loads(json.dumps(limiter.snapshot()))
    assert snap["buckets"]["x:hide_replies:a"]["tokens"] == 49
    assert snap["paused"]["facebook:p"]["in_s"] == pytest.approx(60)
    assert snap["paused"]["instagram:q"]["strikes"] == 1
    clock.advance(3600)
    snap = limiter.snapshot()
    assert "facebook:p" not in snap["paused"] and snap["buckets"]["x:hide_replies:a"]["tokens"] == 50


# -- properties ----------------------------------------------------------------------------------------

STEPS = st.lists(st.one_of(st.just("follow"), st.floats(0, 30), st.just(0.0)), max_size=120)


@given(capacity=st.integers(1, 8), per_s=st.floats(1, 60), steps=STEPS)
def test_no_window_ever_exceeds_capacity(capacity: int, per_s: float, steps: list[float | str]) -> None:
    clock = FakeClock()
    limiter = Limiter({("x", "hide_replies"): Rule(capacity, per_s)}, clock)
    passed: list[float] = []
    last_wait = 0.0
    for step in steps:
        clock.advance(last_wait if step == "follow" else float(step))
        waited = step == "follow" and last_wait > 0
        last_wait = limiter.wait_s(X_HIDE, "a")
        assert last_wait >= 0
        assert not (waited and last_wait), "waiting the returned time must be enough"
        if last_wait == 0:
            passed.append(clock())
    assert max_in_window(passed, per_s) <= capacity


@given(capacity=st.integers(1, 8), per_s=st.floats(1, 60), steps=STEPS)
def test_token_bucket_never_exceeds_its_refill(capacity: int, per_s: float, steps: list[float | str]) -> None:
    clock = FakeClock()
    bucket = TokenBucket(capacity, capacity / per_s, clock)
    passed: list[float] = []
    last_wait = 0.0
    for step in steps:
        clock.advance(last_wait if step == "follow" else float(step))
        waited = step == "follow" and last_wait > 0
        last_wait = bucket.try_take()
        assert not (waited and last_wait), "waiting the returned time must be enough"
        if last_wait == 0:
            passed.append(clock())
    for i, start in enumerate(passed):  # in [start, end]: at most C + r·(end − start) passes
        for j in range(i, len(passed)):
            assert j - i + 1 <= capacity + (passed[j] - start) * capacity / per_s + 1e-3


@pytest.mark.parametrize("rule", [Rule(7, 3.3), Rule(7, 3.3, smooth=True), Rule(3, 0.7, smooth=True),
                                  Rule(50, 900.0, smooth=True), Rule(1, 0.1)])
def test_waiting_the_returned_time_is_always_enough(rule: Rule) -> None:
    """Float noise at epoch magnitudes must not leave a call a hair short of its token."""
    clock = FakeClock(T0 + 0.123456789)
    meter = rule.meter(clock)
    for _ in range(300):
        wait = meter.try_take()
        if wait:
            clock.advance(wait)
            assert meter.try_take() == 0.0
