"""Periods (weeks ending Sunday, calendar months, quarters), their integer indexes, and dates.

Counts over time work on period indexes: a period end P_j lies in a day interval [x, y) exactly
when index(x) <= j < index(y). The same index is written here twice, once in Python and once
as SQL (`index_sql`, `end_sql`), and `tests/test_engine_parts.py` holds the two to each other.
Also here: reading a date argument, the previous month end and the same day a year before,
which the pages and the benchmark share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .errors import DateError

FREQS: tuple[str, ...] = ("week", "month", "quarter")
LOW_DATE = dt.date(1900, 1, 1)  # a Monday: week indexes count from here
HIGH_DATE = dt.date(9999, 12, 31)


def check_freq(freq: str) -> str:
    if freq not in FREQS:
        raise DateError(f"The period must be one of {', '.join(FREQS)}, not {freq!r}.")
    return freq


def period_index(day: dt.date, freq: str) -> int:
    """The index of the period (week ending Sunday, calendar month or quarter) holding `day`."""
    check_freq(freq)
    if freq == "month":
        return day.year * 12 + day.month - 1
    if freq == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    return (day - LOW_DATE).days // 7


def period_end(index: int, freq: str) -> dt.date:
    """The last day of the period with this index."""
    check_freq(freq)
    if freq == "week":
        return LOW_DATE + dt.timedelta(days=index * 7 + 6)
    months_per = 1 if freq == "month" else 3
    first_month = index * months_per
    year, month0 = divmod(first_month + months_per, 12)  # the month after the period
    return dt.date(year, month0 + 1, 1) - dt.timedelta(days=1)


def index_sql(freq: str, day: str) -> str:
    """SQL for `period_index` of a DATE expression."""
    return {
        "month": f"(year({day}) * 12 + month({day}) - 1)",
        "quarter": f"(year({day}) * 4 + quarter({day}) - 1)",
        # floor, not `//`: integer division rounds toward zero, which differs before LOW_DATE
        "week": f"CAST(floor((({day}) - DATE '{LOW_DATE.isoformat()}') / 7) AS BIGINT)",
    }[check_freq(freq)]


def end_sql(freq: str, index: str) -> str:
    """SQL for `period_end` of an index expression."""
    return {
        "month": f"last_day(make_date(({index}) // 12, ({index}) % 12 + 1, 1))",
        "quarter": f"last_day(make_date(({index}) // 4, ({index}) % 4 * 3 + 3, 1))",
        "week": f"(DATE '{LOW_DATE.isoformat()}' + CAST(({index}) * 7 + 6 AS INTEGER))",
    }[check_freq(freq)]


def to_date(value: Any, name: str = "date") -> dt.date:
    """A calendar date from a date, datetime, pandas Timestamp or ISO text; `name` is how the
    caller's user knows the argument (`as_of`, `--as-of`)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DateError(f"{name} must be a date like 2025-03-31, not {value!r}.")


def previous_period_end(day: dt.date, freq: str = "month") -> dt.date:
    """The end of the period before the one holding `day` (the overview compares with it)."""
    return period_end(period_index(day, freq) - 1, freq)


def same_day_a_year_before(day: dt.date) -> dt.date:
    """The same calendar day one year earlier; 29 February becomes 28 February."""
    if day.month == 2 and day.day == 29:
        return day.replace(year=day.year - 1, day=28)
    return day.replace(year=day.year - 1)


@dataclass(frozen=True)
class PeriodRange:
    """The complete periods from `start_index` to `end_index` (both included)."""

    freq: str
    start_index: int
    end_index: int

    def ends(self) -> list[dt.date]:
        return [period_end(i, self.freq) for i in range(self.start_index, self.end_index + 1)]

    def __len__(self) -> int:
        return max(0, self.end_index - self.start_index + 1)


def period_range(analysis, freq: str, start: Any = None, end: Any = None) -> PeriodRange:
    """Every complete period whose end lies in [start, end] of `analysis`' data.

    `start` defaults to the earliest order date, `end` to the latest order date; a period still
    running at `end` is left out (its end has not come yet).
    """
    check_freq(freq)
    end_day = analysis.resolve_as_of(end)
    start_day = to_date(start, "start") if start is not None else (analysis.earliest_order_date or end_day)
    if start_day > end_day:
        raise DateError(f"The start {start_day} is after the end {end_day}.")
    start_index = period_index(start_day, freq)
    end_index = period_index(end_day, freq)
    if period_end(end_index, freq) > end_day:
        end_index -= 1
    return PeriodRange(freq, start_index, end_index)
