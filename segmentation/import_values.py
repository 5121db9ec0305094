"""The values of an imported file: checked cell by cell and turned into typed rows.

`importer` reads a CSV file into a `Table` (every canonical column as stripped text, each row
with its spreadsheet line); this module checks every value of it, all rows at once, and raises
`ImportFileError` naming the file, the line (the header is line 1), the column and the value of
the first bad cell. It owns:
- ids: `customer_id` is required on every row and kept exactly as text (`00042` stays
  `00042`); a customers file names each customer once; rows sharing an `order_id` are lines of
  one order, so they must name one customer;
- dates: YYYY-MM-DD or YYYY/MM/DD (month and day may have one digit, as spreadsheets write
  them), optionally with HH:MM or HH:MM:SS, a real calendar date between 1900 and 2999;
- amounts: a plain number with at most two decimal places, kept exactly as decimal text
  ("1980" -> "1980.00"); no thousands separators or currency signs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ImportFileError
from .values import parse_amounts, parse_dates


@dataclass(frozen=True)
class Table:
    """The canonical columns of one file as stripped text, with each row's spreadsheet line.

    Optional columns the file lacks are present as empty text; rows whose every cell is empty
    are dropped.
    """

    file: str
    rows: pd.DataFrame
    lines: np.ndarray


# --- Checking values -----------------------------------------------------------------------


def _bad_value(table: Table, position: int, column: str, problem: str) -> ImportFileError:
    value = table.rows[column].iloc[position]
    shown = value if len(value) <= 60 else value[:57] + "..."
    shown = shown.replace("\r", "\\r").replace("\n", "\\n")
    return ImportFileError(f'{table.file} line {table.lines[position]}, column {column}: "{shown}" {problem}.')


def _first(mask) -> int | None:
    positions = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(positions[0]) if len(positions) else None


def _require_values(table: Table, column: str) -> None:
    position = _first(table.rows[column] == "")
    if position is not None:
        raise ImportFileError(
            f"{table.file} line {table.lines[position]}, column {column}: "
            f"the cell is empty, but every row needs a {column}."
        )


_TIMESTAMP = re.compile(
    r"^(?P<year>\d{4})(?P<sep1>[-/])(?P<month>\d{1,2})(?P<sep2>[-/])(?P<day>\d{1,2})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?$"
)
_FIRST_YEAR, _LAST_YEAR = 1900, 2999


def _timestamps(table: Table, column: str, *, required: bool) -> np.ndarray:
    """The column as datetime64[us]; NaT for empty optional cells.

    Accepts YYYY-MM-DD and YYYY/MM/DD (month and day may have one digit, as spreadsheets
    write them), optionally followed by HH:MM or HH:MM:SS. The date must exist in the calendar.
    """
    values = table.rows[column]
    if required:
        _require_values(table, column)
    empty = (values == "").to_numpy()
    parts = pc.extract_regex(pa.array(values), _TIMESTAMP.pattern)
    if isinstance(parts, pa.ChunkedArray):
        parts = parts.combine_chunks()

    def number(field: str) -> np.ndarray:
        text = pc.struct_field(parts, field)
        text = pc.if_else(pc.equal(text, ""), "0", text)
        return pc.fill_null(pc.cast(text, pa.int64()), 0).to_numpy(zero_copy_only=False)

    matched = pc.is_valid(parts).to_numpy(zero_copy_only=False) & np.asarray(
        pc.fill_null(pc.equal(pc.struct_field(parts, "sep1"), pc.struct_field(parts, "sep2")), False)
    )
    year, month, day = number("year"), number("month"), number("day")
    hour, minute, second = number("hour"), number("minute"), number("second")
    month_start = ((year - 1970) * 12 + (month - 1)).astype("datetime64[M]")
    first_day = month_start.astype("datetime64[D]")
    days_in_month = ((month_start + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    real = (
        matched
        & (year >= _FIRST_YEAR)
        & (year <= _LAST_YEAR)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= days_in_month)
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59)
    )
    position = _first(~real & ~empty)
    if position is not None:
        raise _bad_value(table, position, column, _timestamp_problem(values.iloc[position]))
    seconds = hour * 3600 + minute * 60 + second
    stamps = (first_day + (day - 1)).astype("datetime64[us]") + (seconds * 1_000_000).astype("timedelta64[us]")
    stamps[empty] = np.datetime64("NaT")
    return stamps


_NOT_A_DATE = "is not a date; write it as YYYY-MM-DD or YYYY/MM/DD"


def _timestamp_problem(value: str) -> str:
    """Why one cell is not a date, for the message."""
    match = _TIMESTAMP.match(value)
    if not match or match["sep1"] != match["sep2"]:
        return _NOT_A_DATE
    if not _FIRST_YEAR <= int(match["year"]) <= _LAST_YEAR:
        return f"is not a date between the years {_FIRST_YEAR} and {_LAST_YEAR}"
    if match["hour"] is not None and not (
        int(match["hour"]) <= 23 and int(match["minute"]) <= 59 and int(match["second"] or 0) <= 59
    ):
        return "is not a real time of day"
    return "is not a real calendar date"


_MAX_AMOUNT = Decimal("9999999999999999.99")  # what DECIMAL(18, 2) holds


def _amounts(table: Table, column: str) -> pd.Series:
    """The column as canonical decimal text with two places ("¥1,980" -> "1980.00").

    Read by `values.parse_amounts`: `1,234`, `¥1,234`, `1,234円`, full-width digits, `△1,234`,
    `▲1,234` and `(1,234)` as negatives, at most two decimal places.
    """
    values = table.rows[column]
    _require_values(table, column)
    # Every distinct text once (a million rows hold a few thousand amounts), then back to the rows.
    codes, distinct = pd.factorize(values)
    amounts, bad = parse_amounts(pd.Series(distinct, dtype=object))
    too_large = np.array([amount is not None and abs(amount) > _MAX_AMOUNT for amount in amounts], dtype=bool)
    position = _first((bad.to_numpy(dtype=bool) | too_large)[codes])
    if position is not None:
        value = values.iloc[position]
        if too_large[codes[position]]:
            problem = "is too large for an amount"
        elif re.fullmatch(r"-?[\d,]+\.\d{3,}", value.strip()):
            problem = "has more than 2 decimal places"
        else:
            problem = "is not a number"
        raise _bad_value(table, position, column, problem)
    canonical = np.array([f"{amount:.2f}" for amount in amounts], dtype=object)[codes]
    return pd.Series(canonical, index=values.index, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _order_dates(table: Table, column: str) -> np.ndarray:
    """The column as datetime64[D], read by `values.parse_dates` (ISO, `2024/3/5`, `2024年3月5日`,
    `20240305`, `R6.3.5`, `令和6年3月5日`, Excel serials, timestamps: the date as written),
    between the years 1900 and 2999."""
    values = table.rows[column]
    _require_values(table, column)
    codes, distinct = pd.factorize(values)
    dates, bad = parse_dates(pd.Series(distinct, dtype=object))
    out_of_range = np.array([date is not None and not _FIRST_YEAR <= date.year <= _LAST_YEAR for date in dates],
                            dtype=bool)
    position = _first((bad.to_numpy(dtype=bool) | out_of_range)[codes])
    if position is not None:
        value = values.iloc[position]
        if out_of_range[codes[position]]:
            problem = f"is not a date between the years {_FIRST_YEAR} and {_LAST_YEAR}"
        elif _TIMESTAMP.match(value) and _timestamp_problem(value) != _NOT_A_DATE:
            problem = _timestamp_problem(value)  # an ISO-like date that does not exist, or a bad time
        else:
            problem = "is not a date; write it as 2024-03-05, 2024/3/5, 2024年3月5日 or 令和6年3月5日"
        raise _bad_value(table, position, column, problem)
    days = np.array([np.datetime64(date, "D") for date in dates], dtype="datetime64[D]")
    return days[codes]


def order_rows(table: Table) -> pd.DataFrame:
    """The checked order rows; `order_id` stays empty where the database must generate it."""
    rows = table.rows
    _require_values(table, "customer_id")
    order_dates = _order_dates(table, "order_date")
    amounts = _amounts(table, "amount")
    explicit = (rows["order_id"] != "").to_numpy()
    if explicit.any():
        _check_one_customer_per_order(table, explicit)
    return pd.DataFrame(
        {
            "line": table.lines,
            "order_id": rows["order_id"],
            "customer_id": rows["customer_id"],
            "order_date": order_dates.astype("datetime64[s]"),
            "amount": amounts,
            "campaign": rows["campaign"],
            "category": rows["category"],
        }
    )


def _check_one_customer_per_order(table: Table, explicit: np.ndarray) -> None:
    """Rows sharing an order_id are lines of one order, so they must name one customer."""
    ids = table.rows["order_id"][explicit]
    customers = table.rows["customer_id"][explicit]
    grouped = pd.DataFrame({"order_id": ids, "customer_id": customers, "line": table.lines[explicit]})
    first = grouped.groupby("order_id", sort=False)[["customer_id", "line"]].transform("first")
    position = _first((first["customer_id"] != grouped["customer_id"]).to_numpy())
    if position is not None:
        row = grouped.iloc[position]
        raise ImportFileError(
            f'{table.file} line {row["line"]}, column customer_id: "{row["customer_id"]}" differs from '
            f'"{first["customer_id"].iloc[position]}" on line {first["line"].iloc[position]}, '
            f'but both lines belong to order "{row["order_id"]}".'
        )


def customer_rows(table: Table) -> pd.DataFrame:
    """The checked customer rows: one per customer_id, `created_at` a timestamp or NaT."""
    rows = table.rows
    _require_values(table, "customer_id")
    duplicate = _first(rows["customer_id"].duplicated(keep="first").to_numpy())
    if duplicate is not None:
        customer_id = rows["customer_id"].iloc[duplicate]
        first = _first((rows["customer_id"] == customer_id).to_numpy())
        raise _bad_value(
            table,
            duplicate,
            "customer_id",
            f"is already on line {table.lines[first]}; a customers file has one row per customer",
        )
    created_at = _timestamps(table, "created_at", required=False)
    # Every column as read (customer_id, then the profile columns), with created_at as a timestamp.
    frame = {"line": table.lines}
    frame.update({column: rows[column] for column in rows.columns})
    frame["created_at"] = created_at
    return pd.DataFrame(frame)


def contact_rows(table: Table) -> pd.DataFrame:
    """The checked contact rows, `contacted_at` a timestamp."""
    rows = table.rows
    _require_values(table, "customer_id")
    contacted_at = _timestamps(table, "contacted_at", required=True)
    return pd.DataFrame(
        {
            "line": table.lines,
            "customer_id": rows["customer_id"],
            "contacted_at": contacted_at,
            "kind": rows["kind"],
            "staff": rows["staff"],
            "note": rows["note"],
        }
    )
