"""The ``metrics`` settings section: the metrics service (``civicmod metrics serve``), which reads
the outcome, decision, action, reply and dead-letter topics and writes windowed aggregates
(``civicmod.aggregate/1``) to ``moderation.metrics`` and ``moderation.metrics.daily``.

How long windows stay open (a late record still changes them) is set per window length; on a
restart the service re-reads its inputs from the start of the oldest open window (see
docs/metrics.md).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from civicmod.contract.gateway_settings import Section


class EngagementSettings(Section):
    """Citizens' questions and problem reports, and the agency's replies."""

    #: Questions older than this are no longer counted as unanswered (and are forgotten).
    lookback_days: Annotated[float, Field(gt=0, le=366)] = 30


class MetricsSettings(Section):
    host: str = "127.0.0.1"
    #: ``GET /health``, ``/readyz`` and ``/metrics`` (Prometheus).
    port: Annotated[int, Field(ge=1, le=65535)] = 8096
    #: A changed 1-minute window is written at most this often (changes in between are merged).
    emit_interval_s: Annotated[float, Field(gt=0, le=600)] = 2.0
    #: Hourly and daily windows: a changed one is recomputed from all its facts, which for a busy
    #: account's day costs far more than a minute's (docs/benchmarks.md), so less often.
    emit_interval_1h_s: Annotated[float, Field(gt=0, le=3600)] = 15.0
    emit_interval_1d_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    #: How long after its end each window length still takes late records (and is re-sent).
    keep_1m_hours: Annotated[float, Field(gt=0, le=48)] = 2
    keep_1h_days: Annotated[float, Field(gt=0, le=31)] = 2
    #: Daily windows; at least ``engagement.lookback_days`` (a late reply answers a question
    #: in its day's window).
    keep_1d_days: Annotated[float, Field(gt=0, le=400)] = 31
    #: When re-reading the inputs by time after a restart, start this much earlier (clock skew
    #: between the producers and civicmod).
    rebuild_margin_s: Annotated[float, Field(ge=0, le=86400)] = 300
    engagement: EngagementSettings = Field(default_factory=EngagementSettings)

    @model_validator(mode="after")
    def _daily_covers_lookback(self) -> MetricsSettings:
        if self.keep_1d_days < self.engagement.lookback_days:
            raise ValueError("metrics.keep_1d_days must be at least metrics.engagement."
                             f"lookback_days ({self.engagement.lookback_days})")
        return self

    def emit_intervals_s(self) -> dict[str, float]:
        """How often a changed window of each length is written, by window name."""
        return {"1m": self.emit_interval_s, "1h": self.emit_interval_1h_s,
                "1d": self.emit_interval_1d_s}

    def keep_s(self) -> dict[str, float]:
        """Seconds after its end each window length stays open, by window name."""
        return {"1m": self.keep_1m_hours * 3600, "1h": self.keep_1h_days * 86400,
                "1d": self.keep_1d_days * 86400}
