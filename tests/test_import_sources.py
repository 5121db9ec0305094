"""Every kind of file the import reads, each imported end to end into a fresh database.

CSV in UTF-8 (with and without a BOM), CP932 (Shift_JIS with ①, ㈱ and ¥ written as `\\`),
UTF-16 "Unicode text" with tabs, TSV and semicolons; header rows below title lines; Excel
workbooks; Parquet with typed columns; several files and folders as one set; quoting; and what
`inspect_file` says about a file before it is imported. Each source is detected with no options
and each can be named with `ReadOptions`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from segmentation.errors import ImportFileError
from segmentation.import_report import ImportRejectedError
from segmentation.importer import import_files, inspect_file
from segmentation.sources import ReadOptions
from test_importer import csv_file, day, rows

ROOT = Path(__file__).resolve().parent.parent

# --- One orders export, written every way a shop's system writes it -----------------------

HEADER = ["受注番号", "顧客ID", "受注日", "金額", "会社名", "担当者"]
# ソ (0x83 0x5C) and 表 (0x95 0x5C) end in the byte of `\` in CP932; ① and ㈱ are in CP932 only.
BODY = [
    ["1001", "00042", "2024/04/01", "¥1,200", "㈱山田商店", "佐藤①"],
    ["1002", "C2", "2024年4月2日", "980", "ソニー㈱", "表"],
]
ORDERS = [
    ("1001", "00042", day("2024-04-01"), Decimal("1200.00")),
    ("1002", "C2", day("2024-04-02"), Decimal("980.00")),
]
CUSTOMERS = [("00042", "㈱山田商店", "佐藤①"), ("C2", "ソニー㈱", "表")]


def table_text(header: list[str], body: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    """The rows as csv.writer writes them (quoted only where needed)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue()


def shift_jis_body() -> list[list[str]]:
    """The body as a Shift_JIS system writes it: ¥ is the byte 0x5C, which reads as `\\`."""
    return [[cell.replace("¥", "\\") for cell in row] for row in BODY]


def utf16_unicode_text(text: str) -> bytes:
    """Excel's "Unicode text" (.txt): UTF-16 LE with a byte-order mark."""
    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


# (file name, bytes, encoding detected, delimiter detected, encoding a manager would name)
SOURCES = [
    pytest.param("utf8.csv", table_text(HEADER, BODY).encode("utf-8"), "utf-8", ",", "utf-8", id="UTF-8"),
    pytest.param("bom.csv", table_text(HEADER, BODY).encode("utf-8-sig"), "utf-8-sig", ",", "utf-8",
                 id="UTF-8 with BOM"),
    pytest.param("cp932.csv", table_text(HEADER, shift_jis_body(), newline="\r\n").encode("cp932"), "cp932", ",",
                 "cp932", id="CP932"),
    pytest.param("unicode.txt", utf16_unicode_text(table_text(HEADER, BODY, "\t", "\r\n")), "utf-16", "\t",
                 "utf-16", id="UTF-16 LE with BOM, tab, .txt"),
    pytest.param("orders.tsv", table_text(HEADER, BODY, "\t").encode("utf-8"), "utf-8", "\t", "utf-8", id="TSV"),
    pytest.param("semicolon.csv", table_text(HEADER, BODY, ";").encode("utf-8"), "utf-8", ";", "utf-8",
                 id="semicolon"),
]


@pytest.fixture
def db(tmp_path) -> Path:
    """Where the test's database goes; it does not exist yet."""
    return tmp_path / "shop.duckdb"


def detected(report) -> list[tuple]:
    """What the import found each file to be: name, format, encoding, delimiter, header row, sheet."""
    return [(s.name, s.format, s.encoding, s.delimiter, s.header_row, s.sheet) for s in report.sources]


def stored_orders(db_path: Path) -> list[tuple]:
    return rows(db_path, "SELECT order_id, customer_id, order_date, amount FROM orders ORDER BY order_id")


def stored_customers(db_path: Path) -> list[tuple]:
    return rows(db_path, "SELECT customer_id, company, staff FROM customers ORDER BY customer_id")


def test_the_shift_jis_fixture_holds_the_characters_it_claims():
    data = table_text(HEADER, shift_jis_body()).encode("cp932")
    with pytest.raises(UnicodeEncodeError):
        "①㈱".encode("shift_jis")  # CP932 has them, Shift_JIS does not
    assert b"\x83\x5c" in data and b"\x95\x5c" in data  # ソ and 表 end in the byte of `\`
    assert b'"\\1,200"' in data


@pytest.mark.parametrize(("name", "content", "encoding", "delimiter", "forced"), SOURCES)
def test_each_text_file_is_detected_and_imported_with_no_options(tmp_path, db, name, content, encoding, delimiter,
                                                                   forced):
    report = import_files(db, orders=csv_file(tmp_path, name, content))

    assert detected(report) == [(name, "csv", encoding, delimiter, 1, None)]
    assert (report.orders_added, report.customers_created, report.problem_count) == (2, 2, 0)
    assert stored_orders(db) == ORDERS
    assert stored_customers(db) == CUSTOMERS


@pytest.mark.parametrize(("name", "content", "encoding", "delimiter", "forced"), SOURCES)
def test_each_text_file_imports_the_same_with_its_encoding_and_delimiter_named(tmp_path, db, name, content, encoding,
                                                                                delimiter, forced):
    options = ReadOptions(encoding=forced, delimiter=delimiter, header_row=1)

    import_files(db, orders=csv_file(tmp_path, name, content), options=options)

    assert stored_orders(db) == ORDERS
    assert stored_customers(db) == CUSTOMERS


@pytest.mark.parametrize(("name", "content", "encoding", "delimiter", "forced"), SOURCES)
def test_inspect_file_reports_what_each_text_file_is(tmp_path, name, content, encoding, delimiter, forced):
    preview = inspect_file(csv_file(tmp_path, name, content), "orders")

    assert (preview.source.format, preview.source.encoding, preview.source.delimiter, preview.source.header_row) == (
        "csv", encoding, delimiter, 1)
    assert preview.source.headers == tuple(HEADER)
    assert preview.platform is None
    assert preview.mapping.columns == {
        "order_id": ("受注番号", 1), "customer_id": ("顧客ID", 1), "order_date": ("受注日", 1), "amount": ("金額", 1),
        "company": ("会社名", 1), "staff": ("担当者", 1),
    }
    shown = BODY if encoding != "cp932" else shift_jis_body()
    assert preview.rows.values.tolist() == shown


def test_a_cp932_file_with_english_headers_and_one_short_japanese_value_is_read_as_cp932(tmp_path, db):
    # The only bytes that are not ASCII are 東京: too little text for a guess by statistics,
    # but it is not UTF-8, and CP932 is what a Japanese shop's system writes.
    orders = csv_file(tmp_path, "orders.csv",
                      "order_id,customer_id,order_date,amount,region\n1,C1,2024/4/1,1200,東京\n".encode("cp932"))

    import_files(db, orders=orders)

    assert rows(db, "SELECT region FROM customers") == [("東京",)]


def test_a_misdetected_encoding_is_put_right_by_naming_it(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv",
                      "order_id,customer_id,order_date,amount,region\n1,C1,2024/4/1,1200,東京\n".encode("cp932"))

    report = import_files(db, orders=orders, options=ReadOptions(encoding="cp932"))

    assert detected(report) == [("orders.csv", "csv", "cp932", ",", 1, None)]
    assert rows(db, "SELECT region FROM customers") == [("東京",)]


def first_bad_utf8_byte(data: bytes) -> tuple[int, int]:
    """(line, byte) of the first byte that is not UTF-8, both counted from 1."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data.count(b"\n", 0, error.start) + 1, error.start + 1
    raise AssertionError("the data is valid UTF-8")


@pytest.mark.parametrize("text", [
    pytest.param(table_text(HEADER, shift_jis_body()), id="Japanese headers"),
    pytest.param("order_id,customer_id,order_date,amount,company\n1,C1,2024/4/1,1200,ACME\n2,C2,2024/4/2,980,㈱山田\n",
                 id="English headers, Japanese value on line 3"),
])
def test_a_wrong_encoding_named_is_one_sentence_naming_the_file_line_and_byte_and_writes_nothing(tmp_path, db, text):
    data = text.encode("cp932")
    line, byte = first_bad_utf8_byte(data)

    with pytest.raises(ImportFileError) as caught:
        import_files(db, orders=csv_file(tmp_path, "orders.csv", data), options=ReadOptions(encoding="utf-8"))

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("orders.csv line ")
    assert re.search(rf"\bline {line}\b", message), message
    assert re.search(rf"\bbyte {byte}\b", message), message
    assert not db.exists()


def test_utf16_named_for_a_file_without_a_byte_order_mark_is_an_import_error_naming_the_file(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", table_text(HEADER, shift_jis_body()).encode("cp932"))

    with pytest.raises(ImportFileError) as caught:
        import_files(db, orders=orders, options=ReadOptions(encoding="utf-16"))

    assert str(caught.value).startswith("orders.csv")
    assert "\n" not in str(caught.value)
    assert not db.exists()


def test_an_encoding_the_import_does_not_know_is_named(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", table_text(HEADER, BODY))

    with pytest.raises(ImportFileError, match="'latin-99' is not an encoding"):
        import_files(db, orders=orders, options=ReadOptions(encoding="latin-99"))

    assert not db.exists()


# --- The header row ---------------------------------------------------------------------------

TITLED = "受注一覧 2024年度\n\n" + table_text(HEADER, shift_jis_body())


def test_the_header_row_is_found_below_a_title_and_a_blank_line(tmp_path, db):
    orders = csv_file(tmp_path, "titled.csv", TITLED.encode("cp932"))

    report = import_files(db, orders=orders)

    assert detected(report) == [("titled.csv", "csv", "cp932", ",", 3, None)]
    assert stored_orders(db) == ORDERS
    assert stored_customers(db) == CUSTOMERS


def test_the_header_row_can_be_named(tmp_path, db):
    orders = csv_file(tmp_path, "titled.csv", TITLED.encode("cp932"))

    import_files(db, orders=orders, options=ReadOptions(header_row=3))

    assert stored_orders(db) == ORDERS


def test_a_named_header_row_reads_headers_detection_cannot_know(tmp_path, db):
    # No header names a known column, so detection takes the first line (the title).
    orders = csv_file(tmp_path, "titled.csv", "Export 2024-04\n\ncode,day,yen\nC1,2024-04-01,1200\n")
    overrides = {"customer_id": "code", "order_date": "day", "amount": "yen"}

    with pytest.raises(ImportFileError, match="has no column code for customer_id; its columns are: Export 2024-04"):
        import_files(db, orders=orders, overrides=overrides)
    import_files(db, orders=orders, overrides=overrides, options=ReadOptions(header_row=3))

    assert rows(db, "SELECT customer_id, order_date, amount FROM orders") == [
        ("C1", day("2024-04-01"), Decimal("1200.00"))]


def test_a_wrong_header_row_names_the_columns_it_found(tmp_path, db):
    orders = csv_file(tmp_path, "titled.csv", TITLED.encode("cp932"))

    with pytest.raises(ImportFileError,
                       match="titled.csv has no column for order_date .*its columns are: 受注一覧 2024年度"):
        import_files(db, orders=orders, options=ReadOptions(header_row=1))
    with pytest.raises(ImportFileError, match="titled.csv has no row 99"):
        import_files(db, orders=orders, options=ReadOptions(header_row=99))

    assert not db.exists()


# --- Excel --------------------------------------------------------------------------------


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An .xlsx with these sheets (in order), each a list of rows of cell values."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, sheet_rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in sheet_rows:
            sheet.append(row)
    book.save(path)
    return path


XLSX_ORDERS = [
    ["注文番号", "顧客ID", "注文日", "金額"],
    [42, "00042", dt.date(2024, 5, 1), 1200.0],
    ["A-43", 7, dt.datetime(2024, 5, 2, 18, 30), 1234.5],
]


def test_excel_reads_the_first_sheet_with_numbers_dates_and_text_ids_as_written(tmp_path, db):
    later = [XLSX_ORDERS[0], [99, "C99", dt.date(2024, 6, 1), 5.0]]  # a second sheet of orders is not read
    book = workbook(tmp_path / "orders.xlsx", {"受注": XLSX_ORDERS, "6月": later})

    report = import_files(db, orders=book)

    assert detected(report) == [("orders.xlsx", "xlsx", None, None, 1, "受注")]
    assert rows(db, "SELECT order_id, customer_id, order_date, amount FROM orders ORDER BY order_id") == [
        ("42", "00042", day("2024-05-01"), Decimal("1200.00")),
        ("A-43", "7", day("2024-05-02"), Decimal("1234.50")),
    ]


def test_excel_reads_a_named_sheet(tmp_path, db):
    book = workbook(tmp_path / "orders.xlsx", {"Summary": [["Total", 2434.5]], "受注": XLSX_ORDERS})

    import_files(db, orders=book, options=ReadOptions(sheet="受注"))

    assert rows(db, "SELECT order_id FROM orders ORDER BY order_id") == [("42",), ("A-43",)]


def test_excel_finds_the_header_below_a_title_and_skips_blank_rows(tmp_path, db):
    book = workbook(tmp_path / "orders.xlsx", {"受注": [["受注一覧 2024年度"], []] + XLSX_ORDERS[:2] + [[]]
                                               + XLSX_ORDERS[2:]})

    report = import_files(db, orders=book)

    assert detected(report) == [("orders.xlsx", "xlsx", None, None, 3, "受注")]
    assert rows(db, "SELECT order_id FROM orders ORDER BY order_id") == [("42",), ("A-43",)]


def test_excel_bad_value_names_its_spreadsheet_row(tmp_path, db):
    book = workbook(tmp_path / "orders.xlsx", {"受注": [["受注一覧"], []] + XLSX_ORDERS + [[], [44, "C9", "昨日", 10]]})

    with pytest.raises(ImportRejectedError,
                       match=r'^orders.xlsx line 7, column 注文日 \(order_date\): "昨日" is not a date'):
        import_files(db, orders=book)

    assert not db.exists()


def test_excel_missing_sheet_names_the_sheets_present(tmp_path, db):
    book = workbook(tmp_path / "orders.xlsx", {"Summary": [["x"]], "受注": XLSX_ORDERS})

    with pytest.raises(ImportFileError, match=r"orders.xlsx has no sheet 'Orders'; its sheets are Summary, 受注\."):
        import_files(db, orders=book, options=ReadOptions(sheet="Orders"))

    assert not db.exists()


def test_inspect_file_reports_an_excel_sheet(tmp_path):
    book = workbook(tmp_path / "orders.xlsx", {"Summary": [["x"]], "受注": XLSX_ORDERS})

    preview = inspect_file(book, "orders", ReadOptions(sheet="受注"))

    assert (preview.source.format, preview.source.sheet, preview.source.header_row) == ("xlsx", "受注", 1)
    assert preview.mapping.columns == {"customer_id": ("顧客ID", 1), "order_date": ("注文日", 1),
                                       "amount": ("金額", 1), "order_id": ("注文番号", 1)}
    assert preview.rows.values.tolist() == [["42", "00042", "2024-05-01", "1200"],
                                            ["A-43", "7", "2024-05-02 18:30:00", "1234.5"]]


# --- Parquet ------------------------------------------------------------------------------


def parquet_from_sql(path: Path, select: str) -> Path:
    con = duckdb.connect()
    try:
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
    finally:
        con.close()
    return path


def test_parquet_with_typed_columns_imports(tmp_path, db):
    orders = parquet_from_sql(tmp_path / "orders.parquet", """
        SELECT * FROM (VALUES
            (1001::INTEGER, 42::BIGINT, DATE '2024-03-05', 1200.50::DECIMAL(10, 2), 'spring'),
            (1002::INTEGER, 7::BIGINT, DATE '2024-03-06', 99::DECIMAL(10, 2), NULL)
        ) AS t(order_id, customer_id, order_date, amount, campaign)""")

    report = import_files(db, orders=orders)

    assert detected(report) == [("orders.parquet", "parquet", None, None, 1, None)]
    assert rows(db, "SELECT order_id, customer_id, order_date, amount, campaign FROM orders ORDER BY order_id") == [
        ("1001", "42", day("2024-03-05"), Decimal("1200.50"), "spring"),
        ("1002", "7", day("2024-03-06"), Decimal("99.00"), None),
    ]


def test_parquet_timestamp_order_dates_keep_the_calendar_date(tmp_path, db):
    orders = parquet_from_sql(tmp_path / "orders.parquet", """
        SELECT 'A1' AS order_id, 'C1' AS customer_id, TIMESTAMP '2024-03-05 23:30:00' AS order_date,
               1200::INTEGER AS amount""")

    import_files(db, orders=orders)

    assert rows(db, "SELECT order_date, amount FROM orders") == [(day("2024-03-05"), Decimal("1200.00"))]


def test_parquet_decimal_with_more_scale_than_cents_imports_when_the_value_has_cents_only(tmp_path, db):
    # DuckDB's plain DECIMAL is DECIMAL(18, 3): 1200.50 is stored, and cast to text, as 1200.500.
    orders = parquet_from_sql(tmp_path / "orders.parquet", """
        SELECT 'A1' AS order_id, 'C1' AS customer_id, DATE '2024-03-05' AS order_date,
               CAST(1200.50 AS DECIMAL) AS amount""")

    import_files(db, orders=orders)

    assert rows(db, "SELECT amount FROM orders") == [(Decimal("1200.50"),)]


def test_parquet_written_by_pandas_keeps_text_ids(tmp_path, db):
    path = tmp_path / "orders.parquet"
    pd.DataFrame({
        "注文番号": ["0001", "0002"],
        "顧客ID": ["00042", "00042"],
        "注文日": pd.to_datetime(["2024-03-05", "2024-03-06"]),
        "金額": [1200.0, 980.5],
    }).to_parquet(path, index=False)

    import_files(db, orders=path)

    assert rows(db, "SELECT order_id, customer_id, order_date, amount FROM orders ORDER BY order_id") == [
        ("0001", "00042", day("2024-03-05"), Decimal("1200.00")),
        ("0002", "00042", day("2024-03-06"), Decimal("980.50")),
    ]


def test_inspect_file_reports_parquet_columns_and_first_rows(tmp_path):
    orders = parquet_from_sql(tmp_path / "orders.parquet", """
        SELECT 42::INTEGER AS customer_id, DATE '2024-03-05' AS order_date, 1200.50::DECIMAL(10, 2) AS amount""")

    preview = inspect_file(orders, "orders")

    assert (preview.source.format, preview.source.headers) == ("parquet", ("customer_id", "order_date", "amount"))
    assert preview.mapping.columns == {"customer_id": ("customer_id", 1), "order_date": ("order_date", 1),
                                       "amount": ("amount", 1)}
    assert preview.rows.values.tolist() == [["42", "2024-03-05", "1200.50"]]


# --- Several files as one set ---------------------------------------------------------------

FIRST = "order_id,customer_id,order_date,amount\nA1,C1,2024-01-01,100\nA2,C2,2024-01-02,200\n"
# The same layout with its columns in another order; A1 again, with a corrected amount.
SECOND = "customer_id,amount,order_id,order_date\nC1,150,A1,2024-01-01\nC3,300,A3,2024-01-03\n"
AS_ONE_SET = [
    ("A1", "C1", day("2024-01-01"), Decimal("150.00")),
    ("A2", "C2", day("2024-01-02"), Decimal("200.00")),
    ("A3", "C3", day("2024-01-03"), Decimal("300.00")),
]


def test_several_files_of_one_kind_import_as_one_set_the_last_file_giving_a_repeated_order(tmp_path, db):
    first, second = csv_file(tmp_path, "first.csv", FIRST), csv_file(tmp_path, "second.csv", SECOND)

    report = import_files(db, orders=[first, second])

    assert [source.name for source in report.sources] == ["first.csv", "second.csv"]
    assert report.orders_added == 3
    assert stored_orders(db) == AS_ONE_SET


def test_a_folder_imports_its_files_in_name_order_as_one_set(tmp_path, db):
    folder = tmp_path / "exports"
    folder.mkdir()
    csv_file(folder, "2024-02.csv", SECOND)  # written first, but last by name
    csv_file(folder, "2024-01.csv", FIRST)
    csv_file(folder, "readme.md", "not an export")
    csv_file(folder, ".hidden.csv", "garbage,\n")

    report = import_files(db, orders=folder)

    assert [source.name for source in report.sources] == ["2024-01.csv", "2024-02.csv"]
    assert stored_orders(db) == AS_ONE_SET


def test_a_folder_may_mix_csv_excel_and_parquet(tmp_path, db):
    folder = tmp_path / "exports"
    folder.mkdir()
    csv_file(folder, "a.csv", FIRST)
    workbook(folder / "b.xlsx", {"Orders": [["order_id", "customer_id", "order_date", "amount"],
                                             ["A1", "C1", dt.date(2024, 1, 1), 150]]})
    parquet_from_sql(folder / "c.parquet", "SELECT 'A3' AS order_id, 'C3' AS customer_id, "
                                           "DATE '2024-01-03' AS order_date, 300 AS amount")

    import_files(db, orders=folder)

    assert stored_orders(db) == AS_ONE_SET


def test_an_empty_folder_is_named(tmp_path, db):
    folder = tmp_path / "exports"
    folder.mkdir()
    csv_file(folder, "notes.md", "nothing")

    with pytest.raises(ImportFileError, match="holds no CSV, TSV, Excel or Parquet file"):
        import_files(db, orders=folder)


# --- Quoting, ids and the values of a row ------------------------------------------------------


def test_quoted_values_keep_commas_double_quotes_and_line_breaks(tmp_path, db):
    orders = csv_file(
        tmp_path, "orders.csv",
        "customer_id,order_date,amount,name,company,region\r\n"
        'C1,2024-01-01,"1,000","Sato ""Taro""","Tokyo, Inc.\r\nAnnex","Kanto\nEast"\r\n'
        "C2,2024-01-02,5,Ito,,\r\n",
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT customer_id, name, company, region FROM customers ORDER BY customer_id") == [
        ("C1", 'Sato "Taro"', "Tokyo, Inc.\r\nAnnex", "Kanto\nEast"),
        ("C2", "Ito", None, None),
    ]
    assert rows(db, "SELECT customer_id, amount FROM orders ORDER BY customer_id") == [
        ("C1", Decimal("1000.00")), ("C2", Decimal("5.00"))]


def test_a_bad_value_after_a_quoted_line_break_names_its_spreadsheet_row(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv",
                      'customer_id,order_date,amount,company\nC1,2024-01-01,5,"a\nb\nc"\nC2,2024-01-02,x,y\n')

    with pytest.raises(ImportRejectedError, match=r'^orders.csv line 3, column amount: "x" is not a number\.$'):
        import_files(db, orders=orders)


def test_ids_keep_leading_zeros_and_lose_only_one_leading_apostrophe(tmp_path, db):
    orders = csv_file(
        tmp_path, "orders.csv",
        "order_id,customer_id,order_date,amount\n"
        "'0001,'00042,2024-01-01,10\n"
        "0002, '00042 ,2024-01-02,10\n"
        "0003,''007,2024-01-03,10\n"
        "0004,000,2024-01-04,10\n",
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT order_id, customer_id FROM orders ORDER BY order_id") == [
        ("0001", "00042"), ("0002", "00042"), ("0003", "'007"), ("0004", "000")]
    assert rows(db, "SELECT customer_id FROM customers ORDER BY customer_id") == [("'007",), ("000",), ("00042",)]


def test_an_unquoted_thousands_separator_is_refused_naming_the_line_never_read_as_one(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv",
                      "customer_id,order_date,amount\nC1,2024-01-01,5\nC2,2024-01-02,1,000\nC3,2024-01-03,7\n")

    with pytest.raises(ImportRejectedError) as caught:
        import_files(db, orders=orders)

    assert str(caught.value) == ("orders.csv line 3 has 4 values but the header names 3 columns; "
                                 "a value holding the delimiter must be in double quotes.")
    assert not db.exists()

    report = import_files(db, orders=orders, on_error="skip")

    assert (report.orders_added, report.rows_rejected) == (2, 1)
    assert rows(db, "SELECT customer_id, amount FROM orders ORDER BY customer_id") == [
        ("C1", Decimal("5.00")), ("C3", Decimal("7.00"))]


# --- inspect_file -------------------------------------------------------------------------


def test_inspect_file_reports_a_titled_cp932_file(tmp_path):
    preview = inspect_file(csv_file(tmp_path, "titled.csv", TITLED.encode("cp932")), "orders")

    assert preview.source.describe() == "titled.csv: CSV, Shift_JIS (CP932), comma, header on row 3"
    assert (preview.source.encoding, preview.source.delimiter, preview.source.header_row) == ("cp932", ",", 3)
    assert preview.mapping.columns["amount"] == ("金額", 1)
    assert preview.rows.values.tolist() == shift_jis_body()


def test_inspect_file_takes_the_options_given(tmp_path):
    path = csv_file(tmp_path, "titled.csv", TITLED.encode("cp932"))

    preview = inspect_file(path, "orders", ReadOptions(encoding="cp932", delimiter=",", header_row=3))

    assert (preview.source.encoding, preview.source.delimiter, preview.source.header_row) == ("cp932", ",", 3)
    assert preview.source.headers == tuple(HEADER)


def test_inspect_file_recognises_a_platform_export(tmp_path):
    preview = inspect_file(ROOT / "tests" / "fixtures" / "platforms" / "eccube" / "orders.csv", "orders")

    assert (preview.platform.name, preview.source.encoding, preview.source.delimiter) == ("eccube", "cp932", ",")
    assert preview.mapping is None  # a platform export is read by its description, not a guessed mapping


def test_inspect_file_for_customers_guesses_a_customers_mapping(tmp_path):
    path = csv_file(tmp_path, "customers.csv", "会員番号,氏名,メールアドレス,登録日\nM1,佐藤,a@example.jp,2024-01-01\n")

    preview = inspect_file(path, "customers")

    assert preview.platform is None
    assert preview.mapping.columns == {"customer_id": ("会員番号", 1), "email": ("メールアドレス", 1),
                                       "name": ("氏名", 1), "created_at": ("登録日", 1)}
