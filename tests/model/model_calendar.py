"""The model's own working-day arithmetic, written from the State Council's 2026 notice.

Deliberately independent of beian.core.workdays and chinese-calendar: the machine checks
every deadline the product sets against this table.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from beian.clock import china_date, china_midnight
from beian.core.workflow import StepDeadline


def _days(first: date, count: int) -> set[date]:
    return {first + timedelta(days=n) for n in range(count)}


# The State Council notice for 2026: public holidays and the weekend days worked in exchange.
HOLIDAYS_2026: frozenset[date] = frozenset(
    _days(date(2026, 1, 1), 3)  # 元旦
    | _days(date(2026, 2, 15), 9)  # 春节
    | _days(date(2026, 4, 4), 3)  # 清明节
    | _days(date(2026, 5, 1), 5)  # 劳动节
    | _days(date(2026, 6, 19), 3)  # 端午节
    | _days(date(2026, 9, 25), 3)  # 中秋节
    | _days(date(2026, 10, 1), 7)  # 国庆节
)
MAKEUP_WORKDAYS_2026: frozenset[date] = frozenset(
    {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
)
# Years the product's official calendar speaks for; later years count weekends only and
# every deadline that walks through them is provisional.
LAST_KNOWN_YEAR = 2026


def is_workday(day: date) -> bool:
    """Whether people work on this day in the model's calendar."""
    if day in MAKEUP_WORKDAYS_2026:
        return True
    if day in HOLIDAYS_2026:
        return False
    return day.weekday() < 5


def step_deadline(start: datetime, step: StepDeadline) -> tuple[datetime, bool]:
    """When a step begun at `start` ends, and whether that rests on an unknown year."""
    if step.hours:
        return start + timedelta(hours=step.hours), False
    day = china_date(start)
    counted = 0
    provisional = False
    while counted < step.workdays:
        day += timedelta(days=1)
        provisional = provisional or day.year > LAST_KNOWN_YEAR
        counted += is_workday(day)
    return china_midnight(day + timedelta(days=1)), provisional
