"""The xlsx writer of the export (with xlsxwriter), behind `export.to_xlsx_bytes` and `export.write_xlsx_stream`.

The data sheet has a bold, frozen header row with a filter, column widths from the header and
the first 1,000 rows (Japanese characters count double, capped at 50), numbers as numeric
cells, dates as date cells formatted yyyy-mm-dd, and a second sheet "条件" holding `meta` (key,
value) rows: the as-of date, thresholds and filters that made the list. Every cell follows the
rules of `export_cells` and text is neutralised as in CSV, so both files show the same values.
One sheet holds at most `export.XLSX_MAX_DATA_ROWS` (1,048,575) data rows: more stops with an
ExportError. A cell holds at most 32,767 characters (as Excel counts them: an emoji outside the
Basic Multilingual Plane takes two): a longer text is cut to its first 32,767, never in the
middle of a character, and each cut cell is listed at the end of the 条件 sheet ("切り詰めたセル",
in the language of `lang`) and in `ExportNotes.cut`, so the reader of the file and the page
both know. Control characters are written as Excel's `_xHHHH_` escapes (xlsxwriter does it),
which Excel reads back as the characters.

`write_xlsx` takes DataFrame chunks with the same columns and writes them in xlsxwriter's
constant_memory mode, so a 1,000,000-row export never builds one big frame; column widths then
come from the header and the first chunk's first 1,000 rows. The file is written to
"<name>.part" and renamed when complete, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import DuplicateWorksheetName, InvalidWorksheetName
from xlsxwriter.utility import xl_rowcol_to_cell

from .export_cells import (
    CutCell,
    ExportError,
    ExportNotes,
    PathLike,
    cannot_write,
    cell_text,
    labelled_chunks,
    money_flags,
    neutralise,
    partial_path,
    plain_columns,
    plain_value,
)

CONDITIONS_SHEET = "条件"
XLSX_MAX_TEXT = 32_767
WIDTH_SAMPLE_ROWS = 1_000
MAX_COLUMN_WIDTH = 50
#: Cut cells listed one per row in the 条件 sheet; beyond this, one row says how many more.
MAX_LISTED_CUTS = 100_000

_SURROGATE = re.compile("[\ud800-\udfff]")


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
    text = cell_text(plain)
    return max(display_width(line) for line in text.split("\n"))


class _Cells:
    """Writes plain values into one sheet with the export's formats, cutting text to what a cell holds."""

    def __init__(self, workbook: xlsxwriter.Workbook, sheet, column_names: Sequence[str], notes: ExportNotes):
        self.sheet = sheet
        self.column_names = column_names
        self.notes = notes
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
            self.string(row, position, cell_text(plain))  # Excel has no dates before 1900
        elif kind is dt.datetime:
            self.sheet.write_datetime(row, position, plain, self.formats["datetime"])
        else:
            self.sheet.write_datetime(row, position, plain, self.formats["date"])

    def string(self, row: int, position: int, text: str, cell_format=None) -> None:
        if len(text) > XLSX_MAX_TEXT // 2 and len(text.encode("utf-16-le", "surrogatepass")) // 2 > XLSX_MAX_TEXT:
            kept = _excel_prefix(text)
            self.notes.cut.append(CutCell(self.sheet.name, xl_rowcol_to_cell(row, position), row + 1,
                                          self.column_names[position], len(text), len(kept)))
            text = kept
        if not text.isascii():
            broken = _SURROGATE.search(text)
            if broken:
                raise cannot_write(row + 1, self.column_names[position], broken.group(), "xlsx")
        self.sheet.write_string(row, position, text, cell_format)


def _excel_prefix(text: str) -> str:
    """The longest start of `text` that Excel holds in one cell (32,767 UTF-16 units), whole characters only."""
    prefix = text.encode("utf-16-le", "surrogatepass")[: 2 * XLSX_MAX_TEXT].decode("utf-16-le", "surrogatepass")
    if prefix and "\ud800" <= prefix[-1] <= "\udbff" and text[len(prefix) - 1] != prefix[-1]:
        prefix = prefix[:-1]  # the first half of a character the cut would split
    return prefix


def _width(values: Iterable[int]) -> int:
    return min(max(max(values, default=0) + 2, 6), MAX_COLUMN_WIDTH)


class _DataSheet:
    """The data sheet, written row by row in order, as constant_memory mode needs."""

    def __init__(
        self, workbook: xlsxwriter.Workbook, sheet_name: str, money_columns: Iterable[str] | None, max_rows: int,
        notes: ExportNotes,
    ):
        try:
            sheet = workbook.add_worksheet(sheet_name)
        except (InvalidWorksheetName, DuplicateWorksheetName) as error:
            raise ExportError(f'"{sheet_name}" cannot be a sheet name: {error}') from None
        self.bold = workbook.add_format({"bold": True})
        self.column_names: list[str] = []
        self.cells = _Cells(workbook, sheet, self.column_names, notes)
        self.money_columns = money_columns
        self.money: list[bool] = []
        self.max_rows = max_rows
        self.rows = 0

    def chunk(self, columns: list[str], frame: pd.DataFrame) -> None:
        first = not self.column_names
        if first:
            self._header(columns)
        if self.rows + len(frame) > self.max_rows:
            raise ExportError(
                f"{self.rows + len(frame):,} rows do not fit in one Excel sheet "
                f"(at most {self.max_rows:,}); export as CSV instead."
            )
        columns_plain = plain_columns(frame, self.money)
        if first:
            self._widths(columns_plain)
        cells = self.cells
        for row, values in enumerate(zip(*columns_plain), start=self.rows + 1):
            for position, (plain, money) in enumerate(zip(values, self.money)):
                cells.value(row, position, plain, money)
        self.rows += len(frame)

    def finish(self) -> None:
        if self.column_names:
            self.cells.sheet.autofilter(0, 0, max(self.rows, 1), len(self.column_names) - 1)

    def _header(self, columns: list[str]) -> None:
        self.column_names.extend(columns)
        self.money = money_flags(columns, self.money_columns)
        self.cells.sheet.freeze_panes(1, 0)
        for position, name in enumerate(columns):
            self.cells.string(0, position, neutralise(name), self.bold)

    def _widths(self, plain_columns: list[list[Any]]) -> None:
        """From the header (room for the filter button) and the first rows; wide characters count double."""
        for position, (name, money, values) in enumerate(zip(self.column_names, self.money, plain_columns)):
            header = display_width(neutralise(name)) + 2
            sample = (_cell_width(plain, money) for plain in values[:WIDTH_SAMPLE_ROWS])
            self.cells.sheet.set_column(position, position, _width([header, *sample]))


class _Conditions:
    """The "条件" sheet: one (key, value) row per condition, keys in bold; after the data, one row
    per cell that was cut."""

    def __init__(self, workbook: xlsxwriter.Workbook, notes: ExportNotes):
        self.cells = _Cells(workbook, workbook.add_worksheet(CONDITIONS_SHEET), ["key", "value"], notes)
        self.bold = workbook.add_format({"bold": True})
        self.rows = 0

    def write(self, meta: Iterable[tuple[str, Any]]) -> None:
        cells, bold = self.cells, self.bold
        key_widths, value_widths = [], []
        for row, item in enumerate(meta):
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise ExportError(f"condition {row + 1} must be a (key, value) pair, not {item!r}.")
            key, value = plain_value(str(item[0]), False), plain_value(item[1], False)
            cells.string(row, 0, key, bold)
            cells.value(row, 1, value, False)
            key_widths.append(_cell_width(key, False))
            value_widths.append(_cell_width(value, False))
            self.rows = row + 1
        cells.sheet.set_column(0, 0, _width(key_widths))
        cells.sheet.set_column(1, 1, _width(value_widths))

    def list_cuts(self, lang: str) -> None:
        """A row per cut cell (at most `MAX_LISTED_CUTS`, then how many more), after the conditions."""
        from .texts import text

        cuts = self.cells.notes.cut
        label = text("meta_cut", lang)
        for cut in cuts[:MAX_LISTED_CUTS]:
            where = cut.cell if cut.sheet != CONDITIONS_SHEET else f"{CONDITIONS_SHEET}!{cut.cell}"
            self._row(label, text("meta_cut_cell", lang, cell=where, column=cut.column, length=cut.length,
                                  kept=cut.kept))
        if len(cuts) > MAX_LISTED_CUTS:
            self._row(label, text("meta_cut_more", lang, n=len(cuts) - MAX_LISTED_CUTS))

    def _row(self, key: str, value: str) -> None:
        self.cells.sheet.write_string(self.rows, 0, key, self.bold)
        self.cells.sheet.write_string(self.rows, 1, value)
        self.rows += 1


def _write_xlsx(
    workbook: xlsxwriter.Workbook,
    chunks: Iterable[pd.DataFrame],
    meta: Iterable[tuple[str, Any]],
    sheet_name: str,
    money_columns: Iterable[str] | None,
    max_rows: int,
    lang: str,
    notes: ExportNotes | None,
) -> int:
    if sheet_name == CONDITIONS_SHEET:
        raise ExportError(f'"{sheet_name}" is the conditions sheet\'s name; choose another sheet name.')
    notes = notes if notes is not None else ExportNotes()
    data = _DataSheet(workbook, sheet_name, money_columns, max_rows, notes)
    conditions = _Conditions(workbook, notes)
    conditions.write(meta)
    for columns, frame in labelled_chunks(chunks):
        data.chunk(columns, frame)
    data.finish()
    conditions.list_cuts(lang)
    return data.rows


_WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


def xlsx_bytes(
    frame: pd.DataFrame,
    meta: Iterable[tuple[str, Any]],
    sheet_name: str,
    money_columns: Iterable[str] | None,
    max_rows: int,
    *,
    lang: str = "en",
    notes: ExportNotes | None = None,
) -> bytes:
    """The frame as an xlsx workbook in memory (`export.to_xlsx_bytes`), at most `max_rows` data rows."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {**_WORKBOOK_OPTIONS, "in_memory": True})
    try:
        _write_xlsx(workbook, [frame], meta, sheet_name, money_columns, max_rows, lang, notes)
    finally:
        workbook.close()
    return buffer.getvalue()


def write_xlsx(
    chunks: Iterable[pd.DataFrame],
    out: PathLike,
    meta: Iterable[tuple[str, Any]],
    sheet_name: str,
    money_columns: Iterable[str] | None,
    max_rows: int,
    *,
    lang: str = "en",
    notes: ExportNotes | None = None,
) -> int:
    """Write the chunks to one xlsx file at `out` in constant memory (`export.write_xlsx_stream`),
    at most `max_rows` data rows; return the data rows."""
    target = Path(out)
    partial = partial_path(target)
    with tempfile.TemporaryDirectory(prefix="export-", ignore_cleanup_errors=True) as scratch:
        options = {**_WORKBOOK_OPTIONS, "constant_memory": True, "tmpdir": scratch}
        workbook = xlsxwriter.Workbook(str(partial), options)
        try:
            rows = _write_xlsx(workbook, chunks, meta, sheet_name, money_columns, max_rows, lang, notes)
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
