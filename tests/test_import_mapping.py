"""Which column holds which field: headers in Japanese and English, overrides, guests keyed by
e-mail or phone, and mappings saved by name (through `import_files` and the CLI)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from segmentation import mapping
from segmentation.errors import ImportFileError
from segmentation.importer import import_files
from segmentation.platform_spec import header_key
from segmentation.sources import ReadOptions
from test_importer import csv_file, day, rows

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path) -> Path:
    """Where the test's database goes; it does not exist yet."""
    return tmp_path / "shop.duckdb"


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`python -m segmentation ARGS` as tests/test_cli.py runs it."""
    return subprocess.run([sys.executable, "-m", "segmentation", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


# --- Headers in Japanese and English ------------------------------------------------------------

# (kind, header as a shop writes it, field it is)
HEADERS = [
    ("orders", "顧客ID", "customer_id"),
    ("orders", "会員ID", "customer_id"),
    ("orders", "会員番号", "customer_id"),
    ("orders", "得意先コード", "customer_id"),
    ("orders", "注文日", "order_date"),
    ("orders", "受注日", "order_date"),
    ("orders", "購入日", "order_date"),
    ("orders", "売上日", "order_date"),
    ("orders", "Created at", "order_date"),
    ("orders", "金額", "amount"),
    ("orders", "売上", "amount"),
    ("orders", "合計", "amount"),
    ("orders", "合計金額", "amount"),
    ("orders", "支払合計", "amount"),
    ("orders", "請求金額", "amount"),
    ("orders", "Total", "amount"),
    ("orders", "注文番号", "order_id"),
    ("orders", "受注番号", "order_id"),
    ("orders", "伝票番号", "order_id"),
    ("orders", "会社名", "company"),
    ("orders", "担当者", "staff"),
    ("orders", "流入経路", "channel"),
    ("orders", "メールアドレス", "email"),
    ("orders", "Email", "email"),
    ("orders", "電話番号", "phone"),
    ("customers", "顧客ID", "customer_id"),
    ("customers", "会員番号", "customer_id"),
    ("customers", "会社名", "company"),
    ("customers", "担当者", "staff"),
    ("customers", "流入経路", "channel"),
    ("customers", "メールアドレス", "email"),
    ("customers", "Email", "email"),
    ("customers", "電話番号", "phone"),
    ("customers", "Created at", "created_at"),
    ("contacts", "会員ID", "customer_id"),
    ("contacts", "担当者", "staff"),
]


@pytest.mark.parametrize(("kind", "header", "field"), HEADERS)
def test_each_header_is_an_alias_of_its_field(kind, header, field):
    assert header_key(header) in {header_key(alias) for alias in mapping.ALIASES[kind][field]}
    assert mapping.guess(kind, ("x", header, "y")).columns == {field: (header, 1)}


ORDERS_HEADERS = [(header, field) for kind, header, field in HEADERS if kind == "orders"]


def test_orders_files_with_these_headers_import_each_column_as_its_field(tmp_path, db):
    # One file per header (one import, each file mapped by its own headers); file n holds order
    # On of customer Cn, and the column under test holds the value the field should store.
    files, expected_orders, expected_profiles = [], [], []
    for n, (header, field) in enumerate(ORDERS_HEADERS):
        values = {"order_id": f"O{n:02d}", "customer_id": f"C{n:02d}", "order_date": f"2024-03-{n + 1:02d}",
                  "amount": f"¥{n + 1},000"}
        if field not in values:
            values[field] = f"{field}-{n}"
        headers = [header if name == field else name for name in values]
        files.append(csv_file(tmp_path, f"{n:02d}.csv", ",".join(headers) + "\n" + ",".join(
            f'"{v}"' for v in values.values()) + "\n"))
        expected_orders.append((f"O{n:02d}", f"C{n:02d}", day(f"2024-03-{n + 1:02d}"), Decimal(f"{n + 1}000.00")))
        if field in ("company", "staff", "channel", "email", "phone"):
            expected_profiles.append((f"C{n:02d}", field, f"{field}-{n}"))

    report = import_files(db, orders=files)

    assert report.orders_added == len(ORDERS_HEADERS)
    assert rows(db, "SELECT order_id, customer_id, order_date, amount FROM orders ORDER BY order_id") == expected_orders
    stored = {row[0]: dict(zip(("company", "staff", "channel", "email", "phone"), row[1:])) for row in
              rows(db, "SELECT customer_id, company, staff, channel, email, phone FROM customers")}
    assert [(customer, field, stored[customer][field]) for customer, field, _ in expected_profiles] == expected_profiles


def test_customers_created_at_is_read_from_created_at(tmp_path, db):
    customers = csv_file(tmp_path, "customers.csv",
                         "会員番号,Created at,ＥＭＡＩＬ \nM1,2024-03-05 10:30,A@Example.jp\n")

    import_files(db, customers=customers)

    assert rows(db, "SELECT customer_id, created_at, email FROM customers") == [
        ("M1", dt.datetime(2024, 3, 5, 10, 30), "A@Example.jp")]


@pytest.mark.parametrize("header", ["ＥＭＡＩＬ ", " email", "E-Mail", "Ｅｍａｉｌ", "  e-mail  address ", "ﾒｰﾙｱﾄﾞﾚｽ"])
def test_headers_are_compared_without_case_width_or_surrounding_spaces(tmp_path, db, header):
    customers = csv_file(tmp_path, "customers.csv", f"顧客ID,{header}\nM1,taro@example.jp\n")

    import_files(db, customers=customers)

    assert rows(db, "SELECT customer_id, email FROM customers") == [("M1", "taro@example.jp")]


def test_two_columns_of_one_name_are_told_apart_by_position(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "顧客ID,注文日,金額,金額\nC1,2024-03-05,1000,1100\n")

    import_files(db, orders=orders)
    import_files(tmp_path / "second.duckdb", orders=orders, overrides={"amount": "金額#2"})

    assert rows(db, "SELECT amount FROM orders") == [(Decimal("1000.00"),)]
    assert rows(tmp_path / "second.duckdb", "SELECT amount FROM orders") == [(Decimal("1100.00"),)]


def test_an_override_wins_over_the_guess(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "顧客ID,注文日,金額,税込金額\nC1,2024-03-05,1000,1100\n")

    import_files(db, orders=orders, overrides={"amount": "税込金額"})

    assert rows(db, "SELECT amount FROM orders") == [(Decimal("1100.00"),)]


def test_an_empty_override_unmaps_a_guessed_optional_field(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "顧客ID,注文日,金額,会社名\nC1,2024-03-05,1000,ACME\n")

    import_files(db, orders=orders, overrides={"company": ""})

    assert rows(db, "SELECT customer_id, company FROM customers") == [("C1", None)]


def test_a_missing_required_column_is_named_with_the_headers_found(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "顧客ID,注文日,数量\nC1,2024-03-05,2\n")

    with pytest.raises(ImportFileError) as caught:
        import_files(db, orders=orders)

    message = str(caught.value)
    assert message.startswith("orders.csv has no column for amount")
    assert "its columns are: 顧客ID, 注文日, 数量." in message
    assert "--map amount=" in message
    assert not db.exists()


def test_a_file_naming_no_customer_is_refused_with_its_headers(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "注文日,金額\n2024-03-05,2\n")

    with pytest.raises(ImportFileError,
                       match="orders.csv has no column naming the customer.*its columns are: 注文日, 金額"):
        import_files(db, orders=orders)


def test_an_override_naming_a_header_the_file_lacks_lists_the_headers(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "顧客ID,注文日,金額\nC1,2024-03-05,2\n")

    with pytest.raises(ImportFileError,
                       match="orders.csv has no column 税込 for amount; its columns are: 顧客ID, 注文日, 金額"):
        import_files(db, orders=orders, overrides={"amount": "税込"})


def test_an_unknown_field_in_overrides_is_refused(tmp_path, db):
    # "amout" is a typo: left unnoticed, the import would quietly read the guessed column instead.
    orders = csv_file(tmp_path, "orders.csv", "顧客ID,注文日,金額,売上金額\nC1,2024-03-05,1000,1100\n")

    with pytest.raises(ImportFileError, match="amout"):
        import_files(db, orders=orders, overrides={"amout": "売上金額"})

    assert not db.exists()


def test_the_mapping_refuses_an_unknown_field():
    with pytest.raises(ImportFileError,
                       match="amout is not a field of a orders file; its fields are order_date, amount"):
        mapping.Mapping("orders").with_overrides({"amout": "売上金額"})


# --- Guests: keyed by e-mail, else phone -------------------------------------------------------------


def test_a_guest_is_keyed_by_trimmed_lower_cased_email_else_by_phone_digits(tmp_path, db):
    orders = csv_file(
        tmp_path, "orders.csv",
        "会員ID,注文番号,注文日,金額,メールアドレス,電話番号\n"
        ",1,2024-01-01,10, Taro@Example.JP ,\n"
        ",2,2024-01-02,10,taro@example.jp,03-9999-0000\n"
        ",3,2024-01-03,10,,03-1234-5678\n"
        ",4,2024-01-04,10,,０３（１２３４）５６７８\n"
        ",5,2024-01-05,10,,'03 1234 5678\n",
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT order_id, customer_id FROM orders ORDER BY order_id") == [
        ("1", "taro@example.jp"), ("2", "taro@example.jp"),
        ("3", "tel:0312345678"), ("4", "tel:0312345678"), ("5", "tel:0312345678"),
    ]
    assert rows(db, "SELECT customer_id FROM customers ORDER BY customer_id") == [
        ("taro@example.jp",), ("tel:0312345678",)]


def test_a_member_id_wins_over_email_and_phone(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv",
                      "会員ID,注文番号,注文日,金額,メールアドレス,電話番号\n"
                      "M1,1,2024-01-01,10,a@example.jp,03-1234-5678\n")

    import_files(db, orders=orders)

    assert rows(db, "SELECT customer_id FROM orders") == [("M1",)]
    assert rows(db, "SELECT customer_id, email, phone FROM customers") == [("M1", "a@example.jp", "03-1234-5678")]


def test_a_guest_whose_email_is_a_members_in_the_same_file_is_that_member(tmp_path, db):
    orders = csv_file(
        tmp_path, "orders.csv",
        "会員ID,注文番号,注文日,金額,メールアドレス\n"
        "M1,1,2024-01-01,10,hanako@example.jp\n"
        ",2,2024-01-02,10, HANAKO@Example.jp \n",
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT order_id, customer_id FROM orders ORDER BY order_id") == [("1", "M1"), ("2", "M1")]
    assert rows(db, "SELECT customer_id FROM customers") == [("M1",)]


def test_a_guest_whose_email_is_a_members_in_the_customers_file_of_the_import_is_that_member(tmp_path, db):
    customers = csv_file(tmp_path, "customers.csv", "会員番号,氏名,メールアドレス\nM1,佐藤,Jiro@Example.jp\n")
    orders = csv_file(tmp_path, "orders.csv", "注文番号,注文日,金額,Email\nX1,2024-02-01,10, jiro@EXAMPLE.jp\n")

    import_files(db, customers=customers, orders=orders)

    assert rows(db, "SELECT order_id, customer_id FROM orders") == [("X1", "M1")]
    assert rows(db, "SELECT customer_id, name FROM customers") == [("M1", "佐藤")]


def test_a_guest_whose_email_is_a_members_in_the_database_is_that_member(tmp_path, db):
    import_files(db, customers=csv_file(tmp_path, "customers.csv", "会員番号,メールアドレス\nM1,Jiro@Example.jp\n"))

    report = import_files(db, orders=csv_file(tmp_path, "orders.csv",
                                              "注文番号,注文日,金額,Email\nX1,2024-02-01,10, jiro@EXAMPLE.jp\n"))

    assert report.customers_created == 0
    assert rows(db, "SELECT order_id, customer_id FROM orders") == [("X1", "M1")]
    assert rows(db, "SELECT customer_id FROM customers") == [("M1",)]


def test_a_guest_whose_email_two_members_share_stays_keyed_by_email(tmp_path, db):
    orders = csv_file(
        tmp_path, "orders.csv",
        "会員ID,注文番号,注文日,金額,メールアドレス\n"
        "M1,1,2024-01-01,10,family@example.jp\n"
        "M2,2,2024-01-02,10,family@example.jp\n"
        ",3,2024-01-03,10,family@example.jp\n",
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT order_id, customer_id FROM orders ORDER BY order_id") == [
        ("1", "M1"), ("2", "M2"), ("3", "family@example.jp")]


def test_a_customers_file_without_ids_keys_its_customers_by_email(tmp_path, db):
    customers = csv_file(tmp_path, "customers.csv",
                         "氏名,メールアドレス,電話番号\n佐藤, Sato@Example.jp ,\n鈴木,,03-1234-5678\n")

    import_files(db, customers=customers)

    assert rows(db, "SELECT customer_id, name FROM customers ORDER BY customer_id") == [
        ("sato@example.jp", "佐藤"), ("tel:0312345678", "鈴木")]


# --- Saved mappings -------------------------------------------------------------------------------

# A layout the guess cannot read alone: お客様番号 and 日付 are no aliases, and 金額 (before tax)
# would be guessed for the amount where the shop means 売上金額.
LAYOUT = "お客様番号,日付,金額,売上金額\n"
NIGHTLY = {"customer_id": "お客様番号", "order_date": "日付", "amount": "売上金額"}


def test_a_saved_mapping_reads_the_next_file_of_the_same_layout_with_no_overrides(tmp_path, db):
    first = csv_file(tmp_path, "2024-01.csv", LAYOUT + "C1,2024-01-05,1000,1100\n")
    second = csv_file(tmp_path, "2024-02.csv", LAYOUT + "C2,2024-02-05,2000,2200\n")
    import_files(db, orders=first, overrides=NIGHTLY, save_mapping="nightly")

    with pytest.raises(ImportFileError, match="2024-02.csv has no column for order_date"):
        import_files(db, orders=second)
    report = import_files(db, orders=second, mapping="nightly")

    assert report.orders_added == 1
    assert rows(db, "SELECT customer_id, order_date, amount FROM orders ORDER BY customer_id") == [
        ("C1", day("2024-01-05"), Decimal("1100.00")),
        ("C2", day("2024-02-05"), Decimal("2200.00")),
    ]


def test_a_saved_mapping_keeps_the_read_options(tmp_path, db):
    def export(name: str, line: str) -> Path:
        return csv_file(tmp_path, name, ("受注一覧\n顧客ID;注文日;金額\n" + line).encode("cp932"))

    options = ReadOptions(encoding="cp932", delimiter=";", header_row=2)
    import_files(db, orders=export("a.csv", "C1;2024-01-05;1,000\n"), options=options, save_mapping="semicolons")

    import_files(db, orders=export("b.csv", "C2;2024-02-05;2,000\n"), mapping="semicolons")

    assert rows(db, "SELECT customer_id, amount FROM orders ORDER BY customer_id") == [
        ("C1", Decimal("1000.00")), ("C2", Decimal("2000.00"))]


def test_an_unknown_mapping_name_lists_the_saved_ones(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", LAYOUT + "C1,2024-01-05,1000,1100\n")
    import_files(db, orders=orders, overrides=NIGHTLY, save_mapping="nightly")
    import_files(db, orders=orders, overrides=NIGHTLY, save_mapping="monthly")

    with pytest.raises(ImportFileError, match=r"no saved orders mapping named 'weekly'; saved: monthly, nightly\."):
        import_files(db, orders=orders, mapping="weekly")


def test_a_mapping_is_saved_only_by_an_import_that_is_written(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", LAYOUT + "C1,2024-01-05,1000,1100\n")
    import_files(db, orders=orders, overrides=NIGHTLY)

    import_files(db, orders=orders, overrides=NIGHTLY, save_mapping="nightly", dry_run=True)

    with pytest.raises(ImportFileError, match="no saved orders mapping named 'nightly'"):
        import_files(db, orders=orders, mapping="nightly")


def test_the_cli_saves_a_mapping_and_uses_it(tmp_path):
    db = tmp_path / "shop.duckdb"
    layout = "顧客ID,注文日,金額,売上金額\n"
    first = csv_file(tmp_path, "2024-01.csv", layout + "C1,2024-01-05,1000,1100\n")
    second = csv_file(tmp_path, "2024-02.csv", layout + "C2,2024-02-05,2000,2200\n")

    saved = run_cli("import", "--db", str(db), "--orders", str(first), "--map", "amount=売上金額",
                    "--save-mapping", "nightly")
    used = run_cli("import", "--db", str(db), "--orders", str(second), "--mapping", "nightly")
    unknown = run_cli("import", "--db", str(db), "--orders", str(second), "--mapping", "weekly")

    assert (saved.returncode, used.returncode) == (0, 0), saved.stderr + used.stderr
    assert rows(db, "SELECT customer_id, amount FROM orders ORDER BY customer_id") == [
        ("C1", Decimal("1100.00")), ("C2", Decimal("2200.00"))]
    assert unknown.returncode != 0
    assert "Traceback" not in unknown.stderr
    assert "'weekly'" in unknown.stderr and "saved: nightly" in unknown.stderr
