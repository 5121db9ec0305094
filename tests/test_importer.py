"""The plain CSV import: canonical headers, text ids, idempotence, and all-or-nothing errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from segmentation import schema
from segmentation.errors import ImportFileError
from segmentation.importer import import_files
from segmentation.import_report import ImportReport

TABLES = ("customers", "orders", "contacts")


@pytest.fixture(autouse=True)
def _no_developer_database(monkeypatch):
    monkeypatch.delenv("SEGMENTATION_DB", raising=False)


@pytest.fixture
def db(tmp_path) -> Path:
    """Where the test's database goes; it does not exist yet."""
    return tmp_path / "shop.duckdb"


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seeded")
    path = folder / "template.duckdb"
    import_files(path, orders=csv_file(folder, "good.csv", "customer_id,order_date,amount\nC0,2024-12-31,99\n"))
    return path


@pytest.fixture
def seeded_db(tmp_path, seeded_template) -> Path:
    """A database already holding one customer C0 and one order, copied fresh for each test."""
    path = tmp_path / "seeded.duckdb"
    shutil.copyfile(seeded_template, path)
    return path


def csv_file(folder: Path, name: str, text: str | bytes) -> Path:
    """A file in `folder` holding exactly `text` (UTF-8) or these bytes."""
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def rows(db_path: Path, sql: str) -> list[tuple]:
    with schema.reading(db_path) as con:
        return con.execute(sql).fetchall()


def snapshot(db_path: Path) -> tuple[dict[str, list[tuple]], int]:
    """Every row of every imported table, and the data version."""
    con = schema.connect(db_path, read_only=True)
    try:
        tables = {table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() for table in TABLES}
        return tables, schema.data_version(con)
    finally:
        con.close()


COUNTS = ("orders_added", "orders_present", "orders_updated", "orders_removed", "refunds_added", "refunds_present",
          "customers_added", "customers_updated", "customers_present", "customers_created", "contacts_added",
          "contacts_present")


def counts(report: ImportReport) -> dict[str, int]:
    """The report's non-zero counts."""
    return {name: getattr(report, name) for name in COUNTS if getattr(report, name)}


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def generated_id(*parts: str) -> str:
    return "g-" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


# --- What is imported ----------------------------------------------------------------------


def test_minimal_orders_file_imports(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "customer_id,order_date,amount\n"
        "C1,2025-01-05,1980\n"
        "C2,2025-01-06,-500\n",
    )

    result = import_files(db, orders=orders)

    # C2's row is a refund (a negative amount), which docs/tiers.md does not count as an order.
    assert counts(result) == {"customers_created": 2, "orders_added": 1, "refunds_added": 1}
    assert result.imported
    assert rows(db, "SELECT customer_id, order_date, amount, campaign, category FROM orders ORDER BY customer_id") == [
        ("C1", day("2025-01-05"), Decimal("1980.00"), None, None),
        ("C2", day("2025-01-06"), Decimal("-500.00"), None, None),
    ]
    assert rows(db, "SELECT data_version FROM (SELECT CAST(value AS INT) AS data_version FROM meta)") == [(1,)]


def test_customer_ids_keep_leading_zeros(tmp_path, db):
    customers = csv_file(tmp_path, "customers.csv", "customer_id,name\n00042,Sato\n 007 ,Bond\n")
    orders = csv_file(tmp_path, "orders.csv", "order_id,customer_id,order_date,amount\n0001,00042,2025-01-05,10\n")

    import_files(db, customers=customers, orders=orders)

    assert rows(db, "SELECT customer_id, name FROM customers ORDER BY customer_id") == [
        ("00042", "Sato"),
        ("007", "Bond"),
    ]
    assert rows(db, "SELECT order_id, customer_id FROM orders") == [("0001", "00042")]


def test_every_column_is_read_as_text(tmp_path, db):
    customers = csv_file(tmp_path, "customers.csv", "customer_id,phone,address\n1e3,0120-00-1234,00100\n")

    import_files(db, customers=customers)

    assert rows(db, "SELECT customer_id, phone, address FROM customers") == [("1e3", "0120-00-1234", "00100")]


def test_two_identical_rows_without_order_id_are_two_orders(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "customer_id,order_date,amount\n"
        "C1,2025-01-05,1980\n"
        "C1,2025-01-05,1980\n",
    )

    result = import_files(db, orders=orders)

    assert result.orders_added == 2
    assert rows(db, "SELECT count(*), count(DISTINCT order_id) FROM orders") == [(2, 2)]


def test_generated_order_id_hashes_the_row_content_and_its_occurrence(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "customer_id,order_date,amount,campaign,category,order_id\n"
        "C1,2025/1/5 10:30,1980.5,SPRING,food,\n"
        "C1,2025-01-05,1980.50,SPRING,food,\n"
        "C2,2025-01-06,-500,,,\n",
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT order_id FROM orders ORDER BY order_id") == sorted(
        [
            (generated_id("C1", "2025-01-05", "1980.50", "SPRING", "food", "1"),),
            (generated_id("C1", "2025-01-05", "1980.50", "SPRING", "food", "2"),),
            (generated_id("C2", "2025-01-06", "-500.00", "", "", "1"),),
        ]
    )


def test_rows_sharing_an_order_id_are_lines_of_one_order(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,order_date,amount,category\n"
        "A-1,C1,2025-01-05,1000,food\n"
        "A-1,C1,2025-01-05,500,tools\n"
        "A-2,C1,2025-02-01,700,food\n",
    )

    result = import_files(db, orders=orders)

    assert (result.orders_added, result.orders_skipped) == (2, 0)
    assert rows(db, "SELECT order_id, amount, category FROM orders ORDER BY order_id, amount") == [
        ("A-1", Decimal("500.00"), "tools"),
        ("A-1", Decimal("1000.00"), "food"),
        ("A-2", Decimal("700.00"), "food"),
    ]


def test_order_already_in_the_database_with_other_lines_is_replaced_whole(tmp_path, db):
    first = csv_file(tmp_path, "first.csv", "order_id,customer_id,order_date,amount\nA-1,C1,2025-01-05,1000\n")
    import_files(db, orders=first)
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n"
        "A-1,C1,2025-01-05,1000\n"
        "A-1,C1,2025-01-05,500\n"
        "A-2,C1,2025-02-01,700\n",
    )

    result = import_files(db, orders=orders)

    # A-1 now has two lines: a later export of the same order replaces the stored one.
    assert counts(result) == {"orders_added": 1, "orders_updated": 1}
    assert rows(db, "SELECT order_id, amount FROM orders ORDER BY order_id, amount") == [
        ("A-1", Decimal("500.00")),
        ("A-1", Decimal("1000.00")),
        ("A-2", Decimal("700.00")),
    ]


def test_importing_the_same_files_twice_adds_nothing(tmp_path, db):
    customers = csv_file(tmp_path, "customers.csv", "customer_id,name,created_at\nC1,Sato,2024-12-01\nC2,Ito,\n")
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "customer_id,order_date,amount\n"
        "C1,2025-01-05,1980\n"
        "C1,2025-01-05,1980\n"
        "C3,2025-01-07,100\n",
    )
    contacts = csv_file(
        tmp_path,
        "contacts.csv",
        "customer_id,contacted_at,kind,staff,note\n"
        "C1,2025-01-10 09:00,call,Kato,\n"
        "C1,2025-01-10 09:00,call,Kato,\n"
        "C2,2025-01-11,visit,,brochure\n",
    )
    first = import_files(db, customers=customers, orders=orders, contacts=contacts)
    before, _ = snapshot(db)

    second = import_files(db, customers=customers, orders=orders, contacts=contacts)

    assert counts(first) == {"customers_added": 2, "customers_created": 1, "orders_added": 3, "contacts_added": 3}
    assert counts(second) == {"customers_present": 2, "orders_present": 3, "contacts_present": 3}
    assert snapshot(db)[0] == before


def test_identical_contacts_in_one_file_stay_two_and_only_the_missing_one_is_added(tmp_path, db):
    line = "C1,2025-01-10 09:00,call,Kato,\n"
    header = "customer_id,contacted_at,kind,staff,note\n"
    import_files(db, contacts=csv_file(tmp_path, "once.csv", header + line))

    result = import_files(db, contacts=csv_file(tmp_path, "twice.csv", header + line + line))

    assert (result.contacts_added, result.contacts_skipped) == (1, 1)
    assert rows(db, "SELECT customer_id, contacted_at, kind, staff, note FROM contacts") == [
        ("C1", dt.datetime(2025, 1, 10, 9, 0), "call", "Kato", None),
    ] * 2


def test_order_for_unknown_customer_creates_minimal_customer(tmp_path, db):
    customers = csv_file(tmp_path, "customers.csv", "customer_id,name,created_at\nC1,Sato,2024-12-01\n")
    orders = csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\nC1,2025-01-05,10\nC9,2025-01-06,20\n")

    result = import_files(db, customers=customers, orders=orders)

    assert (result.customers_added, result.customers_created) == (1, 1)
    assert rows(db, "SELECT customer_id, name, created_at FROM customers ORDER BY customer_id") == [
        ("C1", "Sato", dt.datetime(2024, 12, 1)),
        ("C9", None, None),
    ]


def test_contact_for_unknown_customer_creates_minimal_customer(tmp_path, db):
    contacts = csv_file(tmp_path, "contacts.csv", "customer_id,contacted_at\nC7,2025-03-01 14:05:09\n")

    result = import_files(db, contacts=contacts)

    assert (result.customers_created, result.contacts_added) == (1, 1)
    assert rows(db, "SELECT customer_id, name, created_at FROM customers") == [("C7", None, None)]
    assert rows(db, "SELECT contacted_at, kind FROM contacts") == [(dt.datetime(2025, 3, 1, 14, 5, 9), None)]


def test_customers_update_keeps_the_columns_the_file_leaves_empty_or_lacks(tmp_path, db):
    import_files(
        db,
        customers=csv_file(
            tmp_path,
            "old.csv",
            "customer_id,name,company,email,phone,region,address,channel,staff,created_at\n"
            "C1,Sato,Sato Ltd,sato@example.jp,03-1111,Kanto,Tokyo,web,Kato,2024-01-02\n",
        ),
    )

    newer = csv_file(tmp_path, "new.csv", "customer_id,email,region,name\nC1,new@example.jp,,\nC2,,Kansai,Ito\n")

    result = import_files(db, customers=newer)

    assert (result.customers_added, result.customers_updated) == (1, 1)
    assert rows(db, "SELECT * FROM customers ORDER BY customer_id") == [
        (
            "C1", "Sato", "Sato Ltd", "new@example.jp", "03-1111", "Kanto", "Tokyo", "web", "Kato",
            dt.datetime(2024, 1, 2),
        ),
        ("C2", "Ito", None, None, None, "Kansai", None, None, None, None),
    ]


def test_customer_that_already_has_the_files_values_is_not_counted_as_updated(tmp_path, db):
    customers = csv_file(tmp_path, "customers.csv", "customer_id,name\nC1,Sato\n")
    import_files(db, customers=customers)

    assert import_files(db, customers=customers).customers_updated == 0


def test_minimal_customer_gets_its_profile_from_a_later_customers_file(tmp_path, db):
    import_files(db, orders=csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\nC1,2025-01-05,10\n"))

    result = import_files(db, customers=csv_file(tmp_path, "customers.csv", "customer_id,name,channel\nC1,Sato,dm\n"))

    assert (result.customers_added, result.customers_updated) == (0, 1)
    assert rows(db, "SELECT customer_id, name, channel FROM customers") == [("C1", "Sato", "dm")]


def test_utf8_bom_is_accepted(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "\ufeffcustomer_id,order_date,amount\nC1,2025-01-05,10\n")
    customers = csv_file(tmp_path, "customers.csv", "\ufeffcustomer_id,name\nC1,佐藤 花子\n")

    import_files(db, orders=orders, customers=customers)

    assert rows(db, "SELECT customer_id, name FROM customers") == [("C1", "佐藤 花子")]


def test_dates_accept_slashes_and_timestamps_but_keep_only_the_calendar_date(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n"
        "1,C1,2025/01/05,10\n"
        "2,C1,2025-01-06 23:59,10\n"
        "3,C1,2025-01-07 08:15:30,10\n"
        "4,C1,2024-2-29,10\n",
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT order_date FROM orders ORDER BY order_id") == [
        (day("2025-01-05"),),
        (day("2025-01-06"),),
        (day("2025-01-07"),),
        (day("2024-02-29"),),
    ]


def test_order_dates_are_read_as_japanese_shop_files_write_them(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n"
        "1,C1,2024年3月5日,10\n"
        "2,C1,R6.3.6,10\n"
        "3,C1,令和6年3月7日,10\n"
        "4,C1,20240308,10\n"
        "5,C1,45360,10\n"
        "6,C1,2024-03-10T23:30:00-05:00,10\n"
        "7,C1,２０２４／３／１１,10\n",
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT order_date FROM orders ORDER BY order_id") == [
        (day(f"2024-03-{number:02d}"),) for number in range(5, 12)
    ]


def test_a_japanese_era_date_outside_its_era_names_file_line_column_and_value(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\nC1,H31.5.1,10\n")

    with pytest.raises(ImportFileError, match=r'^orders.csv line 2, column order_date: "H31.5.1" is not a date'):
        import_files(db, orders=orders)


def test_amounts_are_exact_decimals(tmp_path, db):
    amounts = ["0.1", "0.01", "-0.5", "007", "9999999999999999.99", "-1980.50"]
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n"
        + "".join(f"{number},C1,2025-01-05,{amount}\n" for number, amount in enumerate(amounts)),
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT amount FROM orders ORDER BY CAST(order_id AS INT)") == [
        (Decimal("0.10"),),
        (Decimal("0.01"),),
        (Decimal("-0.50"),),
        (Decimal("7.00"),),
        (Decimal("9999999999999999.99"),),
        (Decimal("-1980.50"),),
    ]


def test_amounts_are_read_as_japanese_shop_files_write_them(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n"
        'A1,C1,2025-01-05,"1,980"\n'
        "A2,C1,2025-01-06,¥1980\n"
        "A3,C1,2025-01-07,1980円\n"
        'A4,C1,2025-01-08,"￥12,800"\n'
        "A5,C1,2025-01-09,１，９８０\n"
        'A6,C1,2025-01-10,"△1,000"\n'
        "A7,C1,2025-01-11,▲500\n"
        'A8,C1,2025-01-12,"(2,500.50)"\n',
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT order_id, amount FROM orders ORDER BY order_id") == [
        ("A1", Decimal("1980.00")), ("A2", Decimal("1980.00")), ("A3", Decimal("1980.00")),
        ("A4", Decimal("12800.00")), ("A5", Decimal("1980.00")), ("A6", Decimal("-1000.00")),
        ("A7", Decimal("-500.00")), ("A8", Decimal("-2500.50")),
    ]


def test_windows_line_endings_are_accepted(tmp_path, db):
    contacts = csv_file(tmp_path, "contacts.csv", "customer_id,contacted_at,note\r\nC1,2025-01-05T09:30,hello\r\n")

    import_files(db, contacts=contacts)

    assert rows(db, "SELECT customer_id, contacted_at, note FROM contacts") == [
        ("C1", dt.datetime(2025, 1, 5, 9, 30), "hello")
    ]


def test_extra_columns_are_ignored_and_header_names_are_stripped(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        " customer_id , memo ,order_date,amount ,Amount\n"
        "C1,whatever,2025-01-05, 10.5 ,not a number\n",
    )

    import_files(db, orders=orders)

    assert rows(db, "SELECT customer_id, amount FROM orders") == [("C1", Decimal("10.50"))]


def test_quoted_values_may_hold_commas_and_line_breaks(tmp_path, db):
    customers = csv_file(tmp_path, "customers.csv", 'customer_id,address\nC1,"Tokyo, Chiyoda\n1-1"\n')

    import_files(db, customers=customers)

    assert rows(db, "SELECT address FROM customers") == [("Tokyo, Chiyoda\n1-1",)]


def test_blank_rows_are_skipped(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\n\nC1,2025-01-05,10\n,,\n")

    assert import_files(db, orders=orders).orders_added == 1


def test_header_only_file_imports_nothing(tmp_path, db):
    result = import_files(db, orders=csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\n"))

    assert counts(result) == {}
    assert result.summary() == "Nothing new: every row was already in the database."


def test_summary_is_one_english_line():
    result = ImportReport(
        customers_added=40,
        customers_updated=1,
        orders_added=120,
        orders_present=3,
        contacts_added=5,
    )

    assert result.summary() == (
        "Imported 120 orders (3 already present), 40 new customers, 1 updated customer, 5 contacts."
    )


def test_summary_counts_orders_as_docs_tiers_defines_them_and_refunds_apart(tmp_path, db):
    # docs/tiers.md: rows sharing an order_id are lines of one order, an order is a group whose
    # amount is positive, and a refund (a row with a negative amount) is not an order.
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n"
        "A-1,C1,2025-01-05,1000\n"
        "A-1,C1,2025-01-05,500\n"
        "A-2,C2,2025-02-01,700\n"
        "R-1,C1,2025-02-10,-300\n",
    )

    first = import_files(db, orders=orders)
    again = import_files(db, orders=orders)

    assert (first.orders_added, first.orders_skipped, first.refunds_added, first.refunds_skipped) == (2, 0, 1, 0)
    assert first.summary() == "Imported 2 orders, 1 refund, 2 new customers."
    assert (again.orders_added, again.orders_skipped, again.refunds_added, again.refunds_skipped) == (0, 2, 0, 1)
    assert again.summary() == "Imported 0 orders (2 already present), 0 refunds (1 already present)."
    assert rows(db, "SELECT count(*) FROM orders") == [(4,)]


def test_a_return_on_the_orders_own_id_is_a_refund_and_an_order_brought_to_zero_is_no_order(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "order_id,customer_id,order_date,amount\n"
        "A-1,C1,2025-01-05,1000\n"
        "A-1,C1,2025-01-20,-300\n"
        "A-2,C1,2025-02-01,700\n"
        "A-2,C1,2025-02-03,-700\n",
    )

    result = import_files(db, orders=orders)

    assert (result.orders_added, result.refunds_added) == (1, 2)
    assert result.summary() == "Imported 1 order, 2 refunds, 1 new customer."


# --- Bad input imports nothing ---------------------------------------------------------------

GOOD_ORDERS = "customer_id,order_date,amount\nC1,2025-01-05,10\n"

BAD_FILES = [
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "C2,05.01.2025,10\n",
        ["orders.csv line 3", "column order_date", '"05.01.2025"', "not a date"],
        id="bad date",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "C2,2025-01/05,10\n",
        ["orders.csv line 3", "column order_date", '"2025-01/05"', "not a date"],
        id="mixed date separators",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "C2,2025-02-30,10\n",
        ["orders.csv line 3", "column order_date", '"2025-02-30"', "not a real calendar date"],
        id="impossible date",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "C2,2025-02-03 24:00,10\n",
        ["orders.csv line 3", "column order_date", '"2025-02-03 24:00"', "time of day"],
        id="impossible time",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + 'C2,2025-01-05,"12,80x"\n',
        ["orders.csv line 3", "column amount", '"12,80x"', "not a number"],
        id="bad amount",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + 'C2,2025-01-05,"12,80"\n',
        ["orders.csv line 3", "column amount", '"12,80"', "not a number"],
        id="thousands separator out of place",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "C2,2025-01-05,12.345\n",
        ["orders.csv line 3", "column amount", '"12.345"', "more than 2 decimal places"],
        id="three decimals",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "C2,2025-01-05,\n",
        ["orders.csv line 3", "column amount", "empty"],
        id="empty amount",
    ),
    pytest.param(
        "orders", "orders.csv", "customer_id,order_date\nC1,2025-01-05\n",
        ["orders.csv has no column for amount", "its columns are: customer_id, order_date", "--map amount="],
        id="missing column",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "  ,2025-01-05,10\n",
        ["orders.csv line 3", "column customer_id", "names no customer"],
        id="empty customer_id",
    ),
    pytest.param(
        "orders", "orders.csv", "order_id,customer_id,order_date,amount\nA,C1,2025-01-05,1\nA,C2,2025-01-05,1\n",
        ["orders.csv line 3", "column customer_id", '"C2"', "line 2"],
        id="one order for two customers",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "C2,2025-01-05,1,980\n",
        ["orders.csv line 3", "4 values"],
        id="too many values in a row",
    ),
    pytest.param(
        "customers", "customers.csv", "customer_id,name\nC1,Sato\nC2,Ito\n C1,Sato\n",
        ["customers.csv line 4", "column customer_id", '"C1"', "line 2"],
        id="duplicate customer",
    ),
    pytest.param(
        "customers", "customers.csv", "customer_id,created_at\nC1,yesterday\n",
        ["customers.csv line 2", "column created_at", '"yesterday"'],
        id="bad created_at",
    ),
    pytest.param(
        "contacts", "contacts.csv", "customer_id,contacted_at\nC1,2025-01-05\nC1,2025-13-01\n",
        ["contacts.csv line 3", "column contacted_at", '"2025-13-01"'],
        id="bad contacted_at",
    ),
    pytest.param(
        "orders", "orders.csv", (GOOD_ORDERS + "C2,2025-01-05,10\n" + "C3,2025-01-05,10,佐藤\n").encode("shift_jis"),
        ["orders.csv line 4", "has 4 values but the header names 3 columns"],
        id="Shift_JIS file with too many values",
    ),
    pytest.param("orders", "orders.csv", b"", ["orders.csv is empty", "header"], id="empty file"),
    pytest.param(
        "contacts", "contacts.csv", b"\xef\xbb\xbf\n\n",
        ["contacts.csv", "no header row"],
        id="only blank lines",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "C2,2025-01-05,12345678901234567\n",
        ["orders.csv line 3", "column amount", '"12345678901234567"', "too large"],
        id="amount too large",
    ),
    pytest.param(
        "orders", "orders.csv", GOOD_ORDERS + "C2,1899-12-31,1\n",
        ["orders.csv line 3", "column order_date", '"1899-12-31"', "1900"],
        id="implausible year",
    ),
]


@pytest.mark.parametrize(("kind", "name", "content", "expected"), BAD_FILES)
def test_bad_value_raises_and_leaves_the_database_as_it_was(tmp_path, seeded_db, kind, name, content, expected):
    before = snapshot(seeded_db)
    bad = csv_file(tmp_path, name, content)

    with pytest.raises(ImportFileError) as caught:
        import_files(seeded_db, **{kind: bad})

    message = str(caught.value)
    assert [part for part in expected if part not in message] == []
    assert "\n" not in message
    assert snapshot(seeded_db) == before


def test_bad_value_message_is_one_sentence_naming_file_line_column_and_value(tmp_path, db):
    orders = csv_file(
        tmp_path,
        "orders.csv",
        "customer_id,order_date,amount\n" + "C1,2025-01-05,10\n" * 5 + 'C1,2025-01-05,"12,80x"\n',
    )

    with pytest.raises(ImportFileError) as caught:
        import_files(db, orders=orders)

    assert str(caught.value) == 'orders.csv line 7, column amount: "12,80x" is not a number.'


def test_bad_value_is_found_on_its_spreadsheet_line_after_blank_rows(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", 'customer_id,order_date,amount\n\nC1,2025-01-05,10\n"C2",2025-01-05,x\n')

    with pytest.raises(ImportFileError, match=r'^orders.csv line 4, column amount: "x" is not a number\.$'):
        import_files(db, orders=orders)


def test_failure_in_the_second_file_leaves_the_first_files_rows_out_too(tmp_path, seeded_db):
    before = snapshot(seeded_db)
    customers = csv_file(tmp_path, "customers.csv", "customer_id,name\nC1,Sato\n")
    orders = csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\nC1,2025-01-05,10\n")
    contacts = csv_file(tmp_path, "contacts.csv", "customer_id,contacted_at\nC1,2025-02-30\n")

    with pytest.raises(ImportFileError, match="contacts.csv line 2"):
        import_files(seeded_db, customers=customers, orders=orders, contacts=contacts)

    assert snapshot(seeded_db) == before


def test_failure_while_writing_rolls_back_every_file(tmp_path, seeded_db, monkeypatch):
    import segmentation.importer as importer

    before = snapshot(seeded_db)

    def broken(con):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer.import_write, "write_contacts", broken)
    customers = csv_file(tmp_path, "customers.csv", "customer_id,name\nC1,Sato\n")
    orders = csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\nC1,2025-01-05,10\n")
    contacts = csv_file(tmp_path, "contacts.csv", "customer_id,contacted_at\nC1,2025-02-03\n")

    with pytest.raises(RuntimeError):
        import_files(seeded_db, customers=customers, orders=orders, contacts=contacts)

    assert snapshot(seeded_db) == before


def test_bad_file_creates_no_database(tmp_path, db):
    with pytest.raises(ImportFileError):
        import_files(db, orders=csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount\nC1,2025-02-30,1\n"))

    assert not db.exists()


def test_missing_file_is_named_in_the_error(tmp_path, db):
    with pytest.raises(ImportFileError, match="file .*nowhere.csv does not exist"):
        import_files(db, orders=tmp_path / "nowhere.csv")


def test_two_columns_of_one_name_are_told_apart_by_position(tmp_path, db):
    orders = csv_file(tmp_path, "orders.csv", "customer_id,order_date,amount, amount\nC1,2025-01-05,1,2\n")

    import_files(db, orders=orders)
    import_files(tmp_path / "second.duckdb", orders=orders, overrides={"amount": "amount#2"})

    assert rows(db, "SELECT amount FROM orders") == [(Decimal("1.00"),)]
    assert rows(tmp_path / "second.duckdb", "SELECT amount FROM orders") == [(Decimal("2.00"),)]


def test_calling_without_files_is_an_error(db):
    with pytest.raises(ImportFileError, match="Nothing to import"):
        import_files(db)


# --- Customer keys (import_read.UNQUOTED and KEY_COLUMNS) -----------------------------------

KEYS = [
    ("customer_id", "00042", "00042"),
    ("customer_id", "'00042", "00042"),
    ("customer_id", "''00042", "'00042"),
    ("customer_id", "A-001", "A-001"),
    ("customer_id", "ｃ０１", "ｃ０１"),
    ("email", "taro@example.jp", "taro@example.jp"),
    ("email", "  Taro@Example.JP ", "taro@example.jp"),
    ("phone", "03-1234-5678", "tel:0312345678"),
    ("phone", "０３（１２３４）５６７８", "tel:0312345678"),
    ("phone", "０３－１２３４－５６７８", "tel:0312345678"),
    ("phone", "+81 3-1234-5678", "tel:81312345678"),
    ("phone", " 090 1234 5678 ", "tel:09012345678"),
]


@pytest.mark.parametrize(("column", "text", "expected"), KEYS)
def test_the_customer_is_its_id_as_text_else_its_email_else_its_phone_digits(tmp_path, db, column, text, expected):
    import csv

    path = tmp_path / "orders.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[column, "order_date", "amount"], [text, "2025-01-05", "10"]])

    import_files(db, orders=path)

    assert rows(db, "SELECT customer_id FROM orders") == [(expected,)]


@pytest.mark.parametrize(("column", "text"), [("customer_id", "'"), ("customer_id", "   "), ("phone", "なし")])
def test_a_row_whose_id_email_and_phone_are_all_empty_names_no_customer(tmp_path, db, column, text):
    path = csv_file(tmp_path, "orders.csv", f"{column},order_date,amount\n{text},2025-01-05,10\n")

    with pytest.raises(ImportFileError, match="orders.csv line 2, column .*names no customer"):
        import_files(db, orders=path)
