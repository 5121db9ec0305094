"""The customers page in AppTest: it renders, its count follows the ready views, filters and the
tier chosen on the trends page as the core counts them, and it prepares the export of exactly
that list in every format."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from apptest_support import (  # noqa: F401  (fixtures)
    DEMO_END,
    assert_no_exception,
    has_key,
    open_app,
)
from dashboard.safe import seen
from segmentation.customers import READY_VIEWS, CustomerFilters, customer_list
from segmentation.export import CONDITIONS_SHEET
from segmentation.texts import text, tier_name
from segmentation.thresholds import DEFAULT_THRESHOLDS

CUSTOMERS_PAGE = "pages/customers.py"


@pytest.fixture
def demo_copy(demo_db, tmp_path) -> Path:
    """A copy of the shared demo database: an export writes its audit row into the file."""
    return Path(shutil.copy(demo_db, tmp_path / "demo.duckdb"))


@pytest.fixture
def customers(open_app, demo_copy):
    """The app opened on the overview, then switched to the customers page."""
    at = open_app(demo_copy)
    assert_no_exception(at)
    return at.switch_page(CUSTOMERS_PAGE).run()


def core_total(analysis, filters: CustomerFilters) -> int:
    return customer_list(analysis, DEFAULT_THRESHOLDS, DEMO_END, None, filters, "amount", 1)[0]


def core_ids(analysis, filters: CustomerFilters, sort: str) -> list[str]:
    return list(customer_list(analysis, DEFAULT_THRESHOLDS, DEMO_END, None, filters, sort, None)[1]["customer_id"])


def shown_count(at) -> int:
    """The n of the "n customers match" heading (exactly one such heading)."""
    headings = [subheader.value for subheader in at.subheader]
    prefix, suffix = text("matches", "ja", n=0).split("0")
    found = [h for h in headings if h.startswith(prefix) and h.endswith(suffix)]
    assert len(found) == 1, f"expected one match count among {headings}"
    return int(found[0][len(prefix):len(found[0]) - len(suffix)].replace(",", ""))


def test_the_customers_page_renders(customers):
    assert_no_exception(customers)
    assert [title.value for title in customers.title] == [text("customers_title", "ja")]
    assert customers.get_by_key("cu_view").value is None
    assert customers.get_by_key("cu_tiers").value == []
    assert customers.get_by_key("cu_status").value == "all"
    assert customers.get_by_key("cu_sort").value == "amount"
    assert not has_key(customers, "cu_download"), "a file must not be offered before it is prepared"


def test_the_match_count_for_the_defaults_is_the_core_total(customers, demo_analysis):
    assert_no_exception(customers)
    assert shown_count(customers) == core_total(demo_analysis, CustomerFilters()) == demo_analysis.customer_count


@pytest.mark.parametrize("key", list(READY_VIEWS))
def test_choosing_a_ready_view_shows_the_core_count_for_that_view(customers, demo_analysis, key):
    view = READY_VIEWS[key]

    customers.get_by_key("cu_view").set_value(key).run()

    assert_no_exception(customers)
    assert customers.get_by_key("cu_view").value == key
    assert customers.get_by_key("cu_sort").value == view.sort
    assert customers.get_by_key("cu_tiers").value == list(view.filters.tiers)
    assert 0 < shown_count(customers) == core_total(demo_analysis, view.filters) < demo_analysis.customer_count


def test_leaving_a_ready_view_shows_everyone_again(customers, demo_analysis):
    customers.get_by_key("cu_view").set_value("loyal_lapsing").run()
    customers.get_by_key("cu_view").set_value(None).run()

    assert_no_exception(customers)
    assert shown_count(customers) == demo_analysis.customer_count


def test_a_tier_filter_narrows_the_count_as_the_core_says(customers, demo_analysis):
    customers.get_by_key("cu_tiers").set_value(["loyal", "trend"]).run()

    assert_no_exception(customers)
    assert shown_count(customers) == core_total(demo_analysis, CustomerFilters(tiers=("loyal", "trend")))


def test_the_search_box_narrows_the_count_as_the_core_says(customers, demo_analysis):
    customers.get_by_key("cu_search").input("EXAMPLE.NE.JP").run()

    assert_no_exception(customers)
    expected = core_total(demo_analysis, CustomerFilters(search="example.ne.jp"))
    assert 0 < shown_count(customers) == expected < demo_analysis.customer_count


def test_a_tier_chosen_on_the_trends_page_filters_the_customer_list(open_app, demo_copy, demo_analysis):
    at = open_app(demo_copy)
    at.session_state["handoff_tier"] = "loyal"
    at.switch_page(CUSTOMERS_PAGE).run()

    assert_no_exception(at)
    assert [info.value for info in at.info] == [text("from_trends", "ja", tier=tier_name("loyal", "ja"))]
    assert at.get_by_key("cu_tiers").value == ["loyal"]
    assert shown_count(at) == core_total(demo_analysis, CustomerFilters(tiers=("loyal",)))
    assert "handoff_tier" not in at.session_state, "the tier must be taken once, not on every rerun"


def prepare(at, chosen: str):
    at.get_by_key("cu_format").set_value(chosen).run()
    at.get_by_key("cu_prepare").click().run()
    assert_no_exception(at)
    assert [error.value for error in at.error] == []
    return at.session_state["cu_export"]


def csv_rows(payload: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload, newline="")))


@pytest.mark.parametrize("chosen", ["csv_utf8", "csv_cp932", "xlsx"])
def test_a_prepared_export_is_offered_for_download_with_the_count(customers, chosen):
    count = shown_count(customers)

    prepare(customers, chosen)

    assert has_key(customers, "cu_download")
    assert customers.get_by_key("cu_download").label == text("export_button", "ja", n=count)


def test_the_utf8_export_has_a_bom_and_the_listed_customers(customers, demo_analysis):
    customers.get_by_key("cu_view").set_value("overdue_possibly_lost").run()
    view = READY_VIEWS["overdue_possibly_lost"]

    _, payload, filename, fmt, _ = prepare(customers, "csv_utf8")

    assert (fmt, filename.endswith(".csv")) == ("csv", True)
    assert payload.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(payload.decode("utf-8-sig"))
    assert rows[0][0] == text("col_customer_id", "ja")
    assert [row[0] for row in rows[1:]] == core_ids(demo_analysis, view.filters, view.sort)
    assert len(rows) - 1 == shown_count(customers)


def test_the_cp932_export_decodes_as_shift_jis_with_every_customer(customers):
    customers.get_by_key("cu_tiers").set_value(["steady"]).run()

    _, payload, _, fmt, _ = prepare(customers, "csv_cp932")

    assert fmt == "csv" and not payload.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(payload.decode("cp932"))
    assert rows[0][0] == text("col_customer_id", "ja")
    assert len(rows) - 1 == shown_count(customers)
    assert {row[rows[0].index(text("col_tier", "ja"))] for row in rows[1:]} == {tier_name("steady", "ja")}


def test_the_xlsx_export_has_a_row_per_customer_and_a_conditions_sheet(customers):
    customers.get_by_key("cu_view").set_value("trend_from_campaigns").run()

    _, payload, filename, fmt, _ = prepare(customers, "xlsx")

    assert (fmt, filename.endswith(".xlsx")) == ("xlsx", True)
    workbook = openpyxl.load_workbook(io.BytesIO(payload), read_only=True)
    try:
        assert workbook.sheetnames[1] == CONDITIONS_SHEET == "条件"
        data = list(workbook.worksheets[0].iter_rows(values_only=True))
        conditions = dict(workbook[CONDITIONS_SHEET].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert len(data) - 1 == shown_count(customers)
    assert data[0][0] == text("col_customer_id", "ja")
    assert conditions[text("meta_view", "ja")] == text("view_trend_from_campaigns", "ja")
    assert conditions[text("meta_as_of", "ja")] == DEMO_END.isoformat()


def test_a_file_prepared_for_other_filters_is_not_offered(customers):
    prepare(customers, "csv_utf8")
    assert has_key(customers, "cu_download")

    customers.get_by_key("cu_tiers").set_value(["first"]).run()

    assert_no_exception(customers)
    assert not has_key(customers, "cu_download")


def test_a_name_shift_jis_cannot_hold_is_named_and_the_alternatives_offered_but_no_file(open_app, demo_db, tmp_path):
    copy = tmp_path / "emoji.duckdb"
    shutil.copy(demo_db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("UPDATE customers SET name = '山田 😀太郎' WHERE customer_id = '0000010'")
    at = open_app(copy).switch_page(CUSTOMERS_PAGE).run()
    at.get_by_key("cu_search").input("山田 😀").run()

    at.get_by_key("cu_format").set_value("csv_cp932").run()
    at.get_by_key("cu_prepare").click().run()

    assert_no_exception(at)
    assert shown_count(at) == 1
    [error] = [seen(error.value) for error in at.error]
    assert error == text("export_cp932_refused", "ja", row=2, column=text("col_name", "ja"), char="😀")
    assert not has_key(at, "cu_download")
    assert "cu_export" not in at.session_state
    assert has_key(at, "cu_cp932_replace") and has_key(at, "cu_cp932_utf8")  # the alternatives offered
