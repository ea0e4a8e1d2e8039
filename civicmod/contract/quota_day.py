"""The day a platform's API quota counts in: YouTube's resets at midnight Pacific time. One rule
for every service that spends it (the gateway's poller, the actuator) and for the ``day`` they
write to ``platform.quota``."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")


def quota_day(at: float, tz: ZoneInfo = PACIFIC) -> str:
    """``YYYY-MM-DD`` of the quota day holding the epoch time ``at``."""
    return datetime.fromtimestamp(at, tz).date().isoformat()


def next_midnight(at: float, tz: ZoneInfo = PACIFIC) -> float:
    """Epoch seconds of the first midnight in ``tz`` after ``at`` (DST-aware: a day may last 23
    or 25 hours)."""
    local = datetime.fromtimestamp(at, tz)
    return datetime.combine(local.date() + timedelta(days=1), dtime(0), tzinfo=tz).timestamp()
