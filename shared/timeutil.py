"""Time: store UTC, cut months, days and deadlines in the city's zone (Asia/Shanghai)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

CITY_TIMEZONE = "Asia/Shanghai"
# Years a month may name: wide enough for any record, narrow enough that stepping a month or a day never
# leaves the calendar Python and the databases hold.
MONTH_PATTERN = r"^((?:19|2\d)\d{2})-(0[1-9]|1[0-2])$"
_MONTH = re.compile(MONTH_PATTERN)


@lru_cache(maxsize=8)
def zone(name: str = CITY_TIMEZONE) -> ZoneInfo:
    """The ZoneInfo for a zone name (cached)."""
    return ZoneInfo(name)


def to_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is refused (it is ambiguous)."""
    if value.tzinfo is None:
        raise ValueError("a time must carry its UTC offset, e.g. 2026-10-01T08:00:00+08:00")
    return value.astimezone(UTC)


def local_date(value: datetime, tz: str = CITY_TIMEZONE) -> date:
    """The calendar day in the city on which an instant falls."""
    return to_utc(value).astimezone(zone(tz)).date()


def day_bounds(day: date, tz: str = CITY_TIMEZONE) -> tuple[datetime, datetime]:
    """[start, end) of a city calendar day, in UTC."""
    start = datetime.combine(day, time.min, tzinfo=zone(tz))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def parse_month(value: str) -> tuple[int, int]:
    """'2026-10' -> (2026, 10); ValueError with the expected shape otherwise."""
    match = _MONTH.match(value or "")
    if not match:
        raise ValueError(f"month must look like YYYY-MM between 1900-01 and 2999-12 (e.g. 2026-10), got {value!r}")
    return int(match.group(1)), int(match.group(2))


def month_bounds(month: str, tz: str = CITY_TIMEZONE) -> tuple[datetime, datetime]:
    """[start, end) of a city calendar month such as '2026-10', in UTC."""
    year, mon = parse_month(month)
    first = date(year, mon, 1)
    next_first = date(year + (mon == 12), mon % 12 + 1, 1)
    return day_bounds(first, tz)[0], day_bounds(next_first, tz)[0]


def month_days(month: str) -> list[date]:
    """Every calendar day of a month such as '2026-02', first to last."""
    year, mon = parse_month(month)
    first = date(year, mon, 1)
    count = (date(year + (mon == 12), mon % 12 + 1, 1) - first).days
    return [first + timedelta(days=offset) for offset in range(count)]


def month_range(month: str) -> tuple[date, date]:
    """First and last calendar day of 'YYYY-MM'."""
    days = month_days(month)
    return days[0], days[-1]


def months_between(first: str, last: str) -> list[str]:
    """Every 'YYYY-MM' from `first` to `last`, inclusive (empty when `last` comes first)."""
    year, mon = parse_month(first)
    end = parse_month(last)
    months = []
    while (year, mon) <= end:
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = year + (mon == 12), mon % 12 + 1
    return months


def previous_month(month: str) -> str:
    """The month before 'YYYY-MM'."""
    year, mon = parse_month(month)
    return f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"


def end_of_day_deadline(day: date, tz: str = CITY_TIMEZONE) -> datetime:
    """A deadline 'by <day>' ends at the city's midnight after that day, in UTC."""
    return day_bounds(day, tz)[1]
