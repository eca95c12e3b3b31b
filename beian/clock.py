"""One clock for the whole system, so tests move time instead of sleeping.

All instants are timezone-aware UTC datetimes. Working days and the dates people
see are computed in China Standard Time (UTC+8, no daylight saving).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

CHINA_TZ = timezone(timedelta(hours=8), "CST")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by a timedelta or by keyword units (hours=3)."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant (forwards or back, for tests)."""
        self._now = as_utc(instant)


def as_utc(instant: datetime) -> datetime:
    """Return an aware UTC datetime; naive values are taken as China time."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=CHINA_TZ)
    return instant.astimezone(UTC)


def china_date(instant: datetime) -> date:
    """The calendar date in China at this instant."""
    return as_utc(instant).astimezone(CHINA_TZ).date()


def china_midnight(day: date) -> datetime:
    """Start of a Chinese calendar day as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ).astimezone(UTC)
