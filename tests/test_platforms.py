"""Every shop platform's order export, checked against its hand computation.

Each folder of tests/fixtures/platforms/ holds a platform's `orders.csv`, a later export of the
same shop (`orders_later.csv`) and `truth.json`: per customer the counted orders, their amount
and the first and last order date after importing the first file into an empty database
(`after_first`) and the later one on top (`after_later`), and the orders each file leaves out
and why. The README.md beside them shows the computation row by row.

Here the state is always computed from the database's orders table the way docs/tiers.md counts
orders (an order is an order_id whose amount is > 0), never from the importer's own figures.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from segmentation import importer, platforms, schema
from segmentation.errors import ImportFileError
from segmentation.importer import import_files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "platforms"
PLATFORM_DIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
NAMES = [p.name for p in PLATFORM_DIRS]
DATA_TABLES = ("customers", "orders", "contacts")


def truth(name: str) -> dict:
    return json.loads((FIXTURES / name / "truth.json").read_text(encoding="utf-8"))


def fixture(name: str, file: str) -> Path:
    return FIXTURES / name / file


def expected_customers(state: dict) -> dict[str, tuple[int, Decimal, dt.date, dt.date]]:
    return {
        key: (c["orders"], Decimal(c["amount"]), dt.date.fromisoformat(c["first_order"]),
              dt.date.fromisoformat(c["last_order"]))
        for key, c in state["customers"].items()
    }


def expected_excluded(state: dict) -> dict[str, int]:
    return {reason: count for reason, count in state["excluded"].items() if count}


def customer_state(db: Path) -> dict[str, tuple[int, Decimal, dt.date, dt.date]]:
    """Per customer: counted orders (distinct order_id with amount > 0), their amount, first and last date."""
    with schema.reading(db) as con:
        found = con.execute(
            "SELECT customer_id, count(*), sum(amount), min(order_date), max(order_date) FROM ("
            "  SELECT order_id, min(customer_id) AS customer_id, sum(amount) AS amount, min(order_date) AS order_date,"
            "         count(DISTINCT customer_id) AS customers"
            "  FROM orders GROUP BY order_id HAVING sum(amount) > 0) "
            "GROUP BY customer_id"
        ).fetchall()
        split = con.execute(
            "SELECT order_id FROM orders GROUP BY order_id HAVING count(DISTINCT customer_id) > 1").fetchall()
    assert split == [], f"orders stored under several customers: {split}"
    return {row[0]: (int(row[1]), row[2], row[3], row[4]) for row in found}


def data_tables(db: Path) -> tuple[dict[str, list[tuple]], int]:
    with schema.reading(db) as con:
        tables = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in DATA_TABLES}
        return tables, schema.data_version(con)


def test_every_platform_has_a_fixture_folder():
    assert sorted(NAMES) == sorted(platforms.NAMES)


# --- Recognition -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("file", ["orders.csv", "orders_later.csv"])
def test_file_is_recognised_as_exactly_its_platform_without_flags(name, file):
    preview = importer.inspect_file(fixture(name, file), "orders")

    assert preview.platform is not None and preview.platform.name == name
    assert platforms.recognise(preview.source.headers).name == name
    # No other platform's identifying headers are all there: the recognition is not a tie-break.
    assert [p.name for p in platforms.PLATFORMS if p.matches(list(preview.source.headers))] == [name]
    assert preview.mapping is None
    assert preview.source.encoding == truth(name)["encoding"]
    assert preview.source.header_row == 1


# --- The hand-computed states ----------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_first_export_into_an_empty_database(tmp_path, name):
    db = tmp_path / "shop.duckdb"
    state = truth(name)["after_first"]

    report = import_files(db, orders=fixture(name, "orders.csv"))

    assert report.imported and report.problem_count == 0
    assert report.platform == name
    assert customer_state(db) == expected_customers(state)
    assert report.excluded == expected_excluded(state)
    assert report.orders_added == sum(c["orders"] for c in state["customers"].values())


@pytest.mark.parametrize("name", NAMES)
def test_later_export_on_top(tmp_path, name):
    db = tmp_path / "shop.duckdb"
    import_files(db, orders=fixture(name, "orders.csv"))

    report = import_files(db, orders=fixture(name, "orders_later.csv"))

    state = truth(name)["after_later"]
    assert report.imported and report.problem_count == 0
    assert customer_state(db) == expected_customers(state)
    assert report.excluded == expected_excluded(state)


@pytest.mark.parametrize("name", NAMES)
def test_first_export_again_adds_nothing(tmp_path, name):
    db = tmp_path / "shop.duckdb"
    first = import_files(db, orders=fixture(name, "orders.csv"))
    before = data_tables(db)

    again = import_files(db, orders=fixture(name, "orders.csv"))

    assert (again.orders_added, again.orders_updated, again.orders_removed) == (0, 0, 0)
    assert again.orders_present == first.orders_added
    assert (again.customers_added, again.customers_created, again.customers_updated) == (0, 0, 0)
    assert again.excluded == first.excluded
    assert data_tables(db) == before
    assert customer_state(db) == expected_customers(truth(name)["after_first"])


@pytest.mark.parametrize("name", NAMES)
def test_both_exports_at_once(tmp_path, name):
    db = tmp_path / "shop.duckdb"

    report = import_files(db, orders=[fixture(name, "orders.csv"), fixture(name, "orders_later.csv")])

    assert report.imported and report.problem_count == 0
    assert customer_state(db) == expected_customers(truth(name)["after_later"])


def test_both_exports_at_once_given_in_the_other_order(tmp_path):
    """docs/import.md: several files "import as one set, files in name order; an order in two files
    is taken from the last", so the later export wins however the files are given."""
    db, name = tmp_path / "shop.duckdb", "shopify"

    import_files(db, orders=[fixture(name, "orders_later.csv"), fixture(name, "orders.csv")])

    assert customer_state(db) == expected_customers(truth(name)["after_later"])


# --- Choosing the platform -------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in NAMES if n != "shopify"])
def test_shopify_chosen_for_another_platforms_file_is_refused_with_a_sentence(tmp_path, name):
    db = tmp_path / "shop.duckdb"

    with pytest.raises(ImportFileError) as caught:
        import_files(db, orders=fixture(name, "orders.csv"), platform="shopify")

    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")
    assert "orders.csv" in message and "Shopify" in message
    # One file was given: the sentence must not compare it with itself nor ask to split "the two".
    assert "like orders.csv" not in message and "the two" not in message, message
    assert not db.exists()


def test_an_unknown_platform_name_is_refused_naming_the_known_ones(tmp_path):
    with pytest.raises(ImportFileError, match="not a platform this import knows.*shopify.*generic"):
        import_files(tmp_path / "shop.duckdb", orders=fixture("shopify", "orders.csv"), platform="amazon")


def test_generic_reads_a_shopify_file_by_its_headers(tmp_path):
    path = fixture("shopify", "orders.csv")

    preview = importer.inspect_file(path, "orders", platform="generic")

    assert preview.platform is None
    assert preview.mapping is not None
    guessed = {field: header for field, (header, _) in preview.mapping.columns.items()}
    assert guessed["order_date"] == "Created at" and guessed["amount"] == "Total" and guessed["email"] == "Email"

    db = tmp_path / "shop.duckdb"
    report = import_files(db, orders=path, platform="generic", on_error="skip")

    # Read as a plain orders file: no platform, nothing left out as cancelled/refunded/test/unpaid,
    # and Shopify's item rows without a Total are values that cannot be read.
    assert report.platform is None and report.excluded == {}
    assert report.problem_count > 0 and {p.code for p in report.problems} == {"empty"}
    assert {p.column for p in report.problems} == {"Total (amount)"}
    with schema.reading(db) as con:
        amounts = sorted(r[0] for r in con.execute("SELECT amount FROM orders").fetchall())
    # The cancelled #1004 (3,800), refunded #1005 (7,700) and test #1009 (1,000) are plain rows here.
    assert {Decimal("3800.00"), Decimal("7700.00"), Decimal("1000.00")} <= set(amounts)


def test_generic_import_of_a_shopify_file_differs_from_the_shopify_import(tmp_path):
    path = fixture("shopify", "orders.csv")
    as_shopify = import_files(tmp_path / "a.duckdb", orders=path)
    as_generic = import_files(tmp_path / "b.duckdb", orders=path, platform="generic", on_error="skip")

    assert as_shopify.platform == "shopify" and as_generic.platform is None
    assert customer_state(tmp_path / "a.duckdb") != customer_state(tmp_path / "b.duckdb")
