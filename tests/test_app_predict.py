"""The chance of coming back in AppTest: the customer page shows it when asked (the chance, the
expected orders, how one-time buyers are treated, the fit and its parameters), in both
languages; the customer list shows its columns when asked and narrows to the "likely lost" as
the core does. The model is fitted only when a toggle asks for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from apptest_support import (  # noqa: F401  (fixtures)
    DEMO_END,
    assert_no_exception,
    open_app,
    table_with_column,
)
from dashboard.safe import seen
from segmentation import predict
from segmentation.customers import CustomerFilters, customer_list
from segmentation.texts import text
from segmentation.thresholds import DEFAULT_THRESHOLDS

CUSTOMER_PAGE = "pages/customer.py"
CUSTOMERS_PAGE = "pages/customers.py"


@pytest.fixture
def demo_copy(demo_db, tmp_path) -> Path:
    """A copy of the shared demo database (an export writes its audit row into the file)."""
    return Path(shutil.copy(demo_db, tmp_path / "demo.duckdb"))


@pytest.fixture(scope="module")
def expected(demo_analysis) -> pd.DataFrame:
    """The core's predictions for the demo data (the same data as every copy)."""
    return predict.predictions(demo_analysis, DEMO_END, 90).set_index("customer_id")


@pytest.fixture(scope="module")
def fitted(demo_analysis) -> predict.Fit:
    return predict.fit(demo_analysis, DEMO_END)


def shown_text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def open_customer(open_app, db: Path, customer_id: str, lang: str):
    return open_app(db, query={"id": customer_id, "lang": lang}, page=CUSTOMER_PAGE)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_customer_page_shows_the_chance_when_asked(open_app, demo_copy, expected, fitted, lang):
    customer_id = str(expected[expected["frequency"] > 2].index[0])
    at = open_customer(open_app, demo_copy, customer_id, lang)
    assert_no_exception(at)
    assert text("predict_title", lang) in [s.value for s in at.subheader]
    assert not [m for m in at.metric if m.label == text("predict_p_alive", lang)], "nothing before it is asked for"
    at.get_by_key("cs_predict").set_value(True).run()
    assert_no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    row = expected.loc[customer_id]
    assert metrics[text("predict_p_alive", lang)] == f"{row['p_alive']:.0%}"
    assert metrics[text("predict_expected", lang, days=90)] == f"{row['expected_orders']:.2f}"
    shown = shown_text(at)
    assert text("predict_method", lang) in shown  # how one-time buyers are treated, said on the page
    assert text("predict_params", lang, **fitted.params) in shown
    assert f"{DEMO_END}" in shown  # the date the fit used


def test_a_one_time_buyer_is_told_why_the_chance_falls(open_app, demo_copy, expected):
    customer_id = str(expected[expected["frequency"] == 0].index[0])
    at = open_customer(open_app, demo_copy, customer_id, "en")
    at.get_by_key("cs_predict").set_value(True).run()
    assert_no_exception(at)
    row = expected.loc[customer_id]
    assert text("predict_one_time", "en", days=int(row["t_days"])) in shown_text(at)
    assert {m.label: m.value for m in at.metric}[text("predict_p_alive", "en")] == f"{row['p_alive']:.0%}"
    assert row["p_alive"] < 1


def test_a_longer_horizon_expects_more_orders(open_app, demo_copy, expected, demo_analysis):
    customer_id = str(expected[expected["frequency"] > 2].index[0])
    at = open_customer(open_app, demo_copy, customer_id, "en")
    at.get_by_key("cs_predict").set_value(True).run()
    at.get_by_key("cs_horizon").set_value(365).run()
    assert_no_exception(at)
    longer = predict.customer_prediction(demo_analysis, customer_id, DEMO_END, 365)["expected_orders"]
    shown = {m.label: m.value for m in at.metric}[text("predict_expected", "en", days=365)]
    assert shown == f"{longer:.2f}" and longer >= expected.loc[customer_id, "expected_orders"]


@pytest.fixture
def customers(open_app, demo_copy):
    at = open_app(demo_copy)
    assert_no_exception(at)
    return at.switch_page(CUSTOMERS_PAGE).run()


def test_the_list_shows_the_columns_when_asked(customers, expected):
    label = text("col_p_alive", "ja")
    assert label not in table_with_column_names(customers)
    customers.get_by_key("cu_predict").set_value(True).run()
    assert_no_exception(customers)
    table = table_with_column(customers, label)
    ids = table[text("col_customer_id", "ja")]
    for customer_id, chance in zip(ids, table[label]):
        if customer_id in expected.index:
            assert chance == pytest.approx(expected.loc[customer_id, "p_alive"], abs=5e-5)
    assert text("col_expected_orders", "ja") in table.columns


def test_likely_lost_narrows_the_list_as_the_core_does(customers, demo_analysis):
    customers.get_by_key("cu_lost").set_value(True).run()
    assert_no_exception(customers)
    core = customer_list(demo_analysis, DEFAULT_THRESHOLDS, DEMO_END, None,
                         CustomerFilters(max_p_alive=predict.LIKELY_LOST_BELOW), "amount", 1)[0]
    headings = [s.value for s in customers.subheader]
    assert text("matches", "ja", n=core) in headings
    assert any(text("filter_desc_max_p_alive", "ja", value="30%") in seen(c.value) for c in customers.caption)
    customers.get_by_key("cu_lost_below").set_value(10).run()
    fewer = customer_list(demo_analysis, DEFAULT_THRESHOLDS, DEMO_END, None,
                          CustomerFilters(max_p_alive=0.1), "amount", 1)[0]
    assert text("matches", "ja", n=fewer) in [s.value for s in customers.subheader]
    assert fewer <= core


def table_with_column_names(at) -> set[str]:
    return {name for frame in at.dataframe for name in frame.value.columns}


def test_the_list_picks_the_columns_and_fills_them(customers, expected):
    customers.get_by_key("cu_columns").set_value(["customer_id", "p_alive"]).run()
    assert_no_exception(customers)
    table = table_with_column(customers, text("col_p_alive", "ja"))
    assert table[text("col_p_alive", "ja")].notna().any()


def test_too_little_data_is_said_not_a_crash(open_app, make_db):
    db = make_db(customers=[("A", "2026-01-01"), ("B", "2026-01-01")],
                 orders=[("a1", "A", "2026-02-01", 1000), ("a2", "A", "2026-03-01", 1000),
                         ("b1", "B", "2026-02-10", 500)])
    at = open_app(db, query={"lang": "en"})
    at = at.switch_page(CUSTOMERS_PAGE).run()
    at.get_by_key("cu_lost").set_value(True).run()
    assert_no_exception(at)
    message = predict.PredictError("predict_too_few", customers=2, repeaters=1, minimum=predict.MIN_CUSTOMERS)
    assert [seen(info.value) for info in at.info] == [message.message("en")]
    assert text("matches", "en", n=2) in [s.value for s in at.subheader]  # everyone: no filter applied
    page = open_app(db, query={"id": "A", "lang": "en"}, page=CUSTOMER_PAGE)
    page.get_by_key("cs_predict").set_value(True).run()
    assert_no_exception(page)
    assert [seen(info.value) for info in page.info] == [message.message("en")]
