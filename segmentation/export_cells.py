"""What one value becomes in an export, and the checks the CSV and xlsx writers share.

One rule, `plain_value`, turns every cell into what is written, so CSV and xlsx always agree:
- missing (None, NaN, NA, NaT) and infinite numbers: an empty cell;
- booleans: TRUE / FALSE (the words Excel itself reads back as booleans); a real boolean cell
  in xlsx;
- integers, and floats that hold a whole number: digits only, no ".0", no thousands
  separators (123456789012, -500);
- other numbers: the shortest form that reads back to the same value, never in exponent form
  (0.125, 0.0000001); in a money column (below) rounded half up to at most 2 decimals with
  trailing zeros dropped (1980 -> 1980, 1980.5 -> 1980.5, 1980.456 -> 1980.46);
- dates: YYYY-MM-DD; a timestamp at midnight is a date, any other timestamp is written
  YYYY-MM-DD HH:MM:SS (time zones are dropped: the wall-clock time is kept);
- text: as it is, except that text beginning with =, +, -, @, a tab or a carriage return gets
  a leading apostrophe so that no spreadsheet runs it as a formula (`neutralise`). Only text is
  touched: the number -5 stays a number. A phone number kept as text, "+81-3-1234-5678",
  becomes "'+81-3-1234-5678": that is the price of the guard, accepted on purpose. Anything
  else (a timedelta, a list) is written as its text, neutralised the same way.

Money columns: by default every column whose label contains one of `MONEY_WORDS` ("amount",
"revenue", "price", "金額", "売上", "単価"; case-insensitive); pass `money_columns` to name them
exactly instead. Money values get the 2-decimal rounding above and, in xlsx, the #,##0 format
(whole yen with separators; the cell keeps the value to 2 decimals).

Shared by both writers: `ExportError`, the check that every chunk has the same columns
(`labelled_chunks`), the error for a character a file cannot hold (`cannot_write`, an
`UnwritableCharacter` naming row, column and character), what a writer changed so that a value
fits its format (`ExportNotes`: characters written as "?", cells cut to Excel's limit), and the
"<name>.part" file a path target is written to first (`partial_path`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence, Union

import numpy as np
import pandas as pd

from .errors import SegmentationError

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MONEY_WORDS = ("amount", "revenue", "price", "金額", "売上", "単価")

PathLike = Union[str, "os.PathLike[str]"]


class ExportError(SegmentationError):
    """An export cannot be written as asked (a character the encoding cannot hold, too many rows)."""


class UnwritableCharacter(ExportError):
    """A character the file cannot hold, at `row` (as numbered in the sheet: the header is row 1)
    and `column` (its label); `encoding` is the file's ("cp932", "utf-8-sig" or "xlsx")."""

    def __init__(self, message: str, *, row: int, column: str, char: str, encoding: str):
        super().__init__(message)
        self.row, self.column, self.char, self.encoding = row, column, char, encoding


@dataclass(frozen=True)
class CutCell:
    """A text cell cut to what Excel holds: the sheet, the cell ("E5"), its row as numbered in the
    sheet, its column's label, and the characters the text had and kept."""

    sheet: str
    cell: str
    row: int
    column: str
    length: int
    kept: int


@dataclass
class ExportNotes:
    """What a writer changed so that every value fits its format, for the page and the CLI to say:
    `replaced`, characters written as "?" (CP932 with cp932_errors="replace"); `cut`, the cells
    cut to Excel's 32,767 characters (also listed in the workbook's conditions sheet)."""

    replaced: int = 0
    cut: list[CutCell] = field(default_factory=list)



# ---------------------------------------------------------------------------------------------
# One cell


_TRIGGERS = frozenset(FORMULA_TRIGGERS)
_CENT = Decimal("0.01")
_MIDNIGHT = dt.time(0)


def neutralise(value: Any) -> Any:
    """`value` with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Text starting with =, +, -, @, a tab or a carriage return gets the apostrophe; every other
    value, numbers and "" included, comes back unchanged.
    """
    if isinstance(value, str) and value[:1] in _TRIGGERS:
        return "'" + value
    return value


def plain_value(value: Any, money: bool) -> Any:
    """The value as written: None, bool, int, float (finite), date, datetime (not midnight) or text."""
    if isinstance(value, str):
        return "'" + value if value[:1] in _TRIGGERS else str(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _plain_float(float(value), money)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return _money(value) if money else _whole_or_float(value)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime):
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime(warn=False)
        value = value.replace(tzinfo=None)
        return value.date() if value.time() == _MIDNIGHT else value
    if isinstance(value, dt.date):
        return value
    return neutralise(str(value))


def _money(amount: Decimal) -> int | float:
    return _whole_or_float(amount.quantize(_CENT, rounding=ROUND_HALF_UP))


def _whole_or_float(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def cell_text(plain: Any) -> str:
    """The CSV text of a value already made plain."""
    if plain.__class__ is str:
        return plain
    if plain is None:
        return ""
    if plain is True:
        return "TRUE"
    if plain is False:
        return "FALSE"
    if plain.__class__ is int:
        return str(plain)
    if plain.__class__ is float:
        text = repr(plain)
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(plain, dt.datetime):
        return plain.isoformat(sep=" ")
    return plain.isoformat()


def money_flags(columns: Sequence[str], money_columns: Iterable[str] | None) -> list[bool]:
    if money_columns is None:
        return [any(word in name.casefold() for word in MONEY_WORDS) for name in columns]
    wanted = {str(name) for name in money_columns}
    unknown = sorted(wanted - set(columns))
    if unknown:
        raise ExportError(f"money_columns names {', '.join(unknown)}, which the export does not have.")
    return [name in wanted for name in columns]


def plain_columns(frame: pd.DataFrame, money: Sequence[bool]) -> list[list[Any]]:
    return [_plain_column(frame.iloc[:, position], is_money) for position, is_money in enumerate(money)]


def _plain_column(series: pd.Series, money: bool) -> list[Any]:
    """`plain_value` of every value; common column types take a faster path to the same values."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        return series.tolist()  # numpy bool and integer columns hold no missing values
    if isinstance(dtype, pd.StringDtype):
        return [
            None if value.__class__ is not str else "'" + value if value[:1] in _TRIGGERS else value
            for value in series.tolist()
        ]
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return [_plain_float(value, money) for value in series.tolist()]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        if (series.dropna() == series.dropna().dt.normalize()).all():
            dates = series.dt.date.tolist()
            return [None if value is pd.NaT else value for value in dates]
    return [plain_value(value, money) for value in series.tolist()]


def _plain_float(number: float, money: bool) -> int | float | None:
    if number.is_integer():
        return int(number)
    if not math.isfinite(number):
        return None
    return _money(Decimal(repr(number))) if money else number

# ---------------------------------------------------------------------------------------------
# Chunks


def labelled_chunks(frames: Iterable[pd.DataFrame]) -> Iterator[tuple[list[str], pd.DataFrame]]:
    """Each chunk with the export's column labels, checking that every chunk has the same ones."""
    labels: list | None = None
    for number, frame in enumerate(frames, start=1):
        if not isinstance(frame, pd.DataFrame):
            raise ExportError(f"chunk {number} is a {type(frame).__name__}, not a table of rows.")
        if labels is None:
            labels = list(frame.columns)
        elif list(frame.columns) != labels:
            raise ExportError(
                f"chunk {number} has the columns {list(map(str, frame.columns))}, "
                f"but the first chunk has {list(map(str, labels))}."
            )
        yield [str(label) for label in labels], frame



def cannot_write(row: int, column: str, char: str, encoding: str) -> UnwritableCharacter:
    """The error for `char`, which a file in `encoding` (or "xlsx") cannot hold, at `row` and `column`."""
    where = {"row": row, "column": column, "char": char, "encoding": encoding}
    if "\ud800" <= char <= "\udfff":
        return UnwritableCharacter(
            f"row {row}, column {column}: the text holds a broken character (U+{ord(char):04X}) "
            "that no file can hold; correct the source data.", **where
        )
    if encoding == "cp932":
        return UnwritableCharacter(
            f'row {row}, column {column}: "{char}" cannot be written in Shift_JIS (CP932); '
            "export as UTF-8 or use the replacement option.", **where
        )
    return UnwritableCharacter(f'row {row}, column {column}: "{char}" cannot be written in {encoding}.', **where)


def partial_path(target: Path) -> Path:
    """Where an export to `target` is written until it is complete: "<name>.part" beside it."""
    if not target.parent.is_dir():
        raise ExportError(f"{target} cannot be written: the folder {target.parent} does not exist.")
    return target.with_name(target.name + ".part")
