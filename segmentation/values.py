"""Reading the cells of one imported column: dates, timestamps and amounts.

This module owns the rules by which a text cell of a shop's file becomes a value. The importer
reads dates, amounts and timestamps through here. Each function
takes a whole column (a pandas Series of str or None) and parses every DISTINCT value once, then
maps the results back to the rows, so a column of 1,000,000 rows with a few thousand distinct
values costs a few thousand parses. `parse_dates` and `parse_amounts` also return `bad`, a
boolean Series (same index) marking the rows that could not be read, so the importer can name
the file, line, column and value. Empty cells (None, NaN or only spaces) are None and never bad.

Dates (`parse_dates`), read after Unicode NFKC normalisation (so `２０２４／３／５` is
`2024/3/5`) with surrounding spaces ignored:
- ISO and its relatives, one separator throughout: `2024-03-05`, `2024/3/5`, `2024.3.5`;
- Japanese: `2024年3月5日`; digits only: `20240305`;
- Japanese eras, by letter or by name: `R6.3.5`, `R06/03/05`, `令和6年3月5日`, `令和元年5月1日`
  (元 = year 1); 令和 (R) from 2019-05-01 (`R1.5.1`), 平成 (H) from 1989-01-08 to 2019-04-30
  (`H31.4.30`; 平成元年 = 1989), 昭和 (S) from 1926-12-25 to 1989-01-07 (`S64.1.7`; 昭和元年 =
  1926); a date outside its era (`H31.5.1`, `R1.4.30`) is bad;
- Excel serial numbers: a bare number from 20000 to 80000 is days since 1899-12-30 (`45356`
  is 2024-03-05; a fraction is a time of day and is dropped: `45356.75` is 2024-03-05);
- a time after a date with separators, with or without a UTC offset: `2024-03-05 23:30`,
  `2024-03-05T23:30:00+09:00`, `2024/03/05 23:30:00 +0900`, `2024-03-05T14:30:00Z`,
  `2024-03-05 23:30:00+00` (an offset of hours only, as DuckDB writes one); the date is
  the calendar date AS WRITTEN, never shifted to UTC or local time
  (`2024-03-05T23:30:00-05:00` is 2024-03-05);
- anything else is bad: `2024-02-30`, `2024-3/5`, `yesterday`, `12345`, `24:00`.

Amounts (`parse_amounts`), read after NFKC (`１，２３４` and `￥1,234` are `1,234` and `¥1,234`)
as `decimal.Decimal`: `1234`, `1,234`, `¥1,234`, `1,234円`, `1234.5`, and `\\1,234` (a Shift_JIS
file writes ¥ as the byte 0x5C, which decodes as a backslash); negatives `-1,234`,
`−1,234`, `△1,234`, `▲1,234`, `(1,234)`, `-¥1,234`, `¥-1,234` are all -1234. At most two
decimal places: `1.234` is bad, because it is ambiguous (1.234 or, with a European thousands
dot, 1234). Thousands separators come in groups of three (`12,80` and `1,2345` are bad); one
currency mark at most (`¥1,234円` is bad); anything else (`12,80x`, `1.`, `.5`) is bad.

Ids, e-mail and phone keys are read in SQL by the import (`import_read.UNQUOTED` and
`import_read.KEY_COLUMNS`), where every row is; docs/import.md has their rules.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd

__all__ = ["bad_times", "parse_amounts", "parse_dates", "parse_timestamps"]

# (value, bad) for one distinct, non-empty, stripped cell text.
Parsed = tuple[object, bool]

EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_SERIAL_MIN = 20000
EXCEL_SERIAL_MAX = 80000

# Each era: the Gregorian year of its year 1 (元年), its first day and its last day (None: open).
ERAS: dict[str, tuple[int, dt.date, dt.date | None]] = {
    "R": (2019, dt.date(2019, 5, 1), None),
    "H": (1989, dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    "S": (1926, dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
}
ERA_NAMES = {"令和": "R", "平成": "H", "昭和": "S"}

TIME = re.compile(
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d{1,9})?)?"
    r"(?:\s*(?:Z|(?P<oh>[+-]\d{2})(?::?(?P<om>\d{2}))?))?",
    re.IGNORECASE,
)
DATE_AND_TIME = re.compile(r"(?P<date>\S+?)(?:(?:T|\s+)(?P<time>\S.*))?", re.IGNORECASE)
WESTERN = re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})")
WESTERN_KANJI = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
ERA = re.compile(
    r"(?P<era>令和|平成|昭和|[RHS])(?P<y>\d{1,2}|元)"
    r"(?:年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日|(?P<sep>[-/.])(?P<m2>\d{1,2})(?P=sep)(?P<d2>\d{1,2}))",
    re.IGNORECASE,
)
DIGITS8 = re.compile(r"\d{8}")
SERIAL = re.compile(r"\d{5}(?:\.\d+)?")

AMOUNT = re.compile(
    r"(?P<open>\()?\s*(?P<yen1>[¥\\])?\s*(?P<sign>[-−△▲])?\s*(?P<yen2>[¥\\])?\s*"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?\s*(?P<en>円)?\s*(?P<close>\))?"
)


def _map_distinct(series: pd.Series, parse: Callable[[str], Parsed]) -> tuple[pd.Series, pd.Series]:
    """Parse every distinct non-empty value of `series` once; map (value, bad) back to the rows."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=object)  # the last slot answers code -1 (missing)
    bads = np.zeros(len(uniques) + 1, dtype=bool)
    for i, raw in enumerate(uniques):
        text = str(raw).strip()
        values[i], bads[i] = parse(text) if text else (None, False)
    return (
        pd.Series(values[codes], index=series.index, dtype=object),
        pd.Series(bads[codes], index=series.index, dtype=bool),
    )


# ---------------------------------------------------------------- dates


def _calendar_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _time_ok(text: str) -> bool:
    match = TIME.fullmatch(text.strip())
    if match is None:
        return False
    if int(match["h"]) > 23 or int(match["mi"]) > 59 or (match["s"] is not None and int(match["s"]) > 59):
        return False
    return match["oh"] is None or (abs(int(match["oh"])) <= 23 and int(match["om"] or 0) <= 59)


def _era_date(match: re.Match[str]) -> dt.date | None:
    era = match["era"].upper() if len(match["era"]) == 1 else ERA_NAMES[match["era"]]
    first_year, first_day, last_day = ERAS[era]
    era_year = 1 if match["y"] == "元" else int(match["y"])
    if era_year < 1:
        return None
    month, day = (match["m1"], match["d1"]) if match["m1"] is not None else (match["m2"], match["d2"])
    date = _calendar_date(first_year + era_year - 1, int(month), int(day))
    if date is None or date < first_day or (last_day is not None and date > last_day):
        return None
    return date


def _date_part(text: str) -> dt.date | None:
    if match := WESTERN.fullmatch(text) or WESTERN_KANJI.fullmatch(text):
        return _calendar_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if match := ERA.fullmatch(text):
        return _era_date(match)
    return None


def _parse_date(text: str) -> Parsed:
    text = unicodedata.normalize("NFKC", text).strip()
    if DIGITS8.fullmatch(text):
        date = _calendar_date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return date, date is None
    if SERIAL.fullmatch(text):
        serial = float(text)
        if not EXCEL_SERIAL_MIN <= serial <= EXCEL_SERIAL_MAX:
            return None, True
        return EXCEL_EPOCH + dt.timedelta(days=int(serial)), False
    match = DATE_AND_TIME.fullmatch(text)
    if match is None or (match["time"] is not None and not _time_ok(match["time"])):
        return None, True
    date = _date_part(match["date"])
    return date, date is None


def parse_dates(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read a column of dates; return (datetime.date or None per row, bad per row).

    `2024/3/5`, `R06/03/05`, `令和元年5月1日`, `45356` and `2024-03-05T23:30:00-05:00` are all
    dates (the last one 2024-03-05, the date as written); `2024-02-30` and `yesterday` are None
    and bad; an empty cell is None and not bad. See the module docstring for every rule.
    """
    return _map_distinct(series, _parse_date)


def _parse_timestamp(text: str) -> Parsed:
    date, bad = _parse_date(text)
    if bad or date is None:
        return date, bad
    match = DATE_AND_TIME.fullmatch(unicodedata.normalize("NFKC", text).strip())
    time = TIME.fullmatch(match["time"].strip()) if match is not None and match["time"] is not None else None
    if time is None:
        return dt.datetime.combine(date, dt.time()), False
    return dt.datetime.combine(date, dt.time(int(time["h"]), int(time["mi"]), int(time["s"] or 0))), False


def parse_timestamps(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read a column of dates with an optional time of day; return (datetime.datetime or None
    per row, bad per row). The same rules as `parse_dates`; the time is kept AS WRITTEN (a UTC
    offset is dropped, never applied): `2024-03-05T23:30:00+09:00` is 2024-03-05 23:30:00, and
    a date without a time is at midnight."""
    return _map_distinct(series, _parse_timestamp)


def bad_times(series: pd.Series) -> pd.Series:
    """Per row, whether a time-of-day text (the part after a date: `23:30`, `23:30:00+09:00`)
    is not a real time; empty cells are not bad. `parse_dates` applies the same check."""
    return _map_distinct(series, lambda text: (None, not _time_ok(unicodedata.normalize("NFKC", text))))[1]


# ---------------------------------------------------------------- amounts


def _parse_amount(text: str) -> Parsed:
    match = AMOUNT.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None, True
    parenthesised = match["open"] is not None
    currency_marks = sum(match[name] is not None for name in ("yen1", "yen2", "en"))
    if parenthesised != (match["close"] is not None) or currency_marks > 1:
        return None, True
    if parenthesised and match["sign"] is not None:
        return None, True
    number = match["int"].replace(",", "") + ("." + match["frac"] if match["frac"] else "")
    amount = Decimal(number)
    if (parenthesised or match["sign"] is not None) and amount != 0:
        amount = -amount
    return amount, False


def parse_amounts(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read a column of money amounts; return (decimal.Decimal or None per row, bad per row).

    `¥1,234`, `１，２３４円` and `1234` are Decimal("1234"); `△1,234`, `(1,234)` and `¥-1,234`
    are Decimal("-1234"); `1234.5` is Decimal("1234.5"). `1.234` is bad (three decimals are
    ambiguous: 1.234 or a European 1234), as are `12,80` and `12,80x`; an empty cell is None
    and not bad. See the module docstring for every rule.
    """
    return _map_distinct(series, _parse_amount)
