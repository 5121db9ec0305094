"""The files an import reads: what each one is, and its rows as text in DuckDB.

`inspect(path)` looks at a file without reading all of it and says what it is (`Source`): CSV
or TSV text (its encoding, delimiter and header row, each detected and each overridable with
`ReadOptions`), an Excel workbook (`.xlsx`, the first sheet or a named one) or Parquet. Then
`stage(con, source, table)` loads every row into a TEMP table of the connection as text columns
`c0, c1, ...` in header order, in file order, so the table's `rowid` is the data row's position
in the file (from 0).
Nothing is read row by row in Python for CSV: DuckDB's CSV reader parses the file; a file that
is not UTF-8 (CP932/Shift_JIS, UTF-16) is first transcoded to UTF-8 in a stream.

Detection, in the order applied:
- encoding: a byte-order mark (UTF-8, UTF-16) wins; else a file that is valid UTF-8 throughout
  is UTF-8; else CP932 (Shift_JIS's Windows superset, with ①, ㈱ and the NEC/IBM characters)
  when the sample reads as CP932, else EUC-JP; else `charset_normalizer` chooses. A Western
  file in cp1252 may also read as CP932: name it with `--encoding cp1252`;
- delimiter: comma, tab, semicolon or bar, whichever splits the first rows into the same number
  of fields (more than one) most consistently; `.tsv` and `.txt` files try tab first;
- header row: among the first 30 rows, the one naming the most known columns (`known_headers`,
  compared by `platform_spec.header_key`); rows above it (a title, an export date) are skipped.

A problem is an `ImportFileError` naming the file and, where there is one, the line: "line" is
the row as a spreadsheet numbers it (the header's row included; a value holding a line break
does not start a new row), as DuckDB's CSV reader counts them; `line_numbers` finds the lines of
staged rows when a message needs them.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import duckdb
import pandas as pd

from .errors import ImportFileError
from .platform_spec import header_key
from .sources_excel import sheet_names, xlsx_rows

DELIMITERS = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "bar"}
SAMPLE_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 30
_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class ReadOptions:
    """What the manager may say instead of letting the import detect it."""

    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None  # 1-based row of the file that names the columns
    sheet: str | None = None


@dataclass(frozen=True)
class Source:
    """One file as detected: its format, how its text is written and its column headers."""

    path: Path
    format: str
    headers: tuple[str, ...]
    header_row: int = 1  # 1-based record of the header (1 for Parquet)
    encoding: str | None = None  # CSV only; as Python names it ("utf-8", "cp932", "utf-16")
    delimiter: str | None = None  # CSV only
    sheet: str | None = None  # xlsx only
    header_lines: int = 1  # CSV: physical lines up to and including the header
    verified: bool = False  # CSV: the whole file was checked to be valid in `encoding`

    @property
    def name(self) -> str:
        return self.path.name

    def describe(self, lang: str = "en") -> str:
        """One line: "orders.csv: CSV, Shift_JIS (CP932), comma, header on row 1"."""
        from .texts import text

        if self.format == "csv":
            delimiter = text(f"delimiter_{DELIMITER_NAMES.get(self.delimiter or ',', 'other')}", lang)
            return text("source_csv", lang, name=self.name, encoding=self.encoding_label, delimiter=delimiter,
                        row=self.header_row)
        if self.format == "xlsx":
            return text("source_xlsx", lang, name=self.name, sheet=self.sheet, row=self.header_row)
        return text("source_parquet", lang, name=self.name)

    @property
    def encoding_label(self) -> str:
        return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "cp932": "Shift_JIS (CP932)",
                "utf-16": "UTF-16", "euc_jp": "EUC-JP"}.get(self.encoding or "", self.encoding or "")


def files_in(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The files named, a folder standing for its readable files, all in name order (so of two
    exports of one shop, named by date, the later one comes last)."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and _format_of(p) and not p.name.startswith("."))
            if not inside:
                raise ImportFileError(f"The folder {path} holds no CSV, TSV, Excel or Parquet file.")
            found.extend(inside)
        elif not path.exists():
            raise ImportFileError(f"The file {path} does not exist.")
        else:
            found.append(path)
    return sorted(found, key=lambda p: (p.name, str(p)))


def _format_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".tsv", ".txt", ""):
        return "csv"
    return None


def inspect(path: str | os.PathLike, options: ReadOptions = ReadOptions(), known_headers: frozenset[str] = frozenset()
            ) -> Source:
    """What the file is, read from its first rows; `known_headers` (as `header_key`s) find the header row."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"The file {path} does not exist." if not path.exists() else f"{path} is a folder, not a file.")
    fmt = _format_of(path)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04":
        fmt = "xlsx"
    elif magic == b"PAR1":
        fmt = "parquet"
    if fmt is None:
        raise ImportFileError(f"{path.name} is not a file the import reads: give a CSV, TSV, Excel (.xlsx) or Parquet file.")
    if fmt == "parquet":
        return _inspect_parquet(path)
    if fmt == "xlsx":
        return _inspect_xlsx(path, options, known_headers)
    return _inspect_csv(path, options, known_headers)


# --- CSV and TSV ---------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """The file's text encoding (see the module docstring)."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if len(head) >= 4 and head[1:4:2] == b"\x00\x00" and head[0] != 0:
            return "utf-16-le"
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head)
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
    # A Japanese shop's file that is not UTF-8 is almost always CP932; statistical detection on a
    # short sample (one Japanese word among English headers) often says cp1252 instead.
    for candidate in ("cp932", "euc_jp"):
        try:
            head.decode(candidate)
            return candidate
        except UnicodeDecodeError as error:
            if error.start >= len(head) - 1:  # a character cut by the sample's end
                return candidate
    from charset_normalizer import from_bytes

    best = from_bytes(head, cp_isolation=["cp932", "shift_jis", "euc_jp", "iso2022_jp", "cp1252", "latin_1"]).best()
    encoding = best.encoding if best is not None else "cp932"
    return "cp932" if encoding in ("shift_jis", "cp932", "sjis") else encoding


def _sample_text(path: Path, encoding: str) -> str:
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    text = head.decode(encoding, errors="replace")
    if len(head) == SAMPLE_BYTES and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # whole lines only
    return text


def _records(text: str, delimiter: str, limit: int | None = None) -> list[tuple[int, list[str]]]:
    """(physical lines consumed so far, fields) for the first records of `text`."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out = []
    try:
        for fields in reader:
            out.append((reader.line_num, fields))
            if limit is not None and len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def detect_delimiter(text: str, prefer_tab: bool = False) -> str:
    """The delimiter that splits the sample's rows most consistently into more than one field."""
    candidates = ("\t",) + tuple(d for d in DELIMITERS if d != "\t") if prefer_tab else DELIMITERS
    best, best_score = candidates[0], (-1, -1)
    for delimiter in candidates:
        counts = [len(fields) for _, fields in _records(text, delimiter, 200) if fields]
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        score = (counts.count(modal) if modal > 1 else 0, modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _header_record(rows: list[list[str]], known_headers: frozenset[str]) -> int:
    """0-based index of the header among `rows`: the one naming most known columns, else the first non-blank."""
    scores = [sum(header_key(cell) in known_headers for cell in row) for row in rows[:HEADER_SEARCH_ROWS]]
    if scores and max(scores) > 0:
        return scores.index(max(scores))
    for index, row in enumerate(rows):
        if any(cell.strip() for cell in row):
            return index
    return 0


def _inspect_csv(path: Path, options: ReadOptions, known_headers: frozenset[str]) -> Source:
    if path.stat().st_size == 0:
        raise ImportFileError(f"{path.name} is empty: it needs a header row naming the columns.")
    encoding = options.encoding or detect_encoding(path)
    verified = options.encoding is None and encoding in ("utf-8", "utf-8-sig", "utf-16")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ImportFileError(f"{encoding!r} is not an encoding this import knows; try utf-8, cp932 or utf-16.") from None
    text = _sample_text(path, encoding)
    delimiter = options.delimiter or detect_delimiter(text, prefer_tab=path.suffix.lower() in (".tsv", ".txt"))
    records = _records(text, delimiter, HEADER_SEARCH_ROWS + 5)
    rows = [fields for _, fields in records]
    if options.header_row is not None:
        if not 1 <= options.header_row <= len(rows):
            raise ImportFileError(f"{path.name} has no row {options.header_row} to read the header from.")
        index = options.header_row - 1
    else:
        index = _header_record(rows, known_headers)
    if not rows or not any(cell.strip() for cell in rows[index]):
        raise ImportFileError(f"{path.name} has no header row: its first row must name the columns.")
    headers = tuple(cell.strip().lstrip("\ufeff") for cell in rows[index])
    return Source(path, "csv", headers, index + 1, encoding, delimiter, header_lines=records[index][0],
                  verified=verified and encoding != "utf-16")


def _transcoded(source: Source, folder: str) -> Path:
    """The file as UTF-8 in `folder` (a stream: a few MB in memory at a time); UTF-8 files as they are."""
    if source.encoding in ("utf-8", "utf-8-sig"):
        if not source.verified:
            _check_utf8(source)
        return source.path
    target = Path(folder) / (source.path.stem + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(source.encoding)(errors="strict")
    done = 0
    with source.path.open("rb") as raw, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := raw.read(_CHUNK):
            try:
                out.write(decoder.decode(chunk))
            except UnicodeDecodeError as error:
                raise _not_encoded(source, done + error.start) from None
            except UnicodeError as error:  # utf-16 named for a file without a byte-order mark
                raise ImportFileError(f"{source.name} cannot be read as {source.encoding_label}: {error}; "
                                      "name another encoding with --encoding (utf-8, cp932, utf-16-le).") from None
            done += len(chunk)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as error:
            raise _not_encoded(source, done + error.start) from None
    return target


def _check_utf8(source: Source) -> None:
    """Raise naming the line and byte when a file said to be UTF-8 is not (a stream, a few MB at a time)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    done = 0
    with source.path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise _not_encoded(source, done + error.start) from None
            done += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise _not_encoded(source, done + error.start) from None


def _not_encoded(source: Source, offset: int) -> ImportFileError:
    with source.path.open("rb") as handle:
        data = handle.read(offset + 1)
    line = data.count(b"\n", 0, offset) + 1
    return ImportFileError(
        f"{source.name} line {line} is not {source.encoding_label} text (byte {offset + 1} is "
        f"0x{data[offset]:02X}); name its encoding with --encoding (utf-8, cp932, utf-16)."
    )


def _stage_csv(con: duckdb.DuckDBPyConnection, source: Source, table: str, folder: str) -> list[tuple[int, str]]:
    """Load a CSV into `table`; returns the structural problems as (line, sentence)."""
    path = _transcoded(source, folder)
    columns = {f"c{i}": "VARCHAR" for i in range(len(source.headers))}
    rejects = f"{table}_rejects"
    con.execute(
        f"CREATE TEMP TABLE {table} AS "
        "SELECT * FROM read_csv($path, header = false, auto_detect = false, "
        "all_varchar = true, delim = $delim, quote = '\"', escape = '\"', skip = $skip, columns = $columns, "
        f"strict_mode = true, store_rejects = true, rejects_table = '{rejects}', rejects_scan = '{rejects}_scan', "
        "max_line_size = 10000000)",
        {"path": str(path), "delim": source.delimiter, "skip": source.header_lines, "columns": columns},
    )
    problems = []
    width = len(source.headers)
    for line, kind, found, csv_line in con.execute(
        f"SELECT line, error_type, any_value(error_message), any_value(csv_line) FROM {rejects} "
        "GROUP BY line, error_type ORDER BY line"
    ).fetchall():
        if csv_line is not None and not csv_line.strip():
            continue  # a line of spaces is a blank line
        physical = int(line)  # DuckDB counts records from the file's start: the spreadsheet row
        if kind in ("TOO MANY COLUMNS", "MISSING COLUMNS"):
            count = found.rsplit(" ", 1)[-1]
            problems.append((physical, f"has {count} values but the header names {width} columns"
                             + ("; a value holding the delimiter must be in double quotes" if kind == "TOO MANY COLUMNS" else "")))
        elif kind == "UNQUOTED VALUE":
            problems.append((physical, "has a double quote that is never closed"))
        else:
            problems.append((physical, f"cannot be read: {found}"))
    con.execute(f"DROP TABLE IF EXISTS {rejects}")
    con.execute(f"DROP TABLE IF EXISTS {rejects}_scan")
    return problems


def line_numbers(source: Source, row_indexes: list[int], rejected_lines: set[int]) -> dict[int, int]:
    """The file line where each staged row starts (CSV), or its spreadsheet row (xlsx, Parquet: row + header)."""
    if source.format != "csv":
        return {index: index + source.header_row + 1 for index in row_indexes}
    wanted = set(row_indexes)
    found: dict[int, int] = {}
    with source.path.open(encoding=source.encoding, newline="", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=source.delimiter or ",")
        index = -1
        for record_number, fields in enumerate(reader, start=1):
            if record_number <= source.header_row or not fields or record_number in rejected_lines:
                continue
            if len(fields) == 1 and not fields[0].strip() and len(source.headers) > 1:
                continue
            index += 1
            if index in wanted:
                found[index] = record_number
                if len(found) == len(wanted):
                    break
    return found


# --- Excel and Parquet ---------------------------------------------------------------------


def _inspect_xlsx(path: Path, options: ReadOptions, known_headers: frozenset[str]) -> Source:
    sheet, rows = xlsx_rows(path, options.sheet, HEADER_SEARCH_ROWS + 5)
    if not rows:
        raise ImportFileError(f"{path.name}, sheet {sheet}, is empty: it needs a header row naming the columns.")
    index = options.header_row - 1 if options.header_row else _header_record(rows, known_headers)
    headers = tuple(cell.strip() for cell in rows[index])
    while headers and not headers[-1]:
        headers = headers[:-1]
    return Source(path, "xlsx", headers, index + 1, sheet=sheet)


def _inspect_parquet(path: Path) -> Source:
    con = duckdb.connect()
    try:
        names = [row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(path)}).fetchall()]
    except duckdb.Error as error:
        raise ImportFileError(f"{path.name} cannot be read as Parquet: {str(error).splitlines()[0]}.") from None
    finally:
        con.close()
    return Source(path, "parquet", tuple(names))


def _parquet_types(source: Source) -> list[str]:
    con = duckdb.connect()
    try:
        return [row[1] for row in con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(source.path)}).fetchall()]
    finally:
        con.close()


def _parquet_text(header: str, kind: str, position: int) -> str:
    """A typed Parquet column as the text a CSV export would hold: decimals without trailing
    zeros (`1200.500` -> `1200.5`), timestamps with a time zone as the local wall time."""
    column = '"' + header.replace('"', '""') + '"'
    if kind.startswith("DECIMAL"):
        text = f"CAST({column} AS VARCHAR)"
        return (f"CASE WHEN contains({text}, '.') THEN rtrim(rtrim({text}, '0'), '.') ELSE {text} END AS c{position}")
    if kind == "TIMESTAMP WITH TIME ZONE":
        return f"strftime({column}, '%Y-%m-%d %H:%M:%S') AS c{position}"
    return f"CAST({column} AS VARCHAR) AS c{position}"


def stage(con: duckdb.DuckDBPyConnection, source: Source, table: str, folder: str | None = None
          ) -> list[tuple[int, str]]:
    """Load the file's data rows into TEMP table `table` (`c0`..., `rowid` = position); returns
    structural problems (line, sentence), which leave their rows out of the table."""
    if source.format == "csv":
        if folder is None:
            with tempfile.TemporaryDirectory(prefix="segmentation-import-") as scratch:
                return _stage_csv(con, source, table, scratch)
        return _stage_csv(con, source, table, folder)
    if source.format == "parquet":
        columns = ", ".join(_parquet_text(h, t, i) for i, (h, t) in enumerate(zip(source.headers, _parquet_types(source))))
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT {columns} "
                    "FROM read_parquet($p)", {"p": str(source.path)})
        return []
    _, rows = xlsx_rows(source.path, source.sheet)
    width = len(source.headers)
    body = [row[:width] + [""] * (width - len(row)) for row in rows[source.header_row:]]
    frame = pd.DataFrame(body, columns=[f"c{i}" for i in range(width)], dtype=object)
    con.register("xlsx_rows", frame)
    try:
        con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM xlsx_rows")
    finally:
        con.unregister("xlsx_rows")
    return []


def preview_rows(source: Source, count: int = 10) -> pd.DataFrame:
    """The first data rows as text under the file's headers (duplicate headers numbered), read
    from the file's start only."""
    if source.format == "csv":
        text = _sample_text(source.path, source.encoding or "utf-8")
        rows = [fields for _, fields in _records(text, source.delimiter or ",", source.header_row + count + 50)]
        body = [r for r in rows[source.header_row:] if r and any(c.strip() for c in r)][:count]
    elif source.format == "xlsx":
        _, rows = xlsx_rows(source.path, source.sheet, source.header_row + count)
        body = rows[source.header_row:]
    else:
        con = duckdb.connect()
        try:
            body = [[("" if v is None else str(v)) for v in row] for row in
                    con.execute("SELECT * FROM read_parquet($p) LIMIT $n", {"p": str(source.path), "n": count}).fetchall()]
        finally:
            con.close()
    width = len(source.headers)
    names, seen = [], {}
    for header in source.headers:
        seen[header] = seen.get(header, 0) + 1
        names.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return pd.DataFrame([(row + [""] * width)[:width] for row in body], columns=names, dtype=object)
