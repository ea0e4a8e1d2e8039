"""The aggregate record: distributions merge exactly, keys name one window and account."""

from datetime import UTC, datetime, timedelta

from civicmod.contract.records import DURATION_BOUNDS_S, Aggregate, Distribution, aggregate_key


def test_distribution_merges_exactly_and_reads_percentiles():
    a, b = Distribution.of([0.01, 0.2, 3.0]), Distribution.of([40.0, 7000.0])
    both = a.merge(b)
    assert both == Distribution.of([0.01, 0.2, 3.0, 40.0, 7000.0])
    assert both.count == 5 and both.sum_s == round(0.01 + 0.2 + 3.0 + 40.0 + 7000.0, 3)
    assert both.quantile(0.5) == 5  # 3.0 s falls in the (2.5, 5] bucket
    assert both.quantile(1.0) == 7200
    assert Distribution().quantile(0.5) is None
    assert Distribution().merge(a) == a and a.merge(Distribution()) == a


def test_overflow_and_negative_durations():
    d = Distribution.of([10 * 365 * 86400.0, -3.0])
    assert d.buckets[-1] == 1 and d.buckets[0] == 1
    assert d.quantile(0.99) == DURATION_BOUNDS_S[-1]


def test_aggregate_round_trips_and_keys_by_window_and_account():
    start = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    agg = Aggregate(window="1h", start=start, end=start + timedelta(hours=1), organisation="city",
                    account_id="page:1", platform="facebook", updated_at=start,
                    outcomes={"publish": 3}, latency=Distribution.of([0.2]))
    assert Aggregate.model_validate_json(agg.to_json()) == agg
    assert agg.key() == b"1h|2026-12-02T15:00Z|page:1"
    other_tz = start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London"))
    assert aggregate_key("1h", other_tz, "page:1") == agg.key()
