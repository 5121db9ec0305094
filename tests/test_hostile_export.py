"""Hostile text through the export writers, read back as a spreadsheet would: every text exactly,
formula-looking text with a leading apostrophe and never a formula; a character Shift_JIS lacks
refused with its row, column and character, or written as "?" and counted; a cell longer than
Excel's 32,767 characters cut (whole characters only) and listed in the 条件 sheet; the CLI says
what it replaced and cut. The nasty strings are those of `test_hostile_input`.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from segmentation import cli
from segmentation.export import (
    XLSX_MAX_TEXT,
    ExportNotes,
    UnwritableCharacter,
    neutralise,
    to_csv_bytes,
    to_xlsx_bytes,
    write_xlsx_stream,
)
from segmentation.texts import text
from test_hostile_input import CONTROL, FAST, FEW, NASTY, SHORT_NASTY, nasty_db, short_hostile_text  # noqa: F401

cells = st.one_of(st.none(), short_hostile_text)


def written(value: str | None) -> str:
    """What a cell holds once exported: the text, with an apostrophe first when it looks like a formula."""
    return "" if value is None else neutralise(value)


def frame_of(values: list) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"{n}" for n in range(len(values))], "text": pd.Series(values, dtype=object)})


@FAST
@given(st.lists(cells, min_size=1, max_size=6))
@example(SHORT_NASTY)
def test_utf8_csv_read_back_with_pandas_holds_every_text_exactly_and_formula_text_with_an_apostrophe(values):
    data = to_csv_bytes(frame_of(values))

    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back["text"]) == [written(value) for value in values]
    assert not any(cell.startswith(tuple("=+-@\t\r")) for cell in back["text"])  # no spreadsheet runs one


def cp932_written(value: str | None) -> tuple[str, list[str]]:
    """The CP932 cell read back when unwritable characters become "?", and those characters."""
    shown, lacking = [], []
    for char in written(value).replace("\u2014", "\u2015"):
        try:
            shown.append(char.encode("cp932").decode("cp932"))
        except UnicodeEncodeError:
            shown.append("?")
            lacking.append(char)
    return "".join(shown), lacking


@FAST
@given(st.lists(cells, min_size=1, max_size=5), st.sampled_from(["strict", "replace"]))
@example([NASTY["emoji"], "顧客", NASTY["hyperlink"]], "strict")
@example([NASTY["emoji"], "顧客", NASTY["rtl_arabic"]], "replace")
def test_a_cp932_csv_holds_each_text_or_replaces_and_counts_or_refuses_naming_row_column_and_character(values, errors):
    expected = [cp932_written(value) for value in values]
    notes = ExportNotes()
    try:
        data = to_csv_bytes(frame_of(values), encoding="cp932", cp932_errors=errors, notes=notes)
    except UnwritableCharacter as refused:
        first = next(n for n, (_, lacking) in enumerate(expected) if lacking)
        assert errors == "strict"
        assert (refused.row, refused.column, refused.char) == (first + 2, "text", expected[first][1][0])
        assert f"row {first + 2}, column text" in str(refused) and "replacement option" in str(refused)
        return
    rows = list(csv.reader(io.StringIO(data.decode("cp932"), newline="")))
    assert [row[1] for row in rows[1:]] == [shown for shown, _ in expected]
    assert notes.replaced == sum(len(lacking) for _, lacking in expected)
    assert errors == "replace" or notes.replaced == 0


MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_XSTRING = re.compile("_x([0-9A-Fa-f]{4})_")


def xstring(raw: str) -> str:
    """A cell's text as Excel reads it: `_xHHHH_` is the character U+HHHH (`_x005F_` an underscore)."""
    return _XSTRING.sub(lambda match: chr(int(match.group(1), 16)), raw)


def xlsx_cells(data: bytes | Path, sheet: int = 1) -> dict[str, str | None]:
    """Every cell of a worksheet by reference, read from the file's XML as Excel reads it; no cell
    may hold a formula."""
    with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            for item in ET.fromstring(book.read("xl/sharedStrings.xml")).iter(MAIN + "si"):
                shared.append(xstring("".join(part.text or "" for part in item.iter(MAIN + "t"))))
        root = ET.fromstring(book.read(f"xl/worksheets/sheet{sheet}.xml"))
    found: dict[str, str | None] = {}
    for cell in root.iter(MAIN + "c"):
        assert cell.find(MAIN + "f") is None, "a cell holds a formula"
        kind, value = cell.get("t"), cell.find(MAIN + "v")
        if kind == "s":
            found[cell.get("r")] = shared[int(value.text)]
        elif kind == "inlineStr":
            found[cell.get("r")] = xstring("".join(part.text or "" for part in cell.iter(MAIN + "t")))
        else:
            found[cell.get("r")] = None if value is None else value.text
    return found


@FEW
@given(st.lists(cells, min_size=1, max_size=6))
@example(SHORT_NASTY)
def test_xlsx_holds_every_text_exactly_in_memory_and_streamed_and_formula_text_with_an_apostrophe(values):
    expected = {f"B{n + 2}": written(value) for n, value in enumerate(values) if written(value)}
    with tempfile.TemporaryDirectory() as folder:
        streamed = Path(folder) / "list.xlsx"
        write_xlsx_stream([frame_of(values)], streamed, [("k", "v")])
        for data in (to_xlsx_bytes(frame_of(values), [("k", "v")]), streamed):
            shown = {ref: value for ref, value in xlsx_cells(data).items() if ref.startswith("B") and ref != "B1"}
            assert shown == expected


def test_openpyxl_reads_the_nasty_texts_of_an_xlsx_back_exactly():
    values = [value for value in SHORT_NASTY if "_x" not in value and not CONTROL.search(value)]
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame_of(values), [])))
    assert [row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)] == [
        written(value) for value in values]


long_texts = st.tuples(st.integers(XLSX_MAX_TEXT - 3, XLSX_MAX_TEXT + 3),
                       st.sampled_from(["x", "😀", "x😀", "長😀x"]))


@FEW
@given(long_texts)
@example((100_000, "長"))
def test_a_cell_longer_than_excel_holds_is_cut_whole_characters_only_and_listed(length_and_pattern):
    length, pattern = length_and_pattern
    value = (pattern * length)[:length]
    notes = ExportNotes()

    data = to_xlsx_bytes(frame_of([value]), [("基準日", "2026-11-20")], lang="ja", notes=notes)

    kept = xlsx_cells(data)["B2"]
    excel_length = lambda text_: len(text_.encode("utf-16-le")) // 2  # noqa: E731  (as Excel counts)
    assert value.startswith(kept) and excel_length(kept) <= XLSX_MAX_TEXT
    assert kept == value or excel_length(value[:len(kept) + 1]) > XLSX_MAX_TEXT  # the longest that fits
    if kept == value:
        assert notes.cut == [] and len(xlsx_cells(data, sheet=2)) == 2
    else:
        [cut] = notes.cut
        assert (cut.cell, cut.row, cut.column, cut.length, cut.kept) == ("B2", 2, "text", len(value), len(kept))
        conditions = xlsx_cells(data, sheet=2)
        assert conditions["A2"] == text("meta_cut", "ja")
        assert conditions["B2"] == text("meta_cut_cell", "ja", cell="B2", column="text", length=len(value),
                                        kept=len(kept))


def test_the_cli_says_what_it_replaced_and_cut(nasty_db, tmp_path, capsys):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(nasty_db, copy)

    def export(*flags: str) -> tuple[int, str]:
        status = cli.main(["export", "--db", str(copy), "--lang", "en", "--columns", "customer_id,name,company",
                           *flags])
        return status, capsys.readouterr().err

    refused = export("--format", "csv", "--encoding", "cp932", "--out", str(tmp_path / "a.csv"))
    replaced = export("--format", "csv", "--encoding", "cp932", "--cp932-errors", "replace",
                      "--out", str(tmp_path / "b.csv"))
    cut = export("--format", "xlsx", "--out", str(tmp_path / "c.xlsx"))

    assert refused[0] == 2 and "--cp932-errors replace" in refused[1] and "--encoding utf-8-sig" in refused[1]
    assert re.search(r"row \d+, column \w+: “.+” cannot be written in Shift_JIS", refused[1])
    assert not (tmp_path / "a.csv").exists()
    assert replaced[0] == 0, replaced[1]
    assert re.search(r"\d+ characters that Shift_JIS cannot hold were written as “\?”", replaced[1])
    assert cut[0] == 0, cut[1]
    assert text("export_cut_note", "en", n=2) in cut[1]  # the long name and the long company
    conditions = xlsx_cells(tmp_path / "c.xlsx", sheet=2)
    assert sum(value == text("meta_cut", "en") for value in conditions.values()) == 2
