"""A uniform grid of UTC instants: the time axis of every array in leonet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from leonet.errors import LeonetInputError

_J2000_UNIX_S = 946_728_000.0  # 2000-01-01T12:00:00 UTC as Unix seconds
_JD_UNIX_EPOCH = 2_440_587.5  # Julian date of 1970-01-01T00:00:00 UTC


def parse_utc(text: str, *, field: str = "start") -> datetime:
    """Parse an ISO-8601 instant; naive values are taken as UTC. Errors name the field and value."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: e.g. 9999-12-31T23:59:59-05:00 is past year 9999 in UTC
        raise LeonetInputError("not an ISO-8601 UTC time (e.g. 2026-01-01T00:00:00Z)", field=field,
                               value=text) from None


def unix_s(when: datetime) -> float:
    """Unix seconds of an aware (or naive = UTC) datetime."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def jd_split(t_unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Julian date of Unix seconds as (whole-day part, fraction) for full precision, shapes as input."""
    days = np.asarray(t_unix_s, dtype=np.float64) / 86_400.0
    whole = np.floor(days)
    return whole + _JD_UNIX_EPOCH, days - whole


@dataclass(frozen=True)
class TimeGrid:
    """``count`` instants from ``start`` (UTC) every ``step_s`` seconds."""

    start: datetime
    step_s: float
    count: int

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            object.__setattr__(self, "start", self.start.replace(tzinfo=UTC))
        if not self.step_s > 0:
            raise LeonetInputError("must be > 0", field="step_s", value=self.step_s)
        if self.count < 1:
            raise LeonetInputError("must be >= 1", field="count", value=self.count)

    @classmethod
    def spanning(cls, start: datetime, duration_s: float, step_s: float) -> TimeGrid:
        """Steps 0, step, 2·step, … strictly below ``duration_s`` (at least one step)."""
        if not duration_s > 0:
            raise LeonetInputError("must be > 0", field="duration", value=duration_s)
        if not step_s > 0:
            raise LeonetInputError("must be > 0", field="step", value=step_s)
        count = max(1, int(np.ceil(duration_s / step_s - 1e-9)))
        return cls(start, float(step_s), count)

    @property
    def t_s(self) -> np.ndarray:
        """Seconds since start, shape (T,)."""
        return np.arange(self.count, dtype=np.float64) * self.step_s

    @property
    def t_unix_s(self) -> np.ndarray:
        """Unix seconds, shape (T,)."""
        return unix_s(self.start) + self.t_s

    def chunks(self, size: int) -> list[tuple[int, int]]:
        """[(first, stop), …] index ranges of at most ``size`` steps, covering the grid in order."""
        return [(i, min(i + size, self.count)) for i in range(0, self.count, size)]

    def datetimes(self) -> list[datetime]:
        return [self.start + timedelta(seconds=float(s)) for s in self.t_s]
