"""`python -m segmentation export`, run as a program: the call list of every customer or of the
filters and views asked for, in CSV (UTF-8 or Shift_JIS) and xlsx, with clear refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from segmentation.customers import CALL_LIST_COLUMNS, READY_VIEWS, CustomerFilters, customer_list, labelled
from segmentation.demo import build_demo_database
from segmentation.engine import Analysis
from segmentation.export import CONDITIONS_SHEET
from segmentation.texts import text, tier_name

ROOT = Path(__file__).resolve().parent.parent
END = dt.date(2026, 11, 20)
JA_HEADERS = [text(f"col_{name}", "ja") for name in CALL_LIST_COLUMNS]


def run_export(*args: str) -> subprocess.CompletedProcess:
    # `--lang` defaults to the system language (English here, where LANG is unset): the tests of
    # Japanese headers ask for them, as a Japanese system would.
    lang = () if "--lang" in args else ("--lang", "ja")
    return subprocess.run([sys.executable, "-m", "segmentation", "export", *args, *lang], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


def read_csv(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli_export") / "demo.duckdb"
    build_demo_database(path, customers=800, seed=5, end=END)
    return path


@pytest.fixture(scope="module")
def analysis(demo_db):
    opened = Analysis.open(demo_db)
    yield opened
    opened.close()


@pytest.fixture
def db_copy(demo_db, tmp_path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    return copy


def core_list(analysis: Analysis, filters: CustomerFilters = CustomerFilters(), sort: str = "customer_id"):
    return customer_list(analysis, filters=filters, sort=sort, limit=None)[1]


def exported(demo_db: Path, out: Path, *flags: str) -> list[list[str]]:
    result = run_export("--db", str(demo_db), "--out", str(out), *flags)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return read_csv(out)


def test_no_filter_exports_every_customer_as_a_call_list_with_japanese_headers(demo_db, analysis, tmp_path):
    rows = exported(demo_db, tmp_path / "all.csv", "--format", "csv")

    assert (tmp_path / "all.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert rows[0] == JA_HEADERS
    assert [row[0] for row in rows[1:]] == list(core_list(analysis)["customer_id"])
    assert len(rows) - 1 == analysis.customer_count


def test_lang_codes_writes_the_internal_column_names_and_codes(demo_db, analysis, tmp_path):
    rows = exported(demo_db, tmp_path / "codes.csv", "--format", "csv", "--lang", "codes")

    assert rows[0] == list(CALL_LIST_COLUMNS)
    expected = core_list(analysis)
    assert [row[CALL_LIST_COLUMNS.index("tier")] for row in rows[1:]] == list(expected["tier"])
    assert {row[CALL_LIST_COLUMNS.index("lapsed")] for row in rows[1:]} == {"TRUE", "FALSE", ""}


def test_tier_and_status_flags_export_the_core_filtered_list(demo_db, analysis, tmp_path):
    rows = exported(demo_db, tmp_path / "some.csv", "--format", "csv", "--lang", "codes",
                    "--tier", "loyal", "trend", "--status", "active")

    expected = core_list(analysis, CustomerFilters(tiers=("loyal", "trend"), status="active"))
    assert 0 < len(expected) < analysis.customer_count
    assert [row[0] for row in rows[1:]] == list(expected["customer_id"])
    assert {row[CALL_LIST_COLUMNS.index("tier")] for row in rows[1:]} == {"loyal", "trend"}


def test_a_view_exports_the_core_list_of_that_view_in_its_order(demo_db, analysis, tmp_path):
    rows = exported(demo_db, tmp_path / "due.csv", "--format", "csv", "--view", "due_this_week")

    view = READY_VIEWS["due_this_week"]
    expected = core_list(analysis, view.filters, view.sort)
    assert len(expected) > 0
    assert [row[0] for row in rows[1:]] == list(expected["customer_id"])


def test_xlsx_has_a_frozen_header_the_rows_and_a_conditions_sheet(demo_db, analysis, tmp_path):
    out = tmp_path / "loyal.xlsx"
    result = run_export("--db", str(demo_db), "--out", str(out), "--format", "xlsx", "--tier", "loyal")
    assert result.returncode == 0, result.stderr

    workbook = openpyxl.load_workbook(out)
    try:
        sheet = workbook.worksheets[0]
        assert workbook.sheetnames[1] == CONDITIONS_SHEET == "条件"
        assert sheet.freeze_panes == "A2"
        data = list(sheet.iter_rows(values_only=True))
        conditions = dict(workbook[CONDITIONS_SHEET].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert list(data[0]) == JA_HEADERS
    expected = core_list(analysis, CustomerFilters(tiers=("loyal",)))
    assert [row[0] for row in data[1:]] == list(expected["customer_id"])
    assert conditions[text("meta_as_of", "ja")] == END.isoformat()
    assert tier_name("loyal", "ja") in conditions[text("meta_filters", "ja")]
    assert not (tmp_path / "loyal.xlsx.part").exists()


def test_cp932_round_trips_japanese_text(demo_db, analysis, tmp_path):
    out = tmp_path / "sjis.csv"
    result = run_export("--db", str(demo_db), "--out", str(out), "--format", "csv", "--encoding", "cp932")
    assert result.returncode == 0, result.stderr

    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = read_csv(out, encoding="cp932")
    assert rows[0] == JA_HEADERS
    expected = labelled(core_list(analysis)[list(CALL_LIST_COLUMNS)], "ja").fillna("")
    for column in ("name", "company", "staff", "tier", "lapsed", "cycle_status"):
        position = CALL_LIST_COLUMNS.index(column)
        assert [row[position] for row in rows[1:]] == list(expected.iloc[:, position]), column


def put_in_the_name(db: Path, customer_id: str, name: str) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE customers SET name = $name WHERE customer_id = $id", {"name": name, "id": customer_id})


def test_a_character_shift_jis_cannot_hold_stops_the_export_naming_row_and_column(db_copy, analysis, tmp_path):
    customer_id = "0000010"
    put_in_the_name(db_copy, customer_id, "山田 😀太郎")
    row = list(core_list(analysis)["customer_id"]).index(customer_id) + 2  # the header is row 1
    out = tmp_path / "sjis.csv"

    result = run_export("--db", str(db_copy), "--out", str(out), "--format", "csv", "--encoding", "cp932")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"{row}行目" in lines[0] and text("col_name", "ja") in lines[0] and "😀" in lines[0]
    assert "--cp932-errors replace" in lines[0] and "--encoding utf-8-sig" in lines[0]  # the alternatives
    assert not out.exists()
    assert not list(tmp_path.glob("*.part"))


def test_cp932_errors_replace_writes_a_question_mark_instead(db_copy, tmp_path):
    customer_id = "0000010"
    put_in_the_name(db_copy, customer_id, "山田 😀太郎")
    out = tmp_path / "sjis.csv"

    result = run_export("--db", str(db_copy), "--out", str(out), "--format", "csv", "--encoding", "cp932",
                        "--cp932-errors", "replace")

    assert result.returncode == 0, result.stderr
    by_id = {row[0]: row for row in read_csv(out, encoding="cp932")[1:]}
    assert by_id[customer_id][CALL_LIST_COLUMNS.index("name")] == "山田 ?太郎"


def test_a_cell_starting_with_equals_is_written_as_text_not_a_formula(db_copy, tmp_path):
    with duckdb.connect(str(db_copy)) as con:
        con.execute("UPDATE customers SET company = '=1+1' WHERE customer_id = '0000007'")
    company = CALL_LIST_COLUMNS.index("company")

    rows = exported(db_copy, tmp_path / "guard.csv", "--format", "csv")
    result = run_export("--db", str(db_copy), "--out", str(tmp_path / "guard.xlsx"), "--format", "xlsx")
    assert result.returncode == 0, result.stderr
    workbook = openpyxl.load_workbook(tmp_path / "guard.xlsx")
    try:
        cells = {row[0].value: row[company] for row in workbook.worksheets[0].iter_rows(min_row=2)}
    finally:
        workbook.close()

    assert {row[0]: row[company] for row in rows[1:]}["0000007"] == "'=1+1"
    assert cells["0000007"].value == "'=1+1" and cells["0000007"].data_type == "s"


def test_numbers_stay_numbers_and_ids_keep_their_leading_zeros(demo_db, analysis, tmp_path):
    rows = exported(demo_db, tmp_path / "numbers.csv", "--format", "csv")
    expected = core_list(analysis).set_index("customer_id")
    amount, orders = CALL_LIST_COLUMNS.index("amount"), CALL_LIST_COLUMNS.index("orders")

    for row in rows[1:]:
        assert re.fullmatch(r"-?\d+(\.\d{1,2})?", row[amount]), row
        assert float(row[amount]) == pytest.approx(expected.loc[row[0], "amount"])
        assert int(row[orders]) == expected.loc[row[0], "orders"]
    assert all(len(row[0]) == 7 and row[0].isdigit() for row in rows[1:])
    assert rows[1][0].startswith("0")

    out = tmp_path / "numbers.xlsx"
    assert run_export("--db", str(demo_db), "--out", str(out), "--format", "xlsx").returncode == 0
    workbook = openpyxl.load_workbook(out, read_only=True)
    try:
        data = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    finally:
        workbook.close()
    assert all(isinstance(row[amount], (int, float)) and isinstance(row[orders], int) for row in data)
    assert all(isinstance(row[0], str) and row[0].startswith("0") for row in data[:9])


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--tier", "gold"), "invalid choice: 'gold'"),
        (("--status", "sleeping"), "invalid choice: 'sleeping'"),
        (("--columns", "customer_id,nope"), "Unknown column 'nope'"),
        (("--as-of", "yesterday"), "--as-of must be a date"),
    ],
    ids=["unknown_tier", "unknown_status", "unknown_column", "bad_date"],
)
def test_a_bad_flag_is_a_clear_error_with_exit_status_2_and_no_file(demo_db, tmp_path, flags, message):
    out = tmp_path / "bad.csv"

    result = run_export("--db", str(demo_db), "--out", str(out), "--format", "csv", *flags)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert sorted(tmp_path.iterdir()) == []


def test_a_missing_format_is_one_line_and_success_says_what_was_written(demo_db, analysis, tmp_path):
    out = tmp_path / "all.csv"

    missing = run_export("--db", str(demo_db), "--out", str(out))
    written = run_export("--db", str(demo_db), "--out", str(out), "--format", "csv", "--lang", "en")

    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "usage" not in missing.stderr
    assert missing.stderr.startswith("error: ") and "--format" in missing.stderr
    assert written.returncode == 0
    assert written.stderr == f"Wrote {analysis.customer_count:,} customers to {out}.\n"
    assert read_csv(out)[0] == [text(f"col_{name}", "en") for name in CALL_LIST_COLUMNS]


def test_the_conditions_sheet_speaks_the_language_asked_for(demo_db, tmp_path):
    out = tmp_path / "due.xlsx"
    result = run_export("--db", str(demo_db), "--out", str(out), "--format", "xlsx", "--view", "due_this_week",
                        "--region", "関東", "--lang", "en")
    assert result.returncode == 0, result.stderr
    workbook = openpyxl.load_workbook(out)
    try:
        conditions = dict(workbook[CONDITIONS_SHEET].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert conditions[text("meta_view", "en")] == text("view_due_this_week", "en")
    assert conditions[text("meta_scope", "en")] == "customers in region 関東"
    assert "=" not in conditions[text("meta_thresholds", "en")]
