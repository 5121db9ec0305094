"""Exports managers open in Excel: golden CSV bytes, xlsx read back, Shift_JIS, formula guard, streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape

from segmentation import export
from segmentation.errors import SegmentationError
from segmentation.export import (
    ENCODINGS,
    FORMATS,
    ExportError,
    export_filename,
    neutralise,
    to_csv_bytes,
    to_xlsx_bytes,
    write_csv_stream,
    write_xlsx_stream,
)

GOLDEN = Path(__file__).resolve().parent / "golden"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

HARD_COLUMNS = ["顧客ID", "名前", "ランク", "メモ", "売上金額", "差額", "最終購入日", "休眠"]
HARD_ROWS = [
    ("00042", "株式会社テスト", "優良客", "comma, inside", 123456789012, -500, dt.date(2026, 11, 20), True),
    ("00043", 'He said "hello"', "新規", "line one\nline two", 1980.5, 0, dt.date(2026, 1, 5), False),
    ("=1+1", "+81-3-1234-5678", "-minus", "@SUM(A1)", 0.125, 7, None, None),
    ("\ttab", "\rreturn", "a=b", "", None, -1, dt.date(2025, 12, 31), True),
    (None, "①髙﨑㈱", "'already quoted", "crlf\r\ninside", 1980, 12, dt.date(2026, 2, 28), False),
]
META = [
    ("基準日", "2026-11-20"),
    ("休眠とみなす日数", "365"),
    ("チャネル", "DM"),
    ("as_of", dt.date(2026, 11, 20)),
]


def hard_cases() -> pd.DataFrame:
    """Rows holding every case an export must survive, with the column types a query returns."""
    return pd.DataFrame(HARD_ROWS, columns=HARD_COLUMNS)


def assert_matches_golden(name: str, data: bytes) -> None:
    """Compare with tests/golden/<name>; UPDATE_GOLDEN=1 rewrites the file first."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"{path} is missing: run the tests once with UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} changed: review the diff, then UPDATE_GOLDEN=1 to accept it"


def read_csv_cells(data: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def one_cell_text(value, column: str = "value", **options) -> str:
    """The CSV text of one value, written in a column named `column` next to a plain text column."""
    frame = pd.DataFrame({column: pd.Series([value], dtype=object), "memo": ["m"]})
    lines = to_csv_bytes(frame, **options).decode("utf-8-sig").split("\r\n")
    assert lines[2] == ""
    return lines[1].removesuffix(",m")


# ---------------------------------------------------------------------------------------------
# Golden bytes


def test_utf8_csv_of_the_hard_cases_matches_the_golden_file():
    assert_matches_golden("export_utf8.csv", to_csv_bytes(hard_cases()))


def test_cp932_csv_of_the_hard_cases_matches_the_golden_file():
    assert_matches_golden("export_cp932.csv", to_csv_bytes(hard_cases(), encoding="cp932"))


def test_csv_of_the_hard_cases_reads_back_as_these_cells():
    assert read_csv_cells(to_csv_bytes(hard_cases())) == [
        HARD_COLUMNS,
        ["00042", "株式会社テスト", "優良客", "comma, inside", "123456789012", "-500", "2026-11-20", "TRUE"],
        ["00043", 'He said "hello"', "新規", "line one\nline two", "1980.5", "0", "2026-01-05", "FALSE"],
        ["'=1+1", "'+81-3-1234-5678", "'-minus", "'@SUM(A1)", "0.13", "7", "", ""],
        ["'\ttab", "'\rreturn", "a=b", "", "", "-1", "2025-12-31", "TRUE"],
        ["", "①髙﨑㈱", "'already quoted", "crlf\r\ninside", "1980", "12", "2026-02-28", "FALSE"],
    ]


def test_csv_quotes_only_cells_with_commas_quotes_or_line_breaks_and_ends_lines_with_crlf():
    text = to_csv_bytes(hard_cases()).decode("utf-8-sig")
    assert text.startswith("顧客ID,名前,ランク,メモ,売上金額,差額,最終購入日,休眠\r\n")
    assert "\r\n00042,株式会社テスト,優良客,\"comma, inside\",123456789012,-500,2026-11-20,TRUE\r\n" in text
    assert '"He said ""hello"""' in text
    assert '"line one\nline two"' in text
    assert text.endswith("\r\n")


# ---------------------------------------------------------------------------------------------
# Cell rules


@pytest.mark.parametrize(
    ("value", "column", "expected"),
    [
        (None, "value", ""),
        (float("nan"), "value", ""),
        (pd.NA, "value", ""),
        (pd.NaT, "value", ""),
        (float("inf"), "value", ""),
        (True, "value", "TRUE"),
        (np.bool_(False), "value", "FALSE"),
        (1980, "value", "1980"),
        (1980.0, "value", "1980"),
        (np.int64(-500), "value", "-500"),
        (123456789012.0, "value", "123456789012"),
        (1234567.0, "value", "1234567"),
        (0.125, "value", "0.125"),
        (1e-7, "value", "0.0000001"),
        (1e20, "value", "100000000000000000000"),
        (-0.0, "value", "0"),
        (Decimal("1980.50"), "value", "1980.5"),
        (1980, "売上金額", "1980"),
        (1980.5, "売上金額", "1980.5"),
        (1980.456, "売上金額", "1980.46"),
        (0.125, "売上金額", "0.13"),
        (1.005, "Amount (JPY)", "1.01"),
        (-0.004, "売上", "0"),
        (Decimal("2.345"), "金額", "2.35"),
        (dt.date(2026, 11, 20), "value", "2026-11-20"),
        (dt.datetime(2026, 11, 20), "value", "2026-11-20"),
        (pd.Timestamp("2026-11-20"), "value", "2026-11-20"),
        (dt.datetime(2026, 11, 20, 9, 30), "value", "2026-11-20 09:30:00"),
        (pd.Timestamp("2026-11-20 09:30", tz="Asia/Tokyo"), "value", "2026-11-20 09:30:00"),
        (np.datetime64("2026-11-20"), "value", "2026-11-20"),
        ("-5", "value", "'-5"),
        (dt.timedelta(days=-1), "value", '"\'-1 day, 0:00:00"'),
        (dt.time(9, 30), "value", "09:30:00"),
    ],
)
def test_each_kind_of_value_is_written_as_documented(value, column, expected):
    assert one_cell_text(value, column) == expected


def test_a_negative_number_stays_a_number_while_the_same_text_is_neutralised():
    frame = pd.DataFrame({"差額": [-5, 3], "メモ": ["-5", "3"]})
    assert read_csv_cells(to_csv_bytes(frame))[1:] == [["-5", "'-5"], ["3", "3"]]


def test_money_columns_can_be_named_instead_of_found_by_their_label():
    frame = pd.DataFrame({"平均": [1980.456], "売上金額": [0.125]})
    assert read_csv_cells(to_csv_bytes(frame))[1] == ["1980.456", "0.13"]
    assert read_csv_cells(to_csv_bytes(frame, money_columns=["平均"]))[1] == ["1980.46", "0.125"]


def test_naming_a_money_column_the_export_lacks_is_an_export_error():
    with pytest.raises(ExportError, match="money_columns names 売上"):
        to_csv_bytes(pd.DataFrame({"平均": [1]}), money_columns=["売上"])


def test_typed_columns_are_written_like_the_same_values_in_object_columns():
    typed = pd.DataFrame(
        {
            "id": pd.array(["A1", None, "=x"], dtype="str"),
            "count": pd.array([1, 2, 3], dtype="int64"),
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "amount": [1980.5, float("nan"), 0.125],
            "flag": [True, False, True],
            "day": pd.to_datetime(["2026-11-20", None, "2026-01-01"]),
            "at": pd.to_datetime(["2026-11-20 09:30", None, "2026-01-01 00:00"]),
            "category": pd.Categorical(["優良客", "新規", None]),
        }
    )
    as_objects = typed.astype(object)
    assert to_csv_bytes(typed) == to_csv_bytes(as_objects)
    assert xlsx_rows(to_xlsx_bytes(typed, [])) == xlsx_rows(to_xlsx_bytes(as_objects, []))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(min_value=-(10**15), max_value=10**15),
            st.floats(allow_nan=False, allow_infinity=False, width=64),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_numbers_read_back_as_the_same_number_without_exponent_or_separators(numbers):
    frame = pd.DataFrame({"value": pd.Series(numbers, dtype=object), "金額": pd.Series(numbers, dtype=object)})
    for row, number in zip(read_csv_cells(to_csv_bytes(frame))[1:], numbers):
        plain, money = row
        assert "e" not in plain.lower() and "," not in plain
        assert float(plain) == number
        if float(number).is_integer():
            assert money == plain == str(int(number))
        else:
            assert Decimal(money) == Decimal(repr(number)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert not plain.endswith(".0") and not money.endswith(".0")


# ---------------------------------------------------------------------------------------------
# Formula guard


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://example.com","x")', '\'=HYPERLINK("http://example.com","x")'),
        ("+81-3-1234-5678", "'+81-3-1234-5678"),
        ("-10", "'-10"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=1+1", "'=1+1"),
        ("", ""),
        ("a=b", "a=b"),
        ("優良客", "優良客"),
        ("1+1", "1+1"),
        (-5, -5),
        (-0.5, -0.5),
        (0, 0),
        (None, None),
        (True, True),
        (dt.date(2026, 11, 20), dt.date(2026, 11, 20)),
    ],
)
def test_neutralise_prefixes_an_apostrophe_only_to_text_that_could_run_as_a_formula(value, expected):
    assert neutralise(value) == expected
    assert type(neutralise(value)) is type(expected)


def test_neutralising_twice_changes_nothing_more():
    for text in ("=1+1", "-10", "plain", ""):
        assert neutralise(neutralise(text)) == neutralise(text)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=3, max_size=3), min_size=1, max_size=12))
def test_random_text_reads_back_as_the_neutralised_values_and_no_cell_can_run(rows):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"])
    cells = read_csv_cells(to_csv_bytes(frame))
    assert cells[0] == ["a", "b", "c"]
    assert cells[1:] == [[neutralise(text) for text in row] for row in rows]
    assert not any(cell.startswith(TRIGGERS) for row in cells for cell in row)


def test_header_labels_are_neutralised_too():
    frame = pd.DataFrame({"=label": [1]})
    assert read_csv_cells(to_csv_bytes(frame))[0] == ["'=label"]


# ---------------------------------------------------------------------------------------------
# Encodings


def test_utf8_export_starts_with_the_bom_excel_needs_for_japanese():
    data = to_csv_bytes(hard_cases())
    assert data.startswith(b"\xef\xbb\xbf")
    assert not data[3:].startswith(b"\xef\xbb\xbf")


def test_cp932_export_decodes_to_the_same_text_as_the_utf8_export():
    cp932 = to_csv_bytes(hard_cases(), encoding="cp932")
    assert not cp932.startswith(b"\xef\xbb\xbf")
    assert cp932.decode("cp932") == to_csv_bytes(hard_cases()).decode("utf-8-sig")


def test_cp932_writes_dashes_and_tildes_as_their_windows_look_alikes():
    frame = pd.DataFrame({"メモ": ["A—B", "10〜20", "−5円"]})
    cells = read_csv_cells(to_csv_bytes(frame, encoding="cp932"), "cp932")
    assert cells[1:] == [["A―B"], ["10～20"], ["－5円"]]


@pytest.mark.parametrize("char", ["😀", "𠮷", "♥"])
def test_a_character_shift_jis_cannot_hold_names_the_sheet_row_the_column_and_the_character(char):
    frame = pd.DataFrame({"id": ["1", "2", "3", "4"], "name": ["a", "b", "c", f"x{char}y"]})
    with pytest.raises(ExportError) as raised:
        to_csv_bytes(frame, encoding="cp932")
    assert str(raised.value) == (
        f'row 5, column name: "{char}" cannot be written in Shift_JIS (CP932); '
        "export as UTF-8 or use the replacement option."
    )
    assert isinstance(raised.value, SegmentationError)
    assert not isinstance(raised.value, UnicodeError)


def test_an_unencodable_header_is_row_one():
    with pytest.raises(ExportError, match=r'^row 1, column 顧客😀: "😀"'):
        to_csv_bytes(pd.DataFrame({"顧客😀": ["a"]}), encoding="cp932")


def test_the_replace_option_writes_a_question_mark_for_each_unencodable_character():
    frame = pd.DataFrame({"name": ["x😀y", "𠮷野家", "①♥"]})
    cells = read_csv_cells(to_csv_bytes(frame, encoding="cp932", cp932_errors="replace"), "cp932")
    assert cells == [["name"], ["x?y"], ["?野家"], ["①?"]]


def test_a_broken_character_is_an_export_error_in_utf8_too():
    frame = pd.DataFrame({"name": pd.Series(["ok", "bad\udcff"], dtype=object)})
    with pytest.raises(ExportError, match="^row 3, column name: .*U\\+DCFF"):
        to_csv_bytes(frame)
    with pytest.raises(ExportError, match="^row 3, column name: .*U\\+DCFF"):
        to_xlsx_bytes(frame, [])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"encoding": "latin-1"}, "encoding must be one of utf-8-sig, cp932"),
        ({"cp932_errors": "ignore"}, "cp932_errors must be one of strict, replace"),
    ],
)
def test_unknown_csv_options_are_export_errors(options, message):
    with pytest.raises(ExportError, match=message):
        to_csv_bytes(hard_cases(), **options)


def test_the_supported_formats_and_encodings_are_listed():
    assert FORMATS == ("csv", "xlsx")
    assert ENCODINGS == ("utf-8-sig", "cp932")


# ---------------------------------------------------------------------------------------------
# xlsx


def xlsx_rows(data: bytes | Path, sheet: int = 0) -> list[tuple]:
    workbook = openpyxl.load_workbook(data if isinstance(data, Path) else io.BytesIO(data))
    return [
        tuple(unescape(value) if isinstance(value, str) else value for value in row)
        for row in workbook.worksheets[sheet].iter_rows(values_only=True)
    ]


def expected_sheet_value(value):
    """What openpyxl reads back for a cell of the hard cases."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == 0.125:
        return 0.13  # money: at most 2 decimals
    return neutralise(value)


def test_xlsx_holds_the_same_rows_and_values_as_the_frame_with_text_neutralised():
    rows = xlsx_rows(to_xlsx_bytes(hard_cases(), META))
    assert rows[0] == tuple(HARD_COLUMNS)
    assert rows[1:] == [tuple(expected_sheet_value(value) for value in row) for row in HARD_ROWS]


def test_xlsx_writes_numbers_dates_and_booleans_as_typed_cells():
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(hard_cases(), META)))["customers"]
    amount, difference, day, lapsed, customer_id = sheet["E2"], sheet["F2"], sheet["G2"], sheet["H2"], sheet["A2"]
    assert (amount.data_type, amount.value, amount.number_format) == ("n", 123456789012, "#,##0")
    assert (difference.data_type, difference.value) == ("n", -500)
    assert day.is_date and day.value == dt.datetime(2026, 11, 20) and day.number_format == "yyyy-mm-dd"
    assert (lapsed.data_type, lapsed.value) == ("b", True)
    assert (customer_id.data_type, customer_id.value) == ("s", "00042")
    assert sheet["A4"].data_type == "s" and sheet["A4"].value == "'=1+1"


def test_xlsx_header_is_bold_and_frozen_with_a_filter_and_sized_columns():
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(hard_cases(), META)))["customers"]
    assert all(cell.font.b for cell in sheet[1])
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:H6"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGH"}
    assert widths["B"] > widths["F"]  # 株式会社テスト counts double and is wider than -500
    assert all(6 <= width <= 51 for width in widths.values())


def test_xlsx_column_widths_count_japanese_double_and_are_capped():
    frame = pd.DataFrame({"a": ["x" * 10], "b": ["優" * 10], "c": ["long " * 40]})
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, [])))["customers"]
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths[1] - widths[0] == pytest.approx(10)
    assert widths[2] == pytest.approx(50, abs=1)


def test_xlsx_second_sheet_conditions_holds_the_meta_rows():
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(hard_cases(), META)))
    assert workbook.sheetnames == ["customers", "条件"]
    assert xlsx_rows(to_xlsx_bytes(hard_cases(), META), sheet=1) == [
        ("基準日", "2026-11-20"),
        ("休眠とみなす日数", "365"),
        ("チャネル", "DM"),
        ("as_of", dt.datetime(2026, 11, 20)),
    ]
    assert workbook["条件"]["A1"].font.b


def test_xlsx_sheet_name_can_be_chosen_but_not_an_impossible_one():
    assert openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(hard_cases(), META, "優良客"))).sheetnames == [
        "優良客",
        "条件",
    ]
    for bad in ("a/b", "x" * 32, "条件"):
        with pytest.raises(ExportError, match="sheet name"):
            to_xlsx_bytes(hard_cases(), META, bad)


def test_xlsx_meta_entries_must_be_pairs():
    with pytest.raises(ExportError, match="condition 2 must be a \\(key, value\\) pair"):
        to_xlsx_bytes(hard_cases(), [("a", "b"), ("only key",)])


def test_more_rows_than_a_sheet_holds_stop_with_advice_to_export_csv(monkeypatch, tmp_path):
    monkeypatch.setattr(export, "XLSX_MAX_DATA_ROWS", 4)
    with pytest.raises(ExportError, match="do not fit in one Excel sheet .*export as CSV"):
        to_xlsx_bytes(hard_cases(), META)
    target = tmp_path / "big.xlsx"
    with pytest.raises(ExportError, match="do not fit"):
        write_xlsx_stream([hard_cases().iloc[:3], hard_cases().iloc[3:]], target, META)
    assert list(tmp_path.iterdir()) == []


def test_a_text_longer_than_an_excel_cell_holds_is_cut_and_the_cut_listed_in_the_conditions_sheet():
    frame = pd.DataFrame({"メモ": ["ok", "x" * 32_768]})
    notes = export.ExportNotes()

    workbook = to_xlsx_bytes(frame, [("基準日", "2026-11-20")], lang="en", notes=notes)

    assert xlsx_rows(workbook) == [("メモ",), ("ok",), ("x" * 32_767,)]
    assert notes.cut == [export.CutCell("customers", "A3", 3, "メモ", 32_768, 32_767)]
    assert xlsx_rows(workbook, sheet=1) == [
        ("基準日", "2026-11-20"),
        ("Cut cell", "A3 (メモ): only the first 32,767 of 32,768 characters are written "
                     "(Excel holds 32,767 in one cell)"),
    ]


# ---------------------------------------------------------------------------------------------
# Streaming


def in_three_chunks(frame: pd.DataFrame) -> list[pd.DataFrame]:
    return [frame.iloc[:2], frame.iloc[2:3], frame.iloc[3:]]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_three_chunks_give_the_same_bytes_as_one_frame(encoding, tmp_path):
    out = io.BytesIO()
    rows = write_csv_stream(in_three_chunks(hard_cases()), out, encoding=encoding)
    assert rows == len(HARD_ROWS)
    assert out.getvalue() == to_csv_bytes(hard_cases(), encoding=encoding)
    target = tmp_path / "customers.csv"
    assert write_csv_stream(in_three_chunks(hard_cases()), target, encoding=encoding) == len(HARD_ROWS)
    assert target.read_bytes() == out.getvalue()


def test_three_chunks_give_the_same_workbook_as_one_frame(tmp_path):
    target = tmp_path / "customers.xlsx"
    assert write_xlsx_stream(in_three_chunks(hard_cases()), target, META) == len(HARD_ROWS)
    one_frame = to_xlsx_bytes(hard_cases(), META)
    assert xlsx_rows(target) == xlsx_rows(one_frame)
    assert xlsx_rows(target, sheet=1) == xlsx_rows(one_frame, sheet=1)
    sheet = openpyxl.load_workbook(target)["customers"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sorted(path.name for path in tmp_path.iterdir()) == ["customers.xlsx"]


def generated_chunks(total: int, size: int, written_before_each: list[int] | None = None, out=None):
    """Rows made chunk by chunk, as the CLI reads them from the database."""
    for start in range(0, total, size):
        if written_before_each is not None:
            written_before_each.append(out.tell())
        ids = np.arange(start, min(start + size, total))
        yield pd.DataFrame(
            {
                "顧客ID": [f"C{i:07d}" for i in ids],
                "売上金額": ids * 10,
                "最終購入日": pd.Timestamp("2026-01-01") + pd.to_timedelta(ids % 365, unit="D"),
            }
        )


def test_a_200000_row_generator_streams_to_a_csv_file(tmp_path):
    target = tmp_path / "all.csv"
    assert write_csv_stream(generated_chunks(200_000, 50_000), target) == 200_000
    with open(target, encoding="utf-8-sig", newline="") as file:
        lines = file.read().split("\r\n")
    assert lines[0] == "顧客ID,売上金額,最終購入日"
    assert lines[1] == "C0000000,0,2026-01-01"
    assert lines[200_000] == "C0199999,1999990,2026-12-11"
    assert lines[200_001:] == [""]


def test_each_chunk_is_written_before_the_next_is_read():
    out = io.BytesIO()
    written_before_each: list[int] = []
    write_csv_stream(generated_chunks(30, 10, written_before_each, out), out)
    assert written_before_each[0] == 3  # only the BOM
    assert written_before_each[0] < written_before_each[1] < written_before_each[2] < len(out.getvalue())


def test_chunks_with_other_columns_are_an_export_error():
    chunks = [pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [2]})]
    with pytest.raises(ExportError, match="chunk 2 has the columns"):
        write_csv_stream(chunks, io.BytesIO())


def test_a_bad_character_in_a_later_chunk_names_its_row_in_the_whole_sheet_and_leaves_no_file(tmp_path):
    chunks = [pd.DataFrame({"name": ["a", "b"]}), pd.DataFrame({"name": ["c😀", "d"]})]
    target = tmp_path / "out.csv"
    with pytest.raises(ExportError, match='^row 4, column name: "😀"'):
        write_csv_stream(chunks, target, encoding="cp932")
    assert list(tmp_path.iterdir()) == []


def test_no_chunks_write_an_empty_file_and_zero_rows():
    out = io.BytesIO()
    assert write_csv_stream([], out) == 0
    assert out.getvalue() == b"\xef\xbb\xbf"


def test_writing_into_a_missing_folder_is_an_export_error(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        write_csv_stream([hard_cases()], tmp_path / "missing" / "out.csv")
    with pytest.raises(ExportError, match="does not exist"):
        write_xlsx_stream([hard_cases()], tmp_path / "missing" / "out.xlsx", META)


# ---------------------------------------------------------------------------------------------
# File names


@pytest.mark.parametrize(
    ("view", "fmt", "today", "expected"),
    [
        ("due-this-week", "csv", None, "customers_due-this-week_2026-11-20.csv"),
        ("due-this-week", "xlsx", dt.date(2026, 11, 20), "customers_due-this-week_2026-11-20.xlsx"),
        ("due-this-week", "csv", dt.date(2026, 11, 22), "customers_due-this-week_2026-11-20_exported-2026-11-22.csv"),
        ("優良客", "xlsx", None, "customers_優良客_2026-11-20.xlsx"),
        ('a/b\\c:d*e?f"g<h>i|j', "csv", None, "customers_abcdefghij_2026-11-20.csv"),
        ("休眠\x00候補\t\n\u200b", "csv", None, "customers_休眠候補_2026-11-20.csv"),
        ("due this  week", "csv", None, "customers_due-this-week_2026-11-20.csv"),
        ("../..", "csv", None, "customers_2026-11-20.csv"),
        ("", "csv", None, "customers_2026-11-20.csv"),
    ],
)
def test_export_filename_carries_the_view_and_date_in_safe_characters(view, fmt, today, expected):
    assert export_filename(view, dt.date(2026, 11, 20), fmt, today=today) == expected


def test_export_filename_never_holds_a_forbidden_character():
    view = "優良客" + "".join(chr(code) for code in range(0, 128))
    name = export_filename(view, dt.date(2026, 11, 20), "csv")
    assert not set('/\\:*?"<>|') & set(name)
    assert all(ord(char) >= 32 for char in name)
    assert "優良客" in name and name.endswith("_2026-11-20.csv")


def test_export_filename_of_an_unknown_format_is_an_export_error():
    with pytest.raises(ExportError, match="format must be one of csv, xlsx"):
        export_filename("all", dt.date(2026, 11, 20), "pdf")


# ---------------------------------------------------------------------------------------------
# The core stays free of Streamlit


def test_the_export_module_does_not_import_streamlit():
    code = "import sys, segmentation.export; print('streamlit' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert result.stdout.strip() == "False"
