"""Customer lists as files a manager opens in Excel: CSV (UTF-8 with BOM, or Shift_JIS) and xlsx.

The frame handed in is exported as it is: its columns, in order, with its column labels as the
header (the caller decides the display headers); the index is not exported. What every cell
becomes (empty cells, booleans, numbers, money columns, dates, formula-like text) is one rule
for both formats, in `export_cells`.

CSV: comma separated, CRLF line ends, a header row, fields quoted only when they hold a comma,
a double quote or a line break (line breaks inside a cell are kept as they are), UTF-8 with a
BOM by default. With encoding="cp932" (Shift_JIS as Windows writes it) a character CP932 cannot
hold (emoji, "𠮷", "♥") stops the export with an `ExportError` naming the row as numbered in the
sheet (the header is row 1), the column and the character (`UnwritableCharacter`), unless
cp932_errors="replace", which writes "?" for each such character and counts them in the
`ExportNotes` passed as `notes`. The em dash "—" is written as CP932's dash "―"; "〜 − ‖ ¢ £ ¬"
are written as CP932's own look-alikes and so read back as "～ － ∥ ￠ ￡ ￢".

xlsx: a data sheet and the "条件" sheet of the list's conditions, at most `XLSX_MAX_DATA_ROWS`
data rows; the workbook itself is written by `export_xlsx`. A text longer than Excel's 32,767
characters per cell is cut to them; every cut cell is listed at the end of the 条件 sheet (in
`lang`) and in `notes.cut`.

Streaming (`write_csv_stream`, `write_xlsx_stream`) takes DataFrame chunks with the same
columns, writes the header once and holds one chunk at a time, so a 1,000,000-row export from
the CLI never builds one big frame; the bytes equal those of the one-frame functions. A path
target is written to "<name>.part" and renamed when complete, so a failed export leaves no
half-written file; a file object target is written as the export goes.

This module is the export's public API (`__all__`): it holds the CSV writer, the xlsx entry
points, the conditions of a list (`conditions_rows`) and the download names
(`export_filename`), and the rest of the API is imported from `export_cells` and `export_xlsx`,
so every name callers use stays importable from `segmentation.export`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
from pathlib import Path
from typing import IO, Any, Iterable, Sequence

import pandas as pd

from .export_cells import (
    FORMULA_TRIGGERS,
    MONEY_WORDS,
    CutCell,
    ExportError,
    ExportNotes,
    PathLike,
    UnwritableCharacter,
    cannot_write,
    cell_text,
    labelled_chunks,
    money_flags,
    neutralise,
    partial_path,
    plain_columns,
)
from .export_xlsx import (
    CONDITIONS_SHEET,
    MAX_COLUMN_WIDTH,
    WIDTH_SAMPLE_ROWS,
    XLSX_MAX_TEXT,
    display_width,
    write_xlsx,
    xlsx_bytes,
)

# The export's public API, whichever module holds each part.
__all__ = [
    "CONDITIONS_SHEET",
    "CP932_ERRORS",
    "ENCODINGS",
    "FORMATS",
    "FORMULA_TRIGGERS",
    "MAX_COLUMN_WIDTH",
    "MONEY_WORDS",
    "WIDTH_SAMPLE_ROWS",
    "XLSX_MAX_DATA_ROWS",
    "XLSX_MAX_TEXT",
    "CutCell",
    "ExportError",
    "ExportNotes",
    "PathLike",
    "UnwritableCharacter",
    "conditions_rows",
    "display_width",
    "export_filename",
    "neutralise",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "write_csv_stream",
    "write_xlsx_stream",
]

FORMATS = ("csv", "xlsx")
ENCODINGS = ("utf-8-sig", "cp932")
CP932_ERRORS = ("strict", "replace")
XLSX_MAX_DATA_ROWS = 1_048_575  # Excel's rows per sheet, less the header row

_CP932_LOOKALIKES = str.maketrans({"\u2014": "\u2015"})


# ---------------------------------------------------------------------------------------------
# CSV


def _check_csv_options(encoding: str, cp932_errors: str) -> None:
    if encoding not in ENCODINGS:
        raise ExportError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}.")
    if cp932_errors not in CP932_ERRORS:
        raise ExportError(f"cp932_errors must be one of {', '.join(CP932_ERRORS)}, not {cp932_errors!r}.")


class _CsvEncoder:
    """Turns header and chunks into bytes, with the BOM once and row numbers across chunks."""

    def __init__(self, encoding: str, cp932_errors: str, money_columns: Iterable[str] | None,
                 notes: ExportNotes | None = None):
        _check_csv_options(encoding, cp932_errors)
        self.notes = notes if notes is not None else ExportNotes()
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
            self.money = money_flags(columns, self.money_columns)
            rows.append([cell_text(neutralise(name)) for name in columns])
            first_row = 1
        texts = [[cell_text(plain) for plain in column] for column in plain_columns(frame, self.money)]
        rows.extend(zip(*texts))
        self.rows += len(frame)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return self._encode(buffer.getvalue(), rows, first_row)

    def _encode(self, text: str, rows: list[Sequence[str]], first_row: int) -> bytes:
        if self.codec == "cp932":
            text = text.translate(_CP932_LOOKALIKES)
        try:
            encoded = text.encode(self.codec, self.errors)
        except UnicodeEncodeError:
            pass
        else:
            if self.errors == "replace":  # "?" is one byte in CP932, never part of another character
                self.notes.replaced += encoded.count(b"?") - text.count("?")
            return encoded
        for offset, row in enumerate(rows):
            for column, cell in zip(self.columns or [], row):
                if self.codec == "cp932":
                    cell = cell.translate(_CP932_LOOKALIKES)
                try:
                    cell.encode(self.codec, self.errors)
                except UnicodeEncodeError as error:
                    raise cannot_write(first_row + offset, column, cell[error.start], self.encoding) from None
        raise ExportError("the export cannot be encoded.")  # pragma: no cover - a cell always fails first


def to_csv_bytes(
    frame: pd.DataFrame,
    encoding: str = "utf-8-sig",
    cp932_errors: str = "strict",
    money_columns: Iterable[str] | None = None,
    *,
    notes: ExportNotes | None = None,
) -> bytes:
    """The frame as CSV bytes, by the rules in the module docstring; `notes` counts the
    characters written as "?"."""
    buffer = io.BytesIO()
    write_csv_stream([frame], buffer, encoding=encoding, cp932_errors=cp932_errors, money_columns=money_columns,
                     notes=notes)
    return buffer.getvalue()


def write_csv_stream(
    chunks: Iterable[pd.DataFrame],
    out: PathLike | IO[bytes],
    encoding: str = "utf-8-sig",
    cp932_errors: str = "strict",
    money_columns: Iterable[str] | None = None,
    *,
    notes: ExportNotes | None = None,
) -> int:
    """Write the chunks as one CSV (header once) to a path or a binary file; return the data rows.

    Holds one chunk at a time. No chunk at all writes an empty file (only the BOM in UTF-8).
    `notes` counts the characters written as "?".
    """
    encoder = _CsvEncoder(encoding, cp932_errors, money_columns, notes)
    if isinstance(out, (str, os.PathLike)):
        target = Path(out)
        partial = partial_path(target)
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
    for columns, frame in labelled_chunks(chunks):
        file.write(encoder.chunk(columns, frame))


# ---------------------------------------------------------------------------------------------
# xlsx (the writer is in export_xlsx)


def to_xlsx_bytes(
    frame: pd.DataFrame,
    meta: Iterable[tuple[str, Any]],
    sheet_name: str = "customers",
    money_columns: Iterable[str] | None = None,
    *,
    lang: str = "en",
    notes: ExportNotes | None = None,
) -> bytes:
    """The frame as an xlsx workbook: data sheet `sheet_name`, then the "条件" sheet of `meta`
    (and of the cells cut to Excel's limit, in `lang`, also listed in `notes.cut`)."""
    return xlsx_bytes(frame, meta, sheet_name, money_columns, XLSX_MAX_DATA_ROWS, lang=lang, notes=notes)


def write_xlsx_stream(
    chunks: Iterable[pd.DataFrame],
    out: PathLike,
    meta: Iterable[tuple[str, Any]],
    sheet_name: str = "customers",
    money_columns: Iterable[str] | None = None,
    *,
    lang: str = "en",
    notes: ExportNotes | None = None,
) -> int:
    """Write the chunks to one xlsx file at `out` in constant memory; return the data rows.

    Column widths come from the header and the first chunk's first 1,000 rows. Cells cut to
    Excel's limit are listed as in `to_xlsx_bytes`.
    """
    return write_xlsx(chunks, out, meta, sheet_name, money_columns, XLSX_MAX_DATA_ROWS, lang=lang, notes=notes)


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
    from .filters import filters_sentence
    from .texts import text

    lang = "ja" if lang == "ja" else "en"
    separator = "、" if lang == "ja" else "; "
    result = [
        (text("meta_view", lang), text(f"view_{view or 'custom'}", lang)),
        (text("meta_as_of", lang), as_of.isoformat()),
        (text("meta_thresholds", lang), separator.join(thresholds.describe(lang))),
        (text("meta_scope", lang), scope.describe(lang)),
        (text("meta_filters", lang), filters_sentence(filters, lang)),
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
