"""Customer lists as files a manager opens in Excel: CSV (UTF-8 with BOM, or Shift_JIS) and xlsx.

The frame handed in is exported as it is: its columns, in order, with its column labels as the
header (the caller decides the display headers); the index is not exported.

What every cell becomes, in both formats (one rule, `_plain`, so CSV and xlsx always agree):
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

CSV: comma separated, CRLF line ends, a header row, fields quoted only when they hold a comma,
a double quote or a line break (line breaks inside a cell are kept as they are), UTF-8 with a
BOM by default. With encoding="cp932" (Shift_JIS as Windows writes it) a character CP932 cannot
hold (emoji, "𠮷", "♥") stops the export with an `ExportError` naming the row as numbered in the
sheet (the header is row 1), the column and the character, unless cp932_errors="replace", which
writes "?" for each such character. The em dash "—" is written as CP932's dash "―"; "〜 − ‖ ¢ £ ¬"
are written as CP932's own look-alikes and so read back as "～ － ∥ ￠ ￡ ￢".

xlsx (written with xlsxwriter): the data sheet has a bold, frozen header row with a filter,
column widths from the header and the first 1,000 rows (Japanese characters count double,
capped at 50), numbers as numeric cells, dates as date cells formatted yyyy-mm-dd, and a second
sheet "条件" holding `meta` (key, value) rows: the as-of date, thresholds and filters that made
the list. Text is neutralised as in CSV, so both files show the same values. One sheet holds at
most 1,048,575 data rows and a cell at most 32,767 characters: more stops with an ExportError.

Streaming (`write_csv_stream`, `write_xlsx_stream`) takes DataFrame chunks with the same
columns, writes the header once and holds one chunk at a time, so a 1,000,000-row export from
the CLI never builds one big frame; the bytes equal those of the one-frame functions. A path
target is written to "<name>.part" and renamed when complete, so a failed export leaves no
half-written file; a file object target is written as the export goes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import tempfile
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Sequence, Union

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import DuplicateWorksheetName, InvalidWorksheetName

from .errors import SegmentationError

FORMATS = ("csv", "xlsx")
ENCODINGS = ("utf-8-sig", "cp932")
CP932_ERRORS = ("strict", "replace")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MONEY_WORDS = ("amount", "revenue", "price", "金額", "売上", "単価")
CONDITIONS_SHEET = "条件"
XLSX_MAX_DATA_ROWS = 1_048_575
XLSX_MAX_TEXT = 32_767
WIDTH_SAMPLE_ROWS = 1_000
MAX_COLUMN_WIDTH = 50

PathLike = Union[str, "os.PathLike[str]"]


class ExportError(SegmentationError):
    """An export cannot be written as asked (a character the encoding cannot hold, too many rows)."""


# ---------------------------------------------------------------------------------------------
# One cell


_TRIGGERS = frozenset(FORMULA_TRIGGERS)
_CENT = Decimal("0.01")
_MIDNIGHT = dt.time(0)
_CP932_LOOKALIKES = str.maketrans({"\u2014": "\u2015"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def neutralise(value: Any) -> Any:
    """`value` with a leading apostrophe when it is text a spreadsheet would run as a formula.

    Text starting with =, +, -, @, a tab or a carriage return gets the apostrophe; every other
    value, numbers and "" included, comes back unchanged.
    """
    if isinstance(value, str) and value[:1] in _TRIGGERS:
        return "'" + value
    return value


def _plain(value: Any, money: bool) -> Any:
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


def _text(plain: Any) -> str:
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


def _money_flags(columns: Sequence[str], money_columns: Iterable[str] | None) -> list[bool]:
    if money_columns is None:
        return [any(word in name.casefold() for word in MONEY_WORDS) for name in columns]
    wanted = {str(name) for name in money_columns}
    unknown = sorted(wanted - set(columns))
    if unknown:
        raise ExportError(f"money_columns names {', '.join(unknown)}, which the export does not have.")
    return [name in wanted for name in columns]


def _plain_columns(frame: pd.DataFrame, money: Sequence[bool]) -> list[list[Any]]:
    return [_plain_column(frame.iloc[:, position], is_money) for position, is_money in enumerate(money)]


def _plain_column(series: pd.Series, money: bool) -> list[Any]:
    """`_plain` of every value; common column types take a faster path to the same values."""
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
    return [_plain(value, money) for value in series.tolist()]


def _plain_float(number: float, money: bool) -> int | float | None:
    if number.is_integer():
        return int(number)
    if not math.isfinite(number):
        return None
    return _money(Decimal(repr(number))) if money else number


# ---------------------------------------------------------------------------------------------
# Chunks


def _chunks(frames: Iterable[pd.DataFrame]) -> Iterator[tuple[list[str], pd.DataFrame]]:
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


def _check_csv_options(encoding: str, cp932_errors: str) -> None:
    if encoding not in ENCODINGS:
        raise ExportError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}.")
    if cp932_errors not in CP932_ERRORS:
        raise ExportError(f"cp932_errors must be one of {', '.join(CP932_ERRORS)}, not {cp932_errors!r}.")


def _cannot_write(row: int, column: str, char: str, encoding: str) -> ExportError:
    if "\ud800" <= char <= "\udfff":
        return ExportError(
            f"row {row}, column {column}: the text holds a broken character (U+{ord(char):04X}) "
            "that no file can hold; correct the source data."
        )
    if encoding == "cp932":
        return ExportError(
            f'row {row}, column {column}: "{char}" cannot be written in Shift_JIS (CP932); '
            "export as UTF-8 or use the replacement option."
        )
    return ExportError(f'row {row}, column {column}: "{char}" cannot be written in {encoding}.')


# ---------------------------------------------------------------------------------------------
# CSV


class _CsvEncoder:
    """Turns header and chunks into bytes, with the BOM once and row numbers across chunks."""

    def __init__(self, encoding: str, cp932_errors: str, money_columns: Iterable[str] | None):
        _check_csv_options(encoding, cp932_errors)
        self.encoding = encoding
        self.codec = "cp932" if encoding == "cp932" else "utf-8"
        self.errors = cp932_errors if encoding == "cp932" else "strict"
        self.money_columns = money_columns
        self.columns: list[str] | None = None
        self.money: list[bool] = []
        self.rows = 0

    def start(self) -> bytes:
        return b"\xef\xbb\xbf" if self.encoding == "utf-8-sig" else b""

    def chunk(self, columns: list[str], frame: pd.DataFrame) -> bytes:
        rows: list[Sequence[str]] = []
        first_row = self.rows + 2
        if self.columns is None:
            self.columns = columns
            self.money = _money_flags(columns, self.money_columns)
            rows.append([_text(neutralise(name)) for name in columns])
            first_row = 1
        texts = [[_text(plain) for plain in column] for column in _plain_columns(frame, self.money)]
        rows.extend(zip(*texts))
        self.rows += len(frame)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return self._encode(buffer.getvalue(), rows, first_row)

    def _encode(self, text: str, rows: list[Sequence[str]], first_row: int) -> bytes:
        if self.codec == "cp932":
            text = text.translate(_CP932_LOOKALIKES)
        try:
            return text.encode(self.codec, self.errors)
        except UnicodeEncodeError:
            pass
        for offset, row in enumerate(rows):
            for column, cell in zip(self.columns or [], row):
                if self.codec == "cp932":
                    cell = cell.translate(_CP932_LOOKALIKES)
                try:
                    cell.encode(self.codec, self.errors)
                except UnicodeEncodeError as error:
                    raise _cannot_write(first_row + offset, column, cell[error.start], self.encoding) from None
        raise ExportError("the export cannot be encoded.")  # pragma: no cover - a cell always fails first


def to_csv_bytes(
    frame: pd.DataFrame,
    encoding: str = "utf-8-sig",
    cp932_errors: str = "strict",
    money_columns: Iterable[str] | None = None,
) -> bytes:
    """The frame as CSV bytes, by the rules in the module docstring."""
    buffer = io.BytesIO()
    write_csv_stream([frame], buffer, encoding=encoding, cp932_errors=cp932_errors, money_columns=money_columns)
    return buffer.getvalue()


def write_csv_stream(
    chunks: Iterable[pd.DataFrame],
    out: PathLike | IO[bytes],
    encoding: str = "utf-8-sig",
    cp932_errors: str = "strict",
    money_columns: Iterable[str] | None = None,
) -> int:
    """Write the chunks as one CSV (header once) to a path or a binary file; return the data rows.

    Holds one chunk at a time. No chunk at all writes an empty file (only the BOM in UTF-8).
    """
    encoder = _CsvEncoder(encoding, cp932_errors, money_columns)
    if isinstance(out, (str, os.PathLike)):
        target = Path(out)
        partial = _partial_path(target)
        try:
            with open(partial, "wb") as file:
                _write_csv(encoder, chunks, file)
            os.replace(partial, target)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise ExportError(f"{target} cannot be written: {error.strerror or error}.") from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    else:
        _write_csv(encoder, chunks, out)
    return encoder.rows


def _write_csv(encoder: _CsvEncoder, chunks: Iterable[pd.DataFrame], file: IO[bytes]) -> None:
    file.write(encoder.start())
    for columns, frame in _chunks(chunks):
        file.write(encoder.chunk(columns, frame))


def _partial_path(target: Path) -> Path:
    if not target.parent.is_dir():
        raise ExportError(f"{target} cannot be written: the folder {target.parent} does not exist.")
    return target.with_name(target.name + ".part")


# ---------------------------------------------------------------------------------------------
# xlsx


def display_width(text: str) -> int:
    """Columns `text` takes on screen: East Asian wide and full-width characters count double."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _cell_width(plain: Any, money: bool) -> int:
    if plain is None:
        return 0
    if money and plain.__class__ in (int, float):
        return len(f"{plain:,.0f}")
    text = _text(plain)
    return max(display_width(line) for line in text.split("\n"))


class _Cells:
    """Writes plain values into one sheet with the export's formats, checking Excel's limits."""

    def __init__(self, workbook: xlsxwriter.Workbook, sheet, column_names: Sequence[str]):
        self.sheet = sheet
        self.column_names = column_names
        self.formats = {
            "money": workbook.add_format({"num_format": "#,##0"}),
            "integer": workbook.add_format({"num_format": "0"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }

    def value(self, row: int, position: int, plain: Any, money: bool) -> None:
        kind = plain.__class__
        if kind is str:
            if plain:
                self.string(row, position, plain)
        elif plain is None:
            return
        elif kind is bool:
            self.sheet.write_boolean(row, position, plain)
        elif kind is int:
            self.sheet.write_number(row, position, plain, self.formats["money" if money else "integer"])
        elif kind is float:
            self.sheet.write_number(row, position, plain, self.formats["money"] if money else None)
        elif plain.year < 1900:
            self.string(row, position, _text(plain))  # Excel has no dates before 1900
        elif kind is dt.datetime:
            self.sheet.write_datetime(row, position, plain, self.formats["datetime"])
        else:
            self.sheet.write_datetime(row, position, plain, self.formats["date"])

    def string(self, row: int, position: int, text: str, cell_format=None) -> None:
        if len(text) > XLSX_MAX_TEXT // 2 and len(text.encode("utf-16-le", "surrogatepass")) // 2 > XLSX_MAX_TEXT:
            raise ExportError(
                f"row {row + 1}, column {self.column_names[position]}: the text has {len(text):,} "
                f"characters, more than Excel's {XLSX_MAX_TEXT:,} for one cell; export as CSV instead."
            )
        if not text.isascii():
            broken = _SURROGATE.search(text)
            if broken:
                raise _cannot_write(row + 1, self.column_names[position], broken.group(), "xlsx")
        self.sheet.write_string(row, position, text, cell_format)


def _width(values: Iterable[int]) -> int:
    return min(max(max(values, default=0) + 2, 6), MAX_COLUMN_WIDTH)


class _DataSheet:
    """The data sheet, written row by row in order, as constant_memory mode needs."""

    def __init__(self, workbook: xlsxwriter.Workbook, sheet_name: str, money_columns: Iterable[str] | None):
        try:
            sheet = workbook.add_worksheet(sheet_name)
        except (InvalidWorksheetName, DuplicateWorksheetName) as error:
            raise ExportError(f'"{sheet_name}" cannot be a sheet name: {error}') from None
        self.bold = workbook.add_format({"bold": True})
        self.column_names: list[str] = []
        self.cells = _Cells(workbook, sheet, self.column_names)
        self.money_columns = money_columns
        self.money: list[bool] = []
        self.rows = 0

    def chunk(self, columns: list[str], frame: pd.DataFrame) -> None:
        first = not self.column_names
        if first:
            self._header(columns)
        if self.rows + len(frame) > XLSX_MAX_DATA_ROWS:
            raise ExportError(
                f"{self.rows + len(frame):,} rows do not fit in one Excel sheet "
                f"(at most {XLSX_MAX_DATA_ROWS:,}); export as CSV instead."
            )
        plain_columns = _plain_columns(frame, self.money)
        if first:
            self._widths(plain_columns)
        cells = self.cells
        for row, values in enumerate(zip(*plain_columns), start=self.rows + 1):
            for position, (plain, money) in enumerate(zip(values, self.money)):
                cells.value(row, position, plain, money)
        self.rows += len(frame)

    def finish(self) -> None:
        if self.column_names:
            self.cells.sheet.autofilter(0, 0, max(self.rows, 1), len(self.column_names) - 1)

    def _header(self, columns: list[str]) -> None:
        self.column_names.extend(columns)
        self.money = _money_flags(columns, self.money_columns)
        self.cells.sheet.freeze_panes(1, 0)
        for position, name in enumerate(columns):
            self.cells.string(0, position, neutralise(name), self.bold)

    def _widths(self, plain_columns: list[list[Any]]) -> None:
        """From the header (room for the filter button) and the first rows; wide characters count double."""
        for position, (name, money, values) in enumerate(zip(self.column_names, self.money, plain_columns)):
            header = display_width(neutralise(name)) + 2
            sample = (_cell_width(plain, money) for plain in values[:WIDTH_SAMPLE_ROWS])
            self.cells.sheet.set_column(position, position, _width([header, *sample]))


def _write_conditions(workbook: xlsxwriter.Workbook, meta: Iterable[tuple[str, Any]]) -> None:
    """The "条件" sheet: one (key, value) row per condition, keys in bold."""
    cells = _Cells(workbook, workbook.add_worksheet(CONDITIONS_SHEET), ["key", "value"])
    bold = workbook.add_format({"bold": True})
    key_widths, value_widths = [], []
    for row, item in enumerate(meta):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ExportError(f"condition {row + 1} must be a (key, value) pair, not {item!r}.")
        key, value = _plain(str(item[0]), False), _plain(item[1], False)
        cells.string(row, 0, key, bold)
        cells.value(row, 1, value, False)
        key_widths.append(_cell_width(key, False))
        value_widths.append(_cell_width(value, False))
    cells.sheet.set_column(0, 0, _width(key_widths))
    cells.sheet.set_column(1, 1, _width(value_widths))


def _write_xlsx(
    workbook: xlsxwriter.Workbook,
    chunks: Iterable[pd.DataFrame],
    meta: Iterable[tuple[str, Any]],
    sheet_name: str,
    money_columns: Iterable[str] | None,
) -> int:
    if sheet_name == CONDITIONS_SHEET:
        raise ExportError(f'"{sheet_name}" is the conditions sheet\'s name; choose another sheet name.')
    data = _DataSheet(workbook, sheet_name, money_columns)
    _write_conditions(workbook, meta)
    for columns, frame in _chunks(chunks):
        data.chunk(columns, frame)
    data.finish()
    return data.rows


_WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


def to_xlsx_bytes(
    frame: pd.DataFrame,
    meta: Iterable[tuple[str, Any]],
    sheet_name: str = "customers",
    money_columns: Iterable[str] | None = None,
) -> bytes:
    """The frame as an xlsx workbook: data sheet `sheet_name`, then the "条件" sheet of `meta`."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {**_WORKBOOK_OPTIONS, "in_memory": True})
    try:
        _write_xlsx(workbook, [frame], meta, sheet_name, money_columns)
    finally:
        workbook.close()
    return buffer.getvalue()


def write_xlsx_stream(
    chunks: Iterable[pd.DataFrame],
    out: PathLike,
    meta: Iterable[tuple[str, Any]],
    sheet_name: str = "customers",
    money_columns: Iterable[str] | None = None,
) -> int:
    """Write the chunks to one xlsx file at `out` in constant memory; return the data rows.

    Column widths come from the header and the first chunk's first 1,000 rows.
    """
    target = Path(out)
    partial = _partial_path(target)
    with tempfile.TemporaryDirectory(prefix="export-", ignore_cleanup_errors=True) as scratch:
        options = {**_WORKBOOK_OPTIONS, "constant_memory": True, "tmpdir": scratch}
        workbook = xlsxwriter.Workbook(str(partial), options)
        try:
            rows = _write_xlsx(workbook, chunks, meta, sheet_name, money_columns)
            workbook.close()
            os.replace(partial, target)
        except BaseException as error:
            if not workbook.fileclosed:
                try:
                    workbook.close()  # closes the row files constant_memory keeps open
                except Exception:
                    pass
            partial.unlink(missing_ok=True)
            if isinstance(error, (OSError, xlsxwriter.exceptions.FileCreateError)):
                raise ExportError(f"{target} cannot be written: {error}.") from None
            raise
    return rows


# ---------------------------------------------------------------------------------------------
# The conditions of a list, as a manager reads them


def conditions_rows(
    *,
    lang: str,
    view: str | None,
    as_of: dt.date,
    thresholds,
    scope,
    filters,
    rows: int | None = None,
    created: dt.datetime | None = None,
) -> list[tuple[str, str]]:
    """The (label, sentence) rows that say which list an export holds: the 条件 sheet of an
    Excel file, written the same way by the page and the CLI. `view` is a ready view's key (or
    None for a list filtered by hand); `lang` ja or en (`codes` reads as en)."""
    from .filters import describe_filters
    from .texts import text

    lang = "ja" if lang == "ja" else "en"
    separator = "、" if lang == "ja" else "; "
    described = describe_filters(filters, lang)
    result = [
        (text("meta_view", lang), text(f"view_{view or 'custom'}", lang)),
        (text("meta_as_of", lang), as_of.isoformat()),
        (text("meta_thresholds", lang), separator.join(thresholds.describe(lang))),
        (text("meta_scope", lang), scope.describe(lang)),
        (text("meta_filters", lang), separator.join(described) if described else text("filter_desc_none", lang)),
    ]
    if rows is not None:
        result.append((text("meta_rows", lang), f"{rows:,}"))
    result.append((text("meta_created", lang), (created or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")))
    return result


# ---------------------------------------------------------------------------------------------
# File names


_FORBIDDEN_IN_NAMES = re.compile(r'[/\\:*?"<>|]')


def export_filename(view: str, as_of: dt.date, fmt: str, today: dt.date | None = None) -> str:
    """The download name: "customers_<view>_<as-of date>.<fmt>", e.g. customers_due-this-week_2026-11-20.csv.

    The view keeps its letters (Japanese included) but loses / \\ : * ? " < > |, control and
    format characters; runs of spaces become one "-", and it is cut to 60 characters. When
    `today` is given and differs from `as_of`, the export day follows as "_exported-<date>", so
    a list of an earlier day is never mistaken for today's.
    """
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if fmt not in FORMATS:
        raise ExportError(f"the format must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    name = unicodedata.normalize("NFC", str(view))
    name = _FORBIDDEN_IN_NAMES.sub("", name)
    name = "".join(char for char in name if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = re.sub(r"\s+", "-", name.strip())[:60].strip(".-_ ")
    parts = ["customers"] + ([name] if name else []) + [as_of.isoformat()]
    if today is not None and today != as_of:
        parts.append(f"exported-{today.isoformat()}")
    return "_".join(parts) + "." + fmt
